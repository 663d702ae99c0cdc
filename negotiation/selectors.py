"""Reads for the negotiation room: what a page or a socket shows, per viewer, with fixed queries."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.errors import ServiceError
from cases.models import Case
from cases.money import amount_text
from cases.realtime import CaseStatusPayload, case_status_payload
from cases.roles import Role
from negotiation.models import BidOutcome, BlindBid, Message, NegotiationState, Offer, OfferStatus, RoomPresence
from negotiation.realtime import (
    BidPayload,
    MessagePayload,
    OfferPayload,
    bid_payload,
    message_payload,
    offer_payload,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PAGE_SIZE = 30
SYNC_LIMIT = 500
PRESENCE_TIMEOUT = timedelta(seconds=90)


def messages_page(
    case_id: int, *, before_id: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[MessagePayload], bool]:
    """The newest ``limit`` messages before ``before_id`` (oldest first), and whether older ones exist."""
    queryset = Message.objects.filter(case_id=case_id).select_related("sender", "document").order_by("-id")
    if before_id is not None:
        queryset = queryset.filter(id__lt=before_id)
    rows = list(queryset[: limit + 1])
    return [message_payload(m) for m in reversed(rows[:limit])], len(rows) > limit


def messages_after(case_id: int, after_id: int, *, limit: int = SYNC_LIMIT) -> tuple[list[MessagePayload], bool]:
    """Messages after ``after_id`` (oldest first, at most ``limit``) and whether more follow."""
    rows = list(
        Message.objects.filter(case_id=case_id, id__gt=after_id)
        .select_related("sender", "document")
        .order_by("id")[: limit + 1]
    )
    return [message_payload(m) for m in rows[:limit]], len(rows) > limit


def is_online(case: Case, user: User) -> bool:
    """Has ``user`` a socket in the case's room that pinged recently (in any server process)?"""
    return RoomPresence.objects.filter(case=case, user=user, last_seen__gte=timezone.now() - PRESENCE_TIMEOUT).exists()


def online_roles(case_id: int) -> list[str]:
    since = timezone.now() - PRESENCE_TIMEOUT
    user_ids = set(RoomPresence.objects.filter(case_id=case_id, last_seen__gte=since).values_list("user_id", flat=True))
    case = Case.objects.prefetch_related("parties").get(pk=case_id)
    return sorted(p.role for p in case.parties.all() if p.user_id in user_ids)


class ExtensionState(TypedDict):
    requested_by: str
    extended: bool


class RoomState(TypedDict):
    role: str | None
    can_write: bool
    case: CaseStatusPayload
    offers: list[OfferPayload]
    bid: BidPayload | None
    bid_rounds_used: int
    my_bid_figures: dict[str, str | None]
    extension: ExtensionState
    online: list[str]
    can_bid: bool
    bid_rounds_total: int


def room_state(case_id: int, role: Role | None, *, can_write: bool) -> RoomState:
    """Everything a client needs to (re)draw the room. Only the viewer's own bid figures are included."""
    case = Case.objects.select_related("settlement").get(pk=case_id)
    offers = Offer.objects.filter(case_id=case_id).order_by("-id")[:20]
    bids = list(BlindBid.objects.filter(case_id=case_id).order_by("number"))
    state = NegotiationState.objects.filter(case_id=case_id).first()
    figures: dict[str, str | None] = {}
    can_bid = False
    if role in (Role.CLAIMANT, Role.RESPONDENT):
        field = "claimant_figure" if role == Role.CLAIMANT else "respondent_figure"
        figures = {str(b.number): amount_text(getattr(b, field)) for b in bids if getattr(b, field) is not None}
        last = bids[-1] if bids else None
        can_bid = can_write and (
            last is None
            or (last.outcome == BidOutcome.NO_SETTLEMENT and len(bids) < settings.ODR_BLIND_BID_ROUNDS)
            or (last.outcome == BidOutcome.PENDING and getattr(last, field) is None)
        )
    return {
        "role": str(role) if role else None,
        "can_write": can_write,
        "case": case_status_payload(case),
        "offers": [offer_payload(o) for o in reversed(list(offers))],
        "bid": bid_payload(bids[-1]) if bids else None,
        "bid_rounds_used": len(bids),
        "my_bid_figures": figures,
        "extension": {
            "requested_by": state.extension_requested_by if state else "",
            "extended": bool(state and state.extended_at),
        },
        "online": online_roles(case_id),
        "can_bid": can_bid,
        "bid_rounds_total": settings.ODR_BLIND_BID_ROUNDS,
    }


def still_open(offer: Offer | None) -> Offer:
    """``offer`` if it may still be answered; otherwise ServiceError saying why not."""
    if offer is None:
        raise ServiceError(_("That offer does not exist."))
    if offer.status == OfferStatus.OPEN and offer.expires_at and offer.expires_at <= timezone.now():
        # Refused as expired; the sweep records the expiry (a write's transaction rolls back on the error).
        raise ServiceError(_("That offer has expired."))
    if offer.status != OfferStatus.OPEN:
        raise ServiceError(
            _("That offer is no longer open: it was %(status)s.") % {"status": offer.get_status_display().lower()}
        )
    return offer


def offer_to_accept(case: Case, role: Role, offer_id: int) -> Offer:
    """The offer ``role`` is about to accept, for the page that asks it to confirm; ServiceError says why it
    cannot (the same reasons ``offer_accept`` gives, checked again there under the case's lock)."""
    offer = still_open(Offer.objects.filter(case=case, pk=offer_id).first())
    if offer.maker_role == role:
        raise ServiceError(_("You cannot accept your own offer."))
    return offer


def context_for_page(case: Case, role: Role | None, can_write: bool) -> dict[str, Any]:
    messages, has_more = messages_page(case.pk)
    # Not "messages": that name belongs to django.contrib.messages in every template.
    return {"chat_messages": messages, "has_more": has_more, "state": room_state(case.pk, role, can_write=can_write)}
