"""Offers to settle: made, countered, accepted (which settles the case), rejected, withdrawn, and expired
once past the time their maker gave them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.models import Case, CaseSettlement, PartyRole, SettlementSource
from cases.offer_dates import check_expiry, check_pay_by
from cases.services import ServiceError
from negotiation.models import Offer, OfferStatus
from negotiation.realtime import broadcast_offer
from negotiation.selectors import still_open
from negotiation.services.party import check_amount, email_if_offline, lock_for_party, other_side
from negotiation.services.settlement import agree_settlement

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_TERMS_LENGTH = 4000


def _create_offer(
    *,
    case: Case,
    user: User,
    role: PartyRole,
    amount: Decimal,
    terms: str,
    expires_at: datetime | None,
    pay_by: date | None,
    counter_to: Offer | None,
    meta: RequestMeta,
) -> Offer:
    terms = terms.strip()
    if len(terms) > MAX_TERMS_LENGTH:
        raise ServiceError(_("Terms can be at most %(n)s characters.") % {"n": MAX_TERMS_LENGTH}, field="terms")
    offer = Offer.objects.create(
        case=case,
        maker=user,
        maker_role=role,
        amount=check_amount(case, amount),
        terms=terms,
        pay_by=pay_by,
        expires_at=expires_at,
        counter_to=counter_to,
    )
    log_action(
        case=case,
        actor=user,
        action="offer.made",
        meta=meta,
        data={
            "offer": offer.pk,
            "amount": f"{offer.amount:.2f}",
            "pay_by": pay_by.isoformat() if pay_by else None,
            "counter_to": counter_to.pk if counter_to else None,
        },
    )
    broadcast_offer(offer)
    email_if_offline(case, other_side(role), "offer_made", {"offer": offer})
    return offer


@transaction.atomic
def offer_make(
    *,
    case: Case,
    user: User,
    amount: Decimal,
    terms: str,
    expires_at: datetime | None = None,
    pay_by: date | None = None,
    meta: RequestMeta = SYSTEM,
) -> Offer:
    """Offer to settle for ``amount``, paid by ``pay_by`` if given (else within the Centre's days after the
    agreement is executed); the offer is open until ``expires_at`` if given."""
    locked, role = lock_for_party(case, user)
    check_expiry(expires_at)
    check_pay_by(pay_by)
    _expire_stale_offers(locked)
    if Offer.objects.filter(case=locked, maker_role=role, status=OfferStatus.OPEN).exists():
        raise ServiceError(_("You already have an open offer. Withdraw it before making a new one."))
    return _create_offer(
        case=locked,
        user=user,
        role=role,
        amount=amount,
        terms=terms,
        expires_at=expires_at,
        pay_by=pay_by,
        counter_to=None,
        meta=meta,
    )


def _locked_open_offer(case: Case, offer_id: int) -> Offer:
    return still_open(Offer.objects.select_for_update().filter(case=case, pk=offer_id).first())


def _expire_stale_offers(case: Case) -> None:
    for offer in Offer.objects.select_for_update().filter(
        case=case, status=OfferStatus.OPEN, expires_at__lte=timezone.now()
    ):
        offer.status = OfferStatus.EXPIRED
        offer.save(update_fields=["status"])
        broadcast_offer(offer)


def _respond(offer: Offer, user: User, status: OfferStatus, meta: RequestMeta) -> Offer:
    offer.status = status
    offer.responded_by = user
    offer.responded_at = timezone.now()
    offer.save(update_fields=["status", "responded_by", "responded_at"])
    log_action(case=offer.case, actor=user, action=f"offer.{status}", meta=meta, data={"offer": offer.pk})
    broadcast_offer(offer)
    return offer


@transaction.atomic
def offer_accept(*, case: Case, user: User, offer_id: int, meta: RequestMeta = SYSTEM) -> CaseSettlement:
    locked, role = lock_for_party(case, user)
    offer = _locked_open_offer(locked, offer_id)
    if offer.maker_role == role:
        raise ServiceError(_("You cannot accept your own offer."))
    if offer.pay_by is not None and offer.pay_by < timezone.localdate():
        raise ServiceError(
            _("The date to pay by in this offer has passed. Make a counter-offer with a new date instead.")
        )
    _respond(offer, user, OfferStatus.ACCEPTED, meta)
    settlement = agree_settlement(
        case=locked,
        amount=offer.amount,
        terms=offer.terms,
        pay_by=offer.pay_by,
        source=SettlementSource.OFFER,
        offer=offer,
        meta=meta,
    )
    email_if_offline(locked, other_side(role), "offer_accepted", {"offer": offer})
    return settlement


@transaction.atomic
def offer_reject(*, case: Case, user: User, offer_id: int, meta: RequestMeta = SYSTEM) -> Offer:
    locked, role = lock_for_party(case, user)
    offer = _locked_open_offer(locked, offer_id)
    if offer.maker_role == role:
        raise ServiceError(_("You cannot reject your own offer; withdraw it instead."))
    return _respond(offer, user, OfferStatus.REJECTED, meta)


@transaction.atomic
def offer_withdraw(*, case: Case, user: User, offer_id: int, meta: RequestMeta = SYSTEM) -> Offer:
    locked, role = lock_for_party(case, user)
    offer = _locked_open_offer(locked, offer_id)
    if offer.maker_role != role:
        raise ServiceError(_("Only the party that made an offer can withdraw it."))
    return _respond(offer, user, OfferStatus.WITHDRAWN, meta)


@transaction.atomic
def offer_counter(
    *,
    case: Case,
    user: User,
    offer_id: int,
    amount: Decimal,
    terms: str,
    expires_at: datetime | None = None,
    pay_by: date | None = None,
    meta: RequestMeta = SYSTEM,
) -> Offer:
    """Answer the other side's offer with one's own; an open offer of one's own is replaced."""
    locked, role = lock_for_party(case, user)
    check_expiry(expires_at)
    check_pay_by(pay_by)
    check_amount(locked, amount)
    offer = _locked_open_offer(locked, offer_id)
    if offer.maker_role == role:
        raise ServiceError(_("You cannot counter your own offer."))
    _respond(offer, user, OfferStatus.COUNTERED, meta)
    _expire_stale_offers(locked)
    for own in Offer.objects.select_for_update().filter(case=locked, maker_role=role, status=OfferStatus.OPEN):
        _respond(own, user, OfferStatus.WITHDRAWN, meta)
    return _create_offer(
        case=locked,
        user=user,
        role=role,
        amount=amount,
        terms=terms,
        expires_at=expires_at,
        pay_by=pay_by,
        counter_to=offer,
        meta=meta,
    )


def expire_offers(*, now: datetime | None = None) -> int:
    """Mark offers past their expiry (the sweep calls this; accept also checks it)."""
    now = now or timezone.now()
    count = 0
    for offer_id in list(
        Offer.objects.filter(status=OfferStatus.OPEN, expires_at__lte=now).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            offer = Offer.objects.select_for_update().get(pk=offer_id)
            if offer.status == OfferStatus.OPEN:
                offer.status = OfferStatus.EXPIRED
                offer.save(update_fields=["status"])
                broadcast_offer(offer)
                count += 1
    return count
