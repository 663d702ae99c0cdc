"""The video room's state: which connection is in which room (waiting, joint, a caucus).

The database holds it, so every Daphne process behind one Redis sees the same rooms. The consumer
calls these functions for every frame; each checks the caller's right again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import log_action
from cases.models import Case
from cases.names import display_name
from mediation.access import SessionAccess
from mediation.models import MediationSession, Participant, RoomKind, RoomMessage

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_PARTICIPANTS = 6  # a full mesh: every pair holds a peer connection
CAUCUSES = frozenset({RoomKind.CAUCUS_CLAIMANT, RoomKind.CAUCUS_RESPONDENT})


class RoomError(Exception):
    """A frame the room refuses; ``code`` is for programs, ``message`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class PeerView:
    peer: str
    role: str
    name: str
    room: str
    channel: str  # for the server only: never sent to a browser


def _present(session_id: int) -> list[Participant]:
    """Connections still there. One whose process died never said goodbye: after
    ``ODR_MEDIATION_PRESENCE_SECONDS`` without a ping (the page pings every 25 s) it counts as gone."""
    fresh = timezone.now() - timedelta(seconds=settings.ODR_MEDIATION_PRESENCE_SECONDS)
    return list(
        Participant.objects.filter(session_id=session_id, left_at__isnull=True, last_seen__gte=fresh)
        .select_related("user", "user__mediator_profile", "user__arbitrator_profile")
        .order_by("joined_at", "pk")
    )


def _open_caucus(present: list[Participant]) -> str | None:
    return next((p.room for p in present if p.room in CAUCUSES), None)


def open_caucus(*, session_id: int) -> str | None:
    """The caucus in progress (whose room), if any: the party left in the joint room is told the mediator is in
    a private session with the other party."""
    return _open_caucus(_present(session_id))


def peer_view(participant: Participant) -> PeerView:
    name = display_name(participant.user)
    return PeerView(
        peer=participant.peer_id,
        role=participant.role,
        name=name,
        room=participant.room,
        channel=participant.channel_name,
    )


def _room_on_joining(access: SessionAccess, user: User, open_caucus: str | None) -> str:
    """Where a new connection starts. The mediator goes to the session (to the caucus, if one is open). A party
    waits to be admitted, once: a party admitted to this session before (who reloaded the page, or whose
    network dropped for a moment) goes straight back in, to its own caucus if that is still open."""
    if access.role == "mediator":
        return open_caucus or RoomKind.JOINT
    admitted_before = Participant.objects.filter(
        session_id=access.session_id, user=user, admitted_at__isnull=False
    ).exists()
    if not admitted_before:
        return RoomKind.WAITING
    own_caucus = caucus_room(access.role)
    return own_caucus if open_caucus == own_caucus else RoomKind.JOINT


@transaction.atomic
def room_join(*, access: SessionAccess, user: User, channel_name: str) -> Participant:
    """A new connection: parties wait in the waiting room until first admitted; the mediator, and a party
    admitted before, go straight into the session."""
    if not access.live:
        raise RoomError("not_live", _("This session is not in progress. Join when the mediator opens it."))
    MediationSession.objects.select_for_update().get(pk=access.session_id)  # one join at a time per session
    present = _present(access.session_id)
    if len(present) >= MAX_PARTICIPANTS:
        raise RoomError("full", _("The room is full (at most %(n)s connections).") % {"n": MAX_PARTICIPANTS})
    room = _room_on_joining(access, user, _open_caucus(present))
    participant = Participant.objects.create(
        session_id=access.session_id,
        user=user,
        role=access.role,
        peer_id=secrets.token_hex(8),
        channel_name=channel_name,
        room=room,
        admitted_at=None if room == RoomKind.WAITING else timezone.now(),
    )
    log_action(
        case=Case.objects.get(pk=access.case_id),
        actor=user,
        action="mediation.joined",
        data={"session": access.session_id, "role": access.role, "peer": participant.peer_id},
        visible_to_parties=False,
    )
    return Participant.objects.select_related("user", "user__mediator_profile", "user__arbitrator_profile").get(
        pk=participant.pk
    )


def _mediator_in(session_id: int, peer_id: str) -> Participant:
    me = Participant.objects.filter(session_id=session_id, peer_id=peer_id, left_at__isnull=True).first()
    if me is None or me.role != "mediator":
        raise RoomError("forbidden", _("Only the mediator can do that."))
    return me


@transaction.atomic
def room_admit(*, session_id: int, mediator_peer: str, peer_id: str) -> Participant:
    _mediator_in(session_id, mediator_peer)
    target = (
        Participant.objects.select_for_update()
        .filter(session_id=session_id, peer_id=peer_id, left_at__isnull=True)
        .first()
    )
    if target is None:
        raise RoomError("unknown_peer", _("That person is no longer waiting."))
    if target.room != RoomKind.WAITING:
        raise RoomError("not_waiting", _("That person is already in the session."))
    target.room = RoomKind.JOINT
    target.admitted_at = timezone.now()
    target.save(update_fields=["room", "admitted_at"])
    return target


def caucus_room(party_role: str) -> str:
    if party_role == "claimant":
        return RoomKind.CAUCUS_CLAIMANT
    if party_role == "respondent":
        return RoomKind.CAUCUS_RESPONDENT
    raise RoomError("invalid", _("A caucus is with the claimant or the respondent."))


@transaction.atomic
def room_caucus(*, session_id: int, mediator_peer: str, party_role: str | None) -> list[Participant]:
    """Move the mediator and one party's connections into that party's private caucus (``party_role``), or
    everyone in a caucus back to the joint room (None). Returns the connections that moved."""
    _mediator_in(session_id, mediator_peer)
    present = list(
        Participant.objects.select_for_update().filter(session_id=session_id, left_at__isnull=True).order_by("pk")
    )
    moved: list[Participant] = []
    if party_role is None:
        for participant in present:
            if participant.room in CAUCUSES:
                participant.room = RoomKind.JOINT
                moved.append(participant)
    else:
        target_room = caucus_room(party_role)
        if any(p.room in CAUCUSES for p in present):
            raise RoomError("caucus_open", _("End the current caucus first."))
        for participant in present:
            if participant.room == RoomKind.JOINT and participant.role in (party_role, "mediator"):
                participant.room = target_room
                moved.append(participant)
        if not any(p.role == party_role for p in moved):
            raise RoomError("absent", _("That party is not in the joint session."))
    for participant in moved:
        participant.save(update_fields=["room"])
    return moved


def room_signal_target(*, session_id: int, sender_peer: str, target_peer: str) -> tuple[str, str]:
    """The channel to relay a signaling frame to, and the room both are in. Refused unless the sender and
    the target are present in the same room of the same session, and that room is not the waiting room."""
    rows = {
        p.peer_id: p
        for p in Participant.objects.filter(
            session_id=session_id, peer_id__in=[sender_peer, target_peer], left_at__isnull=True
        )
    }
    sender, target = rows.get(sender_peer), rows.get(target_peer)
    if sender is None or target is None or sender.room != target.room or sender.room == RoomKind.WAITING:
        raise RoomError("not_in_room", _("That person is not in your room."))
    return target.channel_name, sender.room


@transaction.atomic
def room_chat(*, session_id: int, sender_peer: str, body: str) -> RoomMessage:
    body = body.strip()
    if not body:
        raise RoomError("invalid", _("Write a message first."))
    if len(body) > settings.ODR_MEDIATION_CHAT_MAX_CHARS:
        raise RoomError("invalid", _("That message is too long."))
    sender = Participant.objects.filter(session_id=session_id, peer_id=sender_peer, left_at__isnull=True).first()
    if sender is None or sender.room == RoomKind.WAITING:
        raise RoomError("not_in_room", _("You can chat once the mediator admits you."))
    return RoomMessage.objects.create(
        session_id=session_id, room=sender.room, author_id=sender.user_id, author_role=sender.role, body=body
    )


def room_chat_history(*, session_id: int, room: str, limit: int = 50) -> list[RoomMessage]:
    messages = (
        RoomMessage.objects.filter(session_id=session_id, room=room)
        .select_related("author", "author__mediator_profile", "author__arbitrator_profile")
        .order_by("-pk")
    )
    return list(reversed(messages[:limit]))


def room_seen(*, peer_id: str) -> None:
    Participant.objects.filter(peer_id=peer_id, left_at__isnull=True).update(last_seen=timezone.now())


@transaction.atomic
def room_leave(*, peer_id: str) -> Participant | None:
    participant = Participant.objects.select_for_update().filter(peer_id=peer_id, left_at__isnull=True).first()
    if participant is None:
        return None
    participant.left_at = timezone.now()
    participant.save(update_fields=["left_at"])
    return participant


def room_members(*, session_id: int, room: str) -> list[PeerView]:
    return [peer_view(p) for p in _present(session_id) if p.room == room]


def room_waiting(*, session_id: int) -> list[PeerView]:
    return room_members(session_id=session_id, room=RoomKind.WAITING)


def mediator_channels(*, session_id: int) -> list[str]:
    return [p.channel_name for p in _present(session_id) if p.role == "mediator"]
