"""The deal-making fee as a side's pages read it: before the text is locked, what the business would pay;
from then on, its charge, how it stands and its payments (``deals.services.fees`` makes the charges)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from cases.money import format_hkd
from deals.audit import deal_subject
from deals.models import Deal, DealStatus
from payments.models import SETTLED_CHARGE_STATUSES, Charge, ChargeStatus, FeeKind, Payment, PaymentStatus
from payments.services.fees import fee_quote


@dataclass(frozen=True, slots=True)
class DealFee:
    """One business's deal-making fee on a deal: ``charge`` once it fell due (None: nothing to pay), or
    before that the ``quote`` for the business under today's schedule."""

    charge: Charge | None = None
    quote: Decimal = Decimal("0.00")
    # A payment of it is being processed (a declared transfer the centre has not confirmed yet).
    waiting: bool = False
    payments: tuple[Payment, ...] = ()

    @property
    def can_pay(self) -> bool:
        return self.charge is not None and self.charge.status == ChargeStatus.DUE and not self.waiting


def live_deal_charges(deal: Deal) -> QuerySet[Charge]:
    return Charge.objects.filter(subject=deal_subject(deal), kind=FeeKind.DEAL).exclude(status=ChargeStatus.CANCELLED)


def deal_may_sign(deal: Deal, side: str) -> str | None:
    """Why the business on ``side`` may not sign ``deal`` yet (its deal-making fee, fixed when the text was
    locked, is neither paid nor waived), or None. A read, one query: the signing service asks it under the
    deal's row lock and refuses with the reason it gets."""
    unpaid = (
        live_deal_charges(deal)
        .filter(organisation__deal_parties__deal=deal, organisation__deal_parties__side=side)
        .exclude(status__in=SETTLED_CHARGE_STATUSES)
        .first()
    )
    if unpaid is None:
        return None
    return _("Your business's deal-making fee of %(amount)s is not paid yet: pay it, then sign.") % {
        "amount": format_hkd(unpaid.amount_due)
    }


def deal_fee_for(deal: Deal, side: str) -> DealFee | None:
    """What the page of ``side`` says about its fee (works on the deal's prefetched parties); None for a
    cancelled deal. Two queries: the charge with its payments, or the schedule with its waivers."""
    party = next((party for party in deal.parties.all() if party.side == side), None)
    if party is None or deal.status == DealStatus.CANCELLED:
        return None
    if deal.locked_at is None:
        return DealFee(quote=fee_quote(FeeKind.DEAL, party.organisation.size_band))
    processing = Payment.objects.filter(charge=OuterRef("pk"), status=PaymentStatus.PROCESSING)
    charge = (
        live_deal_charges(deal)
        .filter(organisation_id=party.organisation_id)
        .annotate(processing=Exists(processing))
        .prefetch_related("payments")
        .first()
    )
    if charge is None:
        return DealFee()
    return DealFee(charge=charge, waiting=charge.processing, payments=tuple(charge.payments.all()))
