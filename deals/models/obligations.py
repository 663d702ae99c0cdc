from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from deals.models.deals import Deal, Side


class ObligationKind(models.TextChoices):
    DELIVERY = "delivery", _("Delivery")
    PAYMENT = "payment", _("Payment")
    MILESTONE = "milestone", _("Milestone")


class ObligationStatus(models.TextChoices):
    PENDING = "pending", _("To be done")
    REPORTED = "reported", _("Reported done, waiting for the other business")
    CONFIRMED = "confirmed", _("Done and confirmed")
    DISPUTED = "disputed", _("Disputed by the other business")


class DealObligation(models.Model):
    """Something a signed contract obliges one side to do by a date: deliver, pay a sum, reach a
    milestone. Made from the executed version's dated fields (``deals.content``); the side that owes it
    reports it done with evidence, the other confirms or disputes it."""

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="obligations")
    # The template field whose date it is ("delivery_date", "balance_date", ...), unique per deal.
    key = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=ObligationKind.choices)
    owed_by = models.CharField(max_length=12, choices=Side.choices)
    label_en = models.CharField(max_length=200)
    label_zh = models.CharField(max_length=200)
    due_on = models.DateField()
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    status = models.CharField(max_length=10, choices=ObligationStatus.choices, default=ObligationStatus.PENDING)
    # The reminders the sweep has sent, so none is sent twice.
    reminded_due_soon_at = models.DateTimeField(null=True, blank=True)
    reminded_overdue_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deal", "due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["deal", "key"], name="one_obligation_per_date_field")]
        indexes = [models.Index(fields=["status", "due_on"], name="deal_obligation_due")]

    def __str__(self) -> str:
        return f"{self.label_en} by {self.due_on} ({self.status}) on {self.deal}"

    def label(self, language: str) -> str:
        return self.label_zh if language.startswith("zh") else self.label_en


def _evidence_path(instance: ObligationEvent, filename: str) -> str:
    return f"deals/{instance.obligation.deal.public_id}/evidence/{filename}"


class ObligationEvent(models.Model):
    """One step of an obligation's record: reported done (with its evidence), confirmed, or disputed (why)."""

    obligation = models.ForeignKey(DealObligation, on_delete=models.PROTECT, related_name="events")
    status = models.CharField(max_length=10, choices=ObligationStatus.choices)
    side = models.CharField(max_length=12, choices=Side.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    evidence = models.FileField(upload_to=_evidence_path, max_length=200, blank=True)
    evidence_name = models.CharField(max_length=255, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    evidence_content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["obligation", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.status} by {self.side} on {self.obligation}"
