"""Fees and money: the schedule in force, what each party owes (charges), and how it was paid or returned.

Amounts are ``Decimal`` with two places, in Hong Kong dollars. Nothing here is ever deleted: a charge
that is no longer owed is cancelled, a payment that went wrong stays as a failed payment.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CaseParty, Organisation, SizeBand

HKD = "HKD"


class FeeKind(models.TextChoices):
    REGISTRATION = "registration", _("Registration fee")
    MEDIATION = "mediation", _("Mediation fee")
    ARBITRATION = "arbitration", _("Arbitration fee")
    # Each business's fee for a contract made on the platform, priced by the business's size.
    DEAL = "deal", _("Deal-making fee")


def _fee_field(label: Any) -> models.DecimalField:
    return models.DecimalField(
        label, max_digits=10, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )


# The deal-making fee's column for each business size: a schedule prices a contract per size band (free for
# micro enterprises, say), where the case fees are one price with standing waivers on top.
DEAL_FEE_FIELDS = {
    SizeBand.MICRO: "deal_fee_micro",
    SizeBand.SMALL: "deal_fee_small",
    SizeBand.MEDIUM: "deal_fee_medium",
    SizeBand.LARGE: "deal_fee_large",
}


class FeeSchedule(models.Model):
    """The fees a centre charges from a date on. Charges keep the schedule they were made under, so a
    new schedule never changes what an earlier case owes; a schedule already charged cannot be edited."""

    name = models.CharField(_("name"), max_length=100)
    effective_from = models.DateTimeField(_("in force from"))
    registration_fee = models.DecimalField(
        _("registration fee per party (HK$)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    mediation_fee = models.DecimalField(
        _("mediation fee per party (HK$)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    arbitration_fee = models.DecimalField(
        _("arbitration fee per party (HK$)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    deal_fee_micro = _fee_field(_("deal-making fee per business, micro enterprise (HK$)"))
    deal_fee_small = _fee_field(_("deal-making fee per business, small enterprise (HK$)"))
    deal_fee_medium = _fee_field(_("deal-making fee per business, medium enterprise (HK$)"))
    deal_fee_large = _fee_field(_("deal-making fee per business, large enterprise (HK$)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.name} (from {self.effective_from:%Y-%m-%d})"

    def fee(self, kind: FeeKind | str, size_band: str = "") -> Decimal:
        """The fee of ``kind`` before any waiver; the deal-making fee is the one for ``size_band``."""
        if kind == FeeKind.DEAL:
            amount: Decimal = getattr(self, DEAL_FEE_FIELDS[SizeBand(size_band)])
            return amount
        return {
            FeeKind.REGISTRATION: self.registration_fee,
            FeeKind.MEDIATION: self.mediation_fee,
            FeeKind.ARBITRATION: self.arbitration_fee,
        }[FeeKind(kind)]

    @property
    def deal_fees(self) -> list[tuple[str, Decimal]]:
        """The deal-making fee for each business size, smallest first, as the schedule page lists them."""
        return [(str(band.label), getattr(self, name)) for band, name in DEAL_FEE_FIELDS.items()]


class FeeWaiverRule(models.Model):
    """A standing subsidy in a schedule, e.g. "micro enterprises pay no registration fee"."""

    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="waiver_rules")
    fee_kind = models.CharField(_("fee"), max_length=20, choices=FeeKind.choices, blank=True)  # blank: every fee
    size_band = models.CharField(_("business size"), max_length=10, choices=SizeBand.choices)
    percent = models.DecimalField(
        _("waiver (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(100)],
    )
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["schedule", "fee_kind", "size_band"]

    def __str__(self) -> str:
        return f"{self.percent}% off {self.fee_kind or 'all fees'} for {self.size_band}"


class ChargeStatus(models.TextChoices):
    DUE = "due", _("Due")
    PAID = "paid", _("Paid")
    WAIVED = "waived", _("Waived")
    REFUNDED = "refunded", _("Refunded")
    CANCELLED = "cancelled", _("No longer due")


SETTLED_CHARGE_STATUSES = (ChargeStatus.PAID, ChargeStatus.WAIVED, ChargeStatus.REFUNDED)


class Charge(models.Model):
    """One fee one business owes, fixed when the step that needs it was asked for: on a case (``case`` and
    its ``party``), or on a record of an app above this one, named by ``subject`` as the audit log names it
    ("deal:<public id>"), which payments never imports. Whoever owes it, ``organisation`` and ``payer`` say
    who: the business, and the person who pays for it (for a case, the party's)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="charges")
    party = models.ForeignKey(CaseParty, on_delete=models.PROTECT, null=True, blank=True, related_name="charges")
    subject = models.CharField(max_length=60, blank=True, default="")
    # The record's reference as people know it ("DL-2026-000001"): lists, transfer quotes and the card
    # processor show it without asking the app that owns the record.
    subject_reference = models.CharField(max_length=30, blank=True, default="")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="charges")
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=FeeKind.choices)
    # The step this fee gates: a lifecycle action (cases.lifecycle.Action, e.g. "respond"), or the owning
    # app's own step for a subject's fee (e.g. "sign_deal").
    stage_action = models.CharField(max_length=40)
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.PROTECT, related_name="charges")
    base_amount = models.DecimalField(max_digits=10, decimal_places=2)
    waived_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    waiver_reason = models.CharField(max_length=300, blank=True)
    amount_due = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default=HKD)
    status = models.CharField(max_length=12, choices=ChargeStatus.choices, default=ChargeStatus.DUE)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "party", "kind"],
                condition=~models.Q(status="cancelled"),
                name="one_live_charge_per_fee",
            ),
            # The same for a subject's fee: one live charge per business, however often it is asked for.
            models.UniqueConstraint(
                fields=["subject", "organisation", "kind"],
                condition=~models.Q(status="cancelled") & ~models.Q(subject=""),
                name="one_live_charge_per_subject_fee",
            ),
            models.CheckConstraint(
                condition=models.Q(case__isnull=False, party__isnull=False, subject="")
                | (models.Q(case__isnull=True, party__isnull=True) & ~models.Q(subject="")),
                name="charge_on_a_case_or_a_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} HK${self.amount_due} ({self.status}) on {self.record_reference}"

    @property
    def record_reference(self) -> str:
        """The case's reference, or the subject's (reads ``case``: select it with the charge)."""
        if self.case is not None:
            return self.case.reference or ""
        return self.subject_reference

    @property
    def is_settled(self) -> bool:
        return self.status in SETTLED_CHARGE_STATUSES


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PROCESSING = "processing", _("Processing")
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", _("Failed")
    PARTLY_REFUNDED = "partly_refunded", _("Partly refunded")
    REFUNDED = "refunded", _("Refunded")


PAID_STATUSES = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTLY_REFUNDED, PaymentStatus.REFUNDED)


