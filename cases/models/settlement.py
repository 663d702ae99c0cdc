"""The terms the parties agreed, whichever stage reached them: the negotiation room (an accepted offer or a
blind-bid match) or mediation. The documents app drafts the settlement agreement from them and compliance
tracks their payment, so they belong to the core, not to the negotiation app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.cases import Case


class SettlementSource(models.TextChoices):
    OFFER = "offer", _("Accepted offer")
    BLIND_BID = "blind_bid", _("Double-blind bidding")
    MEDIATION = "mediation", _("Mediation")


class CaseSettlement(models.Model):
    """The terms the parties agreed; the settlement agreement document is drawn up from them."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="settlement")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    terms = models.TextField(blank=True)
    # The date the sum is to be paid by, when the terms give one (the obligation then falls due on it).
    pay_by = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=SettlementSource.choices)
    # The accepted offer, when the terms came from one. Named by its label, not imported: the core never
    # imports a tier (docs/architecture.md), and the negotiation app, which holds offers, builds on cases.
    offer = models.OneToOneField("negotiation.Offer", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    agreed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Settlement of {self.case}"
