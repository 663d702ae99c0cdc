"""The negotiation room's events: a message, an offer, a bidding round. Each is sent to the case's room after
the commit that recorded it, through the core's room events (``cases.realtime``), which the room's sockets
(``negotiation.consumers``) localise and deliver."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from django.db import transaction
from django.db.models import Max

from cases.money import amount_text
from cases.realtime import RoomEvent, broadcast_on_commit, send_to_room
from negotiation.models import BlindBid, Message, Offer

if TYPE_CHECKING:
    from django.contrib.auth.models import User


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
