"""The video room's websocket: the signaling server for a full mesh of up to six WebRTC peers, on the one
websocket base (``odr.sockets.RoomConsumer``: origin, sign-in, limits, error frames, the channel layer's
failure).

Protocol (JSON text frames; a client frame may carry ``ref``, echoed in errors):
  client -> server  signal {to, data: {sdp: {type, sdp}} | {candidate: {...} | null}} | chat {body} |
                    admit {peer} | caucus.start {party} | caucus.end | ping        (admit/caucus: mediator)
  server -> client  hello {peer, role, room, caucus, members, chat, ice_servers} |
                    room.state {room, caucus, members} | waiting {members} (mediator) |
                    moved {room, caucus, members, chat} | signal {from, data} |
                    chat {message} | ended | pong | error {code, message, ref}

Privacy is the server's job: a connection belongs to one Channels group, its current room's; frames
are relayed only between connections the database places in the same room, and every event a
consumer receives names its room and is dropped unless that is still the consumer's room. ``caucus`` names the
caucus in progress (``caucus-claimant`` or ``caucus-respondent``), or is null.

A party waits in the waiting room until the mediator admits it, once per session: admitted, it rejoins
straight into the session after a reload or a dropped connection, until the session ends.

When the channel layer's Redis is unreachable or restarted, the base closes the socket with 4503 (the room can
relay nothing then); the page reconnects with its backoff and the ``hello`` rebuilds the room.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from django.utils import translation
from django.utils.translation import gettext as _

from cases.names import display_name
from cases.roles import PARTY_ROLES
from cases.security_events import record_socket_refusal
from mediation.access import SessionAccess, session_access
from mediation.ice import ice_servers_for
from mediation.models import MediationSession, Participant, RoomKind, RoomMessage
from mediation.services import room as rooms
from mediation.services.room import PeerView, RoomError
from odr.sockets import Close, FrameError, Handler, Rate, Ref, Refusal, RoomConsumer
from odr.sockets import in_db_thread as _db

# How old an access check a signaling frame may rely on (seconds); every other frame checks afresh.
SIGNAL_ACCESS_MAX_AGE = 1.0


def group_name(session_id: int, room: str) -> str:
    return f"mediation.{session_id}.{room}"


def members_payload(members: list[PeerView]) -> list[dict[str, str]]:
    return [{"peer": m.peer, "role": m.role, "name": m.name} for m in members]


def chat_payload(message: RoomMessage) -> dict[str, Any]:
    author = message.author
    return {
        "id": message.pk,
        "role": message.author_role,
        "name": display_name(author),
        "body": message.body,
        "at": message.created_at.isoformat(),
    }


def _peer(content: dict[str, Any], key: str) -> str:
    value = content.get(key)
    if not isinstance(value, str) or not 1 <= len(value) <= 32 or not value.isalnum():
        raise FrameError("invalid", _("The request names no valid participant."))
    return value


def _signal_data(content: dict[str, Any]) -> dict[str, Any]:
    """Only a session description or an ICE candidate passes, in the shapes browsers produce."""
    data = content.get("data")
    if not isinstance(data, dict) or len(data) != 1:
        raise FrameError("invalid", _("A signaling frame carries one description or one candidate."))
    if "sdp" in data:
        sdp = data["sdp"]
        if (
            not isinstance(sdp, dict)
            or sdp.get("type") not in ("offer", "answer", "rollback")
            or not isinstance(sdp.get("sdp", ""), str)
        ):
            raise FrameError("invalid", _("That session description is not valid."))
        return {"sdp": {"type": sdp["type"], "sdp": sdp.get("sdp", "")}}
    if "candidate" in data:
        candidate = data["candidate"]
        if candidate is None:
            return {"candidate": None}  # end of candidates
        if not isinstance(candidate, dict) or not isinstance(candidate.get("candidate"), str):
            raise FrameError("invalid", _("That ICE candidate is not valid."))
        mid, index = candidate.get("sdpMid"), candidate.get("sdpMLineIndex")
        if (mid is not None and not isinstance(mid, str)) or (
            index is not None and (isinstance(index, bool) or not isinstance(index, int))
        ):
            raise FrameError("invalid", _("That ICE candidate is not valid."))
        return {
            "candidate": {
                "candidate": candidate["candidate"][:2048],
                "sdpMid": mid,
                "sdpMLineIndex": index,
                "usernameFragment": candidate.get("usernameFragment")
                if isinstance(candidate.get("usernameFragment"), str)
                else None,
            }
        }
    raise FrameError("invalid", _("A signaling frame carries one description or one candidate."))


def channels_of(members: list[PeerView]) -> dict[str, str]:
    return {m.peer: m.channel for m in members}


class MediationRoomConsumer(RoomConsumer):
    access: SessionAccess | None = None
    peer: str = ""
    room: str = ""
    # Who is in this connection's room and their channels, as the server last announced it; a signal to
    # anyone else is checked against the database before it goes (or is refused).
    room_channels: dict[str, str] = {}
    access_checked_at: float = 0.0

    # ---- connection -------------------------------------------------------------------------------
    async def authorise(self) -> bool:
        self.room_channels = {}
        self.session_ref = self.scope["url_route"]["kwargs"]["session_id"]
        self.access = await _db(session_access)(self.user, self.session_ref)
        self.access_checked_at = time.monotonic()
        return self.access is not None

    def record_refusal(self, reason: Refusal) -> None:
        """The security event log names the session's case, when the session exists."""
        session_ref = self.scope.get("url_route", {}).get("kwargs", {}).get("session_id")
        case_ref = (
            MediationSession.objects.filter(public_id=session_ref).values_list("case__public_id", flat=True).first()
        )
        record_socket_refusal(self.scope, reason, case_ref=case_ref)

    async def enter(self) -> None:
        assert self.access is not None
        await self.accept()
        try:
            with translation.override(self.language):  # a refusal is explained in the room's language
                participant = await _db(rooms.room_join)(
                    access=self.access, user=self.user, channel_name=self.channel_name
                )
        except RoomError as exc:
            await self.send_error(exc.code, exc.message)
            await self.close(code=Close.REFUSED)
            return
        self.peer, self.room = participant.peer_id, participant.room
        await self.join_group(group_name(self.access.session_id, self.room))
        members, chat, caucus = await self._room_snapshot()
        await self.send_frame(
            {
                "type": "hello",
                "peer": self.peer,
                "role": self.access.role,
                "room": self.room,
                "caucus": caucus,
                "members": members,
                "chat": chat,
                "ice_servers": ice_servers_for(self.user.pk),
            }
        )
        await self._announce(self.room)
        if self.access.role == "mediator":
            # A mediator arriving (or coming back) learns who is already waiting.
            waiting = await _db(rooms.room_waiting)(session_id=self.access.session_id)
            await self.send_frame({"type": "waiting", "members": members_payload(waiting)})

    async def leave(self) -> None:
        if not self.peer or self.access is None:
            return
        left = await _db(rooms.room_leave)(peer_id=self.peer)
        if left is not None:
            await self._announce(left.room)

    async def frame_allowed(self, kind: str) -> bool:
        # The case may have left mediation, the mediator may have been replaced, the session may have ended.
        # Signaling frames (ICE candidates come in bursts, and carry no content) accept a check up to a
        # second old.
        max_age = SIGNAL_ACCESS_MAX_AGE if kind == "signal" else 0.0
        if time.monotonic() - self.access_checked_at > max_age:
            access = await _db(session_access)(self.user, self.session_ref)
            if access is None or not access.live:
                return False
            self.access, self.access_checked_at = access, time.monotonic()
        return True

    async def access_lost(self, ref: Ref) -> None:
        await self.send_frame({"type": "ended"})
        await self.close(code=Close.NOT_FOUND)

    def rate_for(self, kind: str) -> Rate | None:
        return self.RATES.get(kind) or super().rate_for(kind)

    def frame_error(self, exc: Exception) -> FrameError | None:
        return FrameError(exc.code, exc.message) if isinstance(exc, RoomError) else None

    # ---- frames from the client -------------------------------------------------------------------
    async def on_signal(self, content: dict[str, Any], ref: Ref) -> None:
        target, data = _peer(content, "to"), _signal_data(content)
        assert self.access is not None
        channel = self.room_channels.get(target) if self.room != RoomKind.WAITING and target != self.peer else None
        room = self.room
        if channel is None:
            channel, room = await _db(rooms.room_signal_target)(
                session_id=self.access.session_id, sender_peer=self.peer, target_peer=target
            )
        # The receiver drops it unless it is still in ``room``: a move in flight cannot leak it.
        await self.channel_layer.send(channel, {"type": "room.signal", "room": room, "from": self.peer, "data": data})

    async def on_chat(self, content: dict[str, Any], ref: Ref) -> None:
        body = content.get("body")
        if not isinstance(body, str):
            raise FrameError("invalid", _("Write a message first."))
        assert self.access is not None
        message = await _db(rooms.room_chat)(session_id=self.access.session_id, sender_peer=self.peer, body=body)
        payload = await _db(chat_payload)(message)
        await self.channel_layer.group_send(
            group_name(self.access.session_id, message.room),
            {"type": "room.chat", "room": message.room, "message": payload},
        )

    async def on_admit(self, content: dict[str, Any], ref: Ref) -> None:
        assert self.access is not None
        target = await _db(rooms.room_admit)(
            session_id=self.access.session_id, mediator_peer=self.peer, peer_id=_peer(content, "peer")
        )
        await self._move([target])
        await self._announce(RoomKind.WAITING)

    async def on_caucus_start(self, content: dict[str, Any], ref: Ref) -> None:
        party = content.get("party")
        if not isinstance(party, str) or party not in PARTY_ROLES:
            raise FrameError("invalid", _("A caucus is with the claimant or the respondent."))
        assert self.access is not None
        moved = await _db(rooms.room_caucus)(
            session_id=self.access.session_id, mediator_peer=self.peer, party_role=party
        )
        await self._move(moved, left=RoomKind.JOINT)

    async def on_caucus_end(self, content: dict[str, Any], ref: Ref) -> None:
        assert self.access is not None
        before = self.room
        moved = await _db(rooms.room_caucus)(
            session_id=self.access.session_id, mediator_peer=self.peer, party_role=None
        )
        await self._move(moved, left=before)

    async def on_ping(self, content: dict[str, Any], ref: Ref) -> None:
        await _db(rooms.room_seen)(peer_id=self.peer)
        await self.send_frame({"type": "pong"})

    HANDLERS: ClassVar[dict[str, Handler]] = {
        "signal": on_signal,
        "chat": on_chat,
        "admit": on_admit,
        "caucus.start": on_caucus_start,
        "caucus.end": on_caucus_end,
        "ping": on_ping,
    }
    RATES: ClassVar[dict[str, Rate]] = {
        "signal": Rate("mediation.signal", per_second=50, burst=300),
        "chat": Rate("mediation.chat", per_second=2, burst=10),
    }

    # ---- events from the channel layer ------------------------------------------------------------
    async def room_signal(self, event: dict[str, Any]) -> None:
        if event["room"] == self.room:
            await self.send_frame({"type": "signal", "from": event["from"], "data": event["data"]})

    async def room_chat(self, event: dict[str, Any]) -> None:
        if event["room"] == self.room:
            await self.send_frame({"type": "chat", "message": event["message"]})

    async def room_state(self, event: dict[str, Any]) -> None:
        if event["room"] == self.room:
            self.room_channels = dict(event["channels"])
            await self.send_frame(
                {"type": "room.state", "room": self.room, "caucus": event["caucus"], "members": event["members"]}
            )

    async def room_waiting(self, event: dict[str, Any]) -> None:
        if self.access is not None and self.access.role == "mediator":
            await self.send_frame({"type": "waiting", "members": event["members"]})

    async def room_moved(self, event: dict[str, Any]) -> None:
        """The database moved this connection to another room: follow it, then say where we are."""
        if self.access is None:
            return
        await self.leave_group(group_name(self.access.session_id, self.room))
        self.room = event["room"]
        await self.join_group(group_name(self.access.session_id, self.room))
        members, chat, caucus = await self._room_snapshot()
        await self.send_frame({"type": "moved", "room": self.room, "caucus": caucus, "members": members, "chat": chat})

    async def session_ended(self, event: dict[str, Any]) -> None:
        await self.send_frame({"type": "ended"})
        await self.close()

    # ---- helpers ------------------------------------------------------------------------------------
    async def _room_snapshot(self) -> tuple[list[dict[str, str]], list[dict[str, Any]], str | None]:
        """Who is in this connection's room, the room's chat, and the caucus in progress (if any)."""
        assert self.access is not None
        if self.room == RoomKind.WAITING:
            self.room_channels = {}
            return [], [], None
        session_id, room = self.access.session_id, self.room

        def read() -> tuple[list[PeerView], list[dict[str, Any]], str | None]:
            members = rooms.room_members(session_id=session_id, room=room)
            chat = [chat_payload(m) for m in rooms.room_chat_history(session_id=session_id, room=room)]
            return members, chat, rooms.open_caucus(session_id=session_id)

        members, chat, caucus = await _db(read)()
        self.room_channels = channels_of(members)
        return members_payload(members), chat, caucus

    async def _announce(self, room: str) -> None:
        """Tell a room who is in it now; tell the mediators who is waiting."""
        assert self.access is not None
        session_id = self.access.session_id
        if room == RoomKind.WAITING:
            waiting = await _db(rooms.room_waiting)(session_id=session_id)
            for channel in await _db(rooms.mediator_channels)(session_id=session_id):
                await self.channel_layer.send(channel, {"type": "room.waiting", "members": members_payload(waiting)})
            return

        def read() -> tuple[list[PeerView], str | None]:
            return rooms.room_members(session_id=session_id, room=room), rooms.open_caucus(session_id=session_id)

        members, caucus = await _db(read)()
        await self.channel_layer.group_send(
            group_name(session_id, room),
            {
                "type": "room.state",
                "room": room,
                "caucus": caucus,
                "members": members_payload(members),
                "channels": channels_of(members),
            },
        )

    async def _move(self, moved: list[Participant], *, left: str | None = None) -> None:
        for participant in moved:
            await self.channel_layer.send(participant.channel_name, {"type": "room.moved", "room": participant.room})
        for room in {p.room for p in moved} | ({left} if left else set()):
            await self._announce(room)
