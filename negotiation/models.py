"""The negotiation room: messages, structured offers, double-blind bidding, the one extension, and who is in
the room and how far each person has read.

The models were part of the cases app, and keep its tables (``db_table``): moving them here changed no row.
The terms agreed here are the core's ``CaseSettlement`` (mediation reaches them too)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.cases import Case, PartyRole
from cases.models.evidence import Document


class Message(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sender_role = models.CharField(max_length=12, choices=PartyRole.choices)
    body = models.TextField()
    document = models.ForeignKey(Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "cases_message"
        ordering = ["id"]
        indexes = [models.Index(fields=["case", "id"], name="message_case_id")]

    def __str__(self) -> str:
        return f"{self.case} #{self.pk}"


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    COUNTERED = "countered", _("Countered")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Closed by the settlement")


class Offer(models.Model):
    """An offer to settle: the respondent pays the claimant ``amount`` on ``terms``, by ``pay_by`` if it says
    (otherwise within the Centre's days after the agreement is executed)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="offers")
    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    maker_role = models.CharField(max_length=12, choices=PartyRole.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    terms = models.TextField(blank=True)
    pay_by = models.DateField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    counter_to = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="counters")
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "cases_offer"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "maker_role"], condition=models.Q(status="open"), name="one_open_offer_per_party"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="offer_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.case} offer #{self.pk} ({self.status})"


class BidOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting for both figures")
    SETTLED = "settled", _("Settled")
    NO_SETTLEMENT = "no_settlement", _("No settlement this round")


class BlindBid(models.Model):
    """One round of double-blind bidding. The figures never leave the server towards the other party."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="blind_bids")
    number = models.PositiveSmallIntegerField()
    claimant_figure = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    respondent_figure = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=BidOutcome.choices, default=BidOutcome.PENDING)
    settled_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "cases_blindbid"
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="one_bid_round_per_number")]

    def __str__(self) -> str:
        return f"{self.case} round {self.number}"


class NegotiationState(models.Model):
    """Per-case negotiation bookkeeping: the one agreed extension."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="negotiation")
    extension_requested_by = models.CharField(max_length=12, choices=PartyRole.choices, blank=True)
    extension_requested_at = models.DateTimeField(null=True, blank=True)
    extended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "cases_negotiationstate"

    def __str__(self) -> str:
        return f"Negotiation of {self.case}"


class RoomPresence(models.Model):
    """An open socket in a case's room. In the database so every server process sees it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    last_seen = models.DateTimeField()

    class Meta:
        db_table = "cases_roompresence"
        indexes = [models.Index(fields=["case", "last_seen"], name="presence_case_seen")]

    def __str__(self) -> str:
        return f"{self.user} in {self.case}"


class ReadMarker(models.Model):
    """How far a person has read a room, and how far the last email digest went."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_id = models.PositiveBigIntegerField(default=0)
    last_digest_id = models.PositiveBigIntegerField(default=0)

    class Meta:
        db_table = "cases_readmarker"
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="one_read_marker")]

    def __str__(self) -> str:
        return f"{self.user} read {self.case} to #{self.last_read_id}"
