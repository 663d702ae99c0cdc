"""Real-time events for a case's room: persist first, then broadcast after the commit (Zulip's
``send_event_on_commit``). One Channels group per case room; the consumer re-checks access and
localises each event before it reaches a socket.

The channel layer may drop messages under load; the database stays the record, and clients catch up
with a ``sync`` frame after any gap.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Max

from cases.models import Case
from cases.money import amount_text
from negotiation.models import BlindBid, Message, Offer
from odr.layer_watch import LAYER_ERRORS, report_layer_failure

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def room_group(case_id: int) -> str:
    return f"case-{case_id}-room"


class DocumentRef(TypedDict):
    id: str
    title: str


class MessagePayload(TypedDict):
    id: int
    sender_role: str
    sender_name: str
    body: str
    document: DocumentRef | None
    created_at: str


class OfferPayload(TypedDict):
    id: int
    maker_role: str
    amount: str
    terms: str
    pay_by: str | None
    expires_at: str | None
    status: str
    counter_to: int | None
    created_at: str


class BidPayload(TypedDict):
    """What both parties may know of a round: never a figure, only who has entered one and the result."""

    number: int
    claimant_submitted: bool
    respondent_submitted: bool
    outcome: str
    settled_amount: str | None


class CaseStatusPayload(TypedDict):
    status: str
    outcome: str
    deadline_at: str | None
    settlement_amount: NotRequired[str | None]
    settlement_terms: NotRequired[str]
    settlement_pay_by: NotRequired[str | None]


class RoomEvent(TypedDict):
    kind: Literal["message", "offer", "bid", "case_status", "presence", "typing", "notice", "access", "document"]
    data: Any
    # The channel that caused it, so typing indicators are not echoed back.
    origin: NotRequired[str]
    # For a message: the id of the case's message before it (0 for the first), so a socket that never got
    # that one (its broadcast lost, say with the process that stored it) knows to catch up.
    prev_id: NotRequired[int]


def message_payload(message: Message) -> MessagePayload:
    document = message.document
    return plain_message_payload(
        message_id=message.pk,
        sender=message.sender,
        sender_role=message.sender_role,
        body=message.body,
        created_at=message.created_at,
        document={"id": str(document.public_id), "title": document.title} if document else None,
    )


def plain_message_payload(
    *,
    message_id: int,
    sender: User,
    sender_role: str,
    body: str,
    created_at: datetime,
    document: DocumentRef | None = None,
) -> MessagePayload:
    """A message's payload from its fields, for a caller that stored it without a model instance."""
    return {
        "id": message_id,
        "sender_role": sender_role,
        "sender_name": sender.get_full_name() or sender.email,
        "body": body,
        "document": document,
        "created_at": created_at.isoformat(),
    }


def offer_payload(offer: Offer) -> OfferPayload:
    return {
        "id": offer.pk,
        "maker_role": offer.maker_role,
        "amount": f"{offer.amount:.2f}",
        "terms": offer.terms,
        "pay_by": offer.pay_by.isoformat() if offer.pay_by else None,
        "expires_at": offer.expires_at.isoformat() if offer.expires_at else None,
        "status": offer.status,
        "counter_to": offer.counter_to_id,
        "created_at": offer.created_at.isoformat(),
    }


def bid_payload(bid: BlindBid) -> BidPayload:
    return {
        "number": bid.number,
        "claimant_submitted": bid.claimant_figure is not None,
        "respondent_submitted": bid.respondent_figure is not None,
        "outcome": bid.outcome,
        "settled_amount": amount_text(bid.settled_amount),
    }


def case_status_payload(case: Case) -> CaseStatusPayload:
    payload: CaseStatusPayload = {
        "status": case.status,
        "outcome": case.outcome,
        "deadline_at": case.deadline_at.isoformat() if case.deadline_at else None,
    }
    settlement = getattr(case, "settlement", None) if case.status != "negotiation" else None
    if settlement is not None:
        payload["settlement_amount"] = amount_text(settlement.amount)
        payload["settlement_terms"] = settlement.terms
        payload["settlement_pay_by"] = settlement.pay_by.isoformat() if settlement.pay_by else None
    return payload


