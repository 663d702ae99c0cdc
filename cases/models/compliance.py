from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.cases import Case, PartyRole


class ObligationStatus(models.TextChoices):
    DUE = "due", _("Payment due")
    REPORTED = "reported", _("Payment reported, waiting for confirmation")
    CONFIRMED = "confirmed", _("Paid and confirmed")
    DISPUTED = "disputed", _("Payment disputed")


class Obligation(models.Model):
    """What an outcome (settlement or award) requires: one party pays the other a sum by a date.

    Compliance is tracked after the case closes: the payer reports payment with evidence, the payee
    confirms or disputes it, and an unpaid obligation past its date shows as overdue."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="obligations")
    source = models.CharField(max_length=12)  # "settlement" or "award"
    payer_role = models.CharField(max_length=12, choices=PartyRole.choices)
    payee_role = models.CharField(max_length=12, choices=PartyRole.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    due_by = models.DateField()
    status = models.CharField(max_length=10, choices=ObligationStatus.choices, default=ObligationStatus.DUE)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "created_at"]
        constraints = [models.UniqueConstraint(fields=["case", "source"], name="one_obligation_per_outcome")]

    def __str__(self) -> str:
        return f"{self.payer_role} pays HK${self.amount} by {self.due_by} ({self.status}) on {self.case}"


class PaymentReport(models.Model):
    """The payer says it paid; the payee answers."""

    obligation = models.ForeignKey(Obligation, on_delete=models.PROTECT, related_name="reports")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    paid_on = models.DateField()
    reference = models.CharField(max_length=100)
    evidence = models.ForeignKey(
        "cases.DocumentVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)
    response = models.CharField(max_length=10, blank=True)  # "confirmed" / "disputed"
    response_reason = models.CharField(max_length=500, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["reported_at", "pk"]

    def __str__(self) -> str:
        return f"Reported HK${self.amount} paid on {self.paid_on} for {self.obligation}"
