"""What the negotiation room holds about a person, for their export (``cases.hooks.register_personal_data``):
the messages they wrote, the offers they made and their own side's blind-bid figures, each under the key the
export has always had. Erasure removes only the room's bookkeeping about them (presence, read markers): the
messages, offers and bids are the other party's record too, and stay."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from cases.hooks import PersonalDataSource
from cases.models import CaseParty
from negotiation.models import BlindBid, Message, Offer, ReadMarker, RoomPresence


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _messages(user: User) -> list[dict[str, Any]]:
    return [
        {"case": m.case.reference, "sent_at": _when(m.created_at), "body": m.body}
        for m in Message.objects.filter(sender=user).select_related("case")
    ]


def _offers(user: User) -> list[dict[str, Any]]:
    return [
        {
            "case": o.case.reference,
            "amount": str(o.amount),
            "terms": o.terms,
            "status": o.status,
            "made_at": _when(o.created_at),
        }
        for o in Offer.objects.filter(maker=user).select_related("case")
    ]


def _blind_bids(user: User) -> list[dict[str, Any]]:
    bids = []
    for party in CaseParty.objects.filter(user=user).select_related("case"):
        for bid in BlindBid.objects.filter(case=party.case):
            figure = bid.claimant_figure if party.role == "claimant" else bid.respondent_figure
            if figure is not None:  # only the person's own side's figures, never the other side's
                bids.append({"case": party.case.reference, "round": bid.number, "figure": str(figure)})
    return bids


def _room_bookkeeping_erase(user: User, pseudonym: str) -> None:
    RoomPresence.objects.filter(user=user).delete()
    ReadMarker.objects.filter(user=user).delete()


PERSONAL_DATA_SOURCES = (
    # The room's bookkeeping goes with the first of them: a source erases what its app holds.
    PersonalDataSource(name="messages", export=_messages, erase=_room_bookkeeping_erase),
    PersonalDataSource(name="offers", export=_offers),
    PersonalDataSource(name="blind_bids", export=_blind_bids),
)
