"""Double-blind bidding: each party enters a confidential figure per round; a round settles the case when
the figures are close enough, and neither side ever learns the other's figure."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.models import Case, PartyRole, SettlementSource
from cases.money import CENT
from cases.services import ServiceError
from negotiation.models import BidOutcome, BlindBid
from negotiation.realtime import broadcast_bid
from negotiation.services.party import check_amount, email_if_offline, lock_for_party
from negotiation.services.settlement import agree_settlement

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def settlement_gap(demand: Decimal) -> Decimal:
    """How far apart the figures may be and still settle: a share of the demand, or a floor amount."""
    share = (demand * settings.ODR_BLIND_BID_GAP_PERCENT / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return max(share, settings.ODR_BLIND_BID_GAP_MIN)


def blind_bid_result(*, demand: Decimal, offer: Decimal) -> Decimal | None:
    """The settlement amount, or None. An offer that reaches the demand settles at the demand; one within
    the gap below it settles at the midpoint (Cybersettle's rule)."""
    if offer >= demand:
        return demand
    if demand - offer <= settlement_gap(demand):
        return ((demand + offer) / 2).quantize(CENT, rounding=ROUND_HALF_UP)
    return None


def current_bid_round(case: Case) -> BlindBid | None:
    return BlindBid.objects.filter(case=case).order_by("-number").first()


@transaction.atomic
def bid_submit(*, case: Case, user: User, amount: Decimal, meta: RequestMeta = SYSTEM) -> BlindBid:
    """Enter this party's confidential figure for the current round; evaluate once both are in."""
    locked, role = lock_for_party(case, user)  # the case lock also serialises the round's two figures
    check_amount(locked, amount)
    bid = current_bid_round(locked)
    if bid is None or bid.outcome == BidOutcome.NO_SETTLEMENT:
        number = 1 if bid is None else bid.number + 1
        if number > settings.ODR_BLIND_BID_ROUNDS:
            raise ServiceError(
                _("All %(n)s rounds of blind bidding have been used.") % {"n": settings.ODR_BLIND_BID_ROUNDS}
            )
        bid = BlindBid.objects.create(case=locked, number=number)
    field = "claimant_figure" if role == PartyRole.CLAIMANT else "respondent_figure"
    if getattr(bid, field) is not None:
        raise ServiceError(_("You have already entered your figure for round %(n)s.") % {"n": bid.number})
    setattr(bid, field, amount)
    # The audit log never holds a figure: parties and staff alike only see that one was entered.
    log_action(case=locked, actor=user, action="bid.submitted", meta=meta, data={"round": bid.number})
    if bid.claimant_figure is not None and bid.respondent_figure is not None:
        result = blind_bid_result(demand=bid.claimant_figure, offer=bid.respondent_figure)
        bid.closed_at = timezone.now()
        bid.outcome = BidOutcome.NO_SETTLEMENT if result is None else BidOutcome.SETTLED
        bid.settled_amount = result
        log_action(case=locked, actor=None, action=f"bid.{bid.outcome}", data={"round": bid.number})
    bid.save()
    broadcast_bid(bid)
    if bid.outcome == BidOutcome.SETTLED and bid.settled_amount is not None:
        for party_role in (PartyRole.CLAIMANT, PartyRole.RESPONDENT):
            email_if_offline(locked, party_role, "bid_settled", {"amount": bid.settled_amount, "round": bid.number})
        agree_settlement(
            case=locked,
            amount=bid.settled_amount,
            terms=_("Settlement reached by double-blind bidding in round %(n)s.") % {"n": bid.number},
            source=SettlementSource.BLIND_BID,
            offer=None,
            meta=meta,
        )
    return bid
