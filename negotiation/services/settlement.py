"""Terms agreed in the room, from an accepted offer or a blind-bid match: recorded on the case as its
settlement, and the case moves on to sign the agreement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cases.audit import RequestMeta
from cases.hooks import settlement_agreed
from cases.lifecycle import Action, case_transition
from cases.models import Case, CaseSettlement, SettlementSource
from negotiation.models import Offer, OfferStatus
from negotiation.realtime import broadcast_offer


def agree_settlement(
    *,
    case: Case,
    amount: Decimal,
    terms: str,
    source: SettlementSource,
    offer: Offer | None,
    meta: RequestMeta,
    pay_by: date | None = None,
) -> CaseSettlement:
    """Record the agreed terms on the case and move it to settlement (the agreement is signed next)."""
    settlement = CaseSettlement.objects.create(
        case=case, amount=amount, terms=terms, pay_by=pay_by, source=source, offer=offer
    )
    for other in Offer.objects.select_for_update().filter(case=case, status=OfferStatus.OPEN):
        other.status = OfferStatus.SUPERSEDED
        other.save(update_fields=["status"])
        broadcast_offer(other)
    case_transition(
        case=case,
        action=Action.AGREE_SETTLEMENT,
        actor=None,
        meta=meta,
        data={"amount": f"{amount:.2f}", "source": source},
    )
    settlement_agreed(case, settlement)
    return settlement