# While a consumer runs a service in a worker thread, events are collected here instead of being sent
# from that thread; the consumer sends them from the event loop once the service has returned (after
# its commit). The database thread then never waits on the channel layer.
_collected: ContextVar[list[tuple[int, RoomEvent]] | None] = ContextVar("collected_room_events", default=None)


@contextmanager
def collect_room_events() -> Iterator[list[tuple[int, RoomEvent]]]:
    events: list[tuple[int, RoomEvent]] = []
    token = _collected.set(events)
    try:
        yield events
    finally:
        _collected.reset(token)


async def send_collected(events: list[tuple[int, RoomEvent]]) -> bool:
    """Send what a service produced. False if the channel layer failed: what it records is committed, so
    the caller still answers its client; the layer's watch then has every room socket reconnect and catch
    up from the database."""
    layer = get_channel_layer()
    if layer is None:
        return True
    for case_id, event in events:
        try:
            await layer.group_send(room_group(case_id), {"type": "room.event", "event": event})
        except LAYER_ERRORS as exc:
            report_layer_failure(exc)
            return False
    return True


def send_to_room(case_id: int, event: RoomEvent) -> None:
    """Send now (or hand to the collecting consumer). Ephemeral events such as typing and presence,
    which have no record, use this directly; recorded ones go through ``broadcast_on_commit``."""
    collected = _collected.get()
    if collected is not None:
        collected.append((case_id, event))
        return
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(room_group(case_id), {"type": "room.event", "event": event})


def broadcast_on_commit(case_id: int, event: RoomEvent) -> None:
    """Send once the current transaction commits, so nobody sees what the record does not hold."""
    transaction.on_commit(lambda: send_to_room(case_id, event), robust=True)


def broadcast_case_status(case: Case) -> None:
    # Built at commit time, so the settlement written later in the same transaction is included.
    def send() -> None:
        fresh = Case.objects.select_related("settlement").get(pk=case.pk)
        send_to_room(case.pk, {"kind": "case_status", "data": case_status_payload(fresh)})

    transaction.on_commit(send, robust=True)


def broadcast_message(message: Message, *, prev_id: int | None = None) -> None:
    """``prev_id``: the case's message before this one, when the caller already knows it (the room's fast
    path reads it in the statement that stores the message); otherwise it is read after the commit."""
    payload = message_payload(message)

    def send() -> None:
        prev = prev_id
        if prev is None:
            earlier = Message.objects.filter(case_id=message.case_id, id__lt=message.pk).aggregate(prev=Max("id"))
            prev = earlier["prev"] or 0
        send_to_room(message.case_id, {"kind": "message", "data": payload, "prev_id": prev})

    transaction.on_commit(send, robust=True)


def message_event(payload: MessagePayload, *, prev_id: int) -> RoomEvent:
    """The room event for a message stored (and committed) by a caller that already knows ``prev_id``."""
    return {"kind": "message", "data": payload, "prev_id": prev_id}


def broadcast_offer(offer: Offer) -> None:
    broadcast_on_commit(offer.case_id, {"kind": "offer", "data": offer_payload(offer)})


def broadcast_bid(bid: BlindBid) -> None:
    broadcast_on_commit(bid.case_id, {"kind": "bid", "data": bid_payload(bid)})


def broadcast_document_changed(case_id: int, kind: str) -> None:
    """A document the parties sign changed (a signature, a new version, its PDF ready, its sealed copy): an
    open agreement page fetches its fresh state (static/js/agreement.js). Only the kind is sent: the page
    reads the rest through its own access check."""
    broadcast_on_commit(case_id, {"kind": "document", "data": {"kind": kind}})


def broadcast_access_changed(case_id: int) -> None:
    """Someone joined or left the case: every socket of its room re-checks its access now."""
    broadcast_on_commit(case_id, {"kind": "access", "data": None})