class Payment(models.Model):
    """One attempt to pay one charge through one provider: pending -> processing -> succeeded / failed,
    then possibly (partly) refunded. A failed attempt stays; trying again makes a new payment."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    # What we asked for (the server's figure, from the charge) ...
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default=HKD)
    # ... and what the provider says it received; a difference is flagged for reconciliation.
    amount_received = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    currency_received = models.CharField(max_length=3, blank=True)
    amount_refunded = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    # A Stripe PaymentIntent id, or the payer's bank-transfer / cheque reference.
    provider_reference = models.CharField(max_length=100, blank=True, db_index=True)
    failure_message = models.CharField(max_length=300, blank=True)
    mismatch = models.BooleanField(default=False)
    # It succeeded for a charge another payment (or a waiver) had already settled: refunded, never kept.
    duplicate = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="payment_status_created")]

    def __str__(self) -> str:
        return f"{self.provider} HK${self.amount} ({self.status}) for {self.charge}"

    @property
    def refundable(self) -> Decimal:
        if self.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.PARTLY_REFUNDED):
            return Decimal("0.00")
        return (self.amount_received or Decimal("0")) - self.amount_refunded


class Refund(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    reason = models.CharField(max_length=300)
    provider_reference = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Refund HK${self.amount} of {self.payment}"


class WebhookEvent(models.Model):
    """Every provider event we accepted, by its id: a second delivery of the same event does nothing."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="one_row_per_event")]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event_id}"
