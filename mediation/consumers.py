"""The video room's websocket: the signaling server for a full mesh of up to six WebRTC peers.

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
"""

from __future__ import annotations

import json
import logging
import time
from functools import partial
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from cases import ratelimit
from cases.consumers import _language
from cases.models import RefusalReason
from cases.names import display_name
from cases.security_events import record_socket_refusal
from cases.sockets import UserSocketMixin
from mediation.access import SessionAccess, session_access
from mediation.ice import ice_servers_for
from mediation.models import MediationSession, Participant, RoomKind, RoomMessage
from mediation.services import room as rooms
from mediation.services.room import PeerView, RoomError

logger = logging.getLogger(__name__)
_db = partial(database_sync_to_async, thread_sensitive=True)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_REFUSED = 4409
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


class FrameError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


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


def _record_refusal(scope: dict[str, Any], reason: str) -> None:
    """The security event log names the session's case, when the session exists."""
    session_ref = scope.get("url_route", {}).get("kwargs", {}).get("session_id")
    case_ref = MediationSession.objects.filter(public_id=session_ref).values_list("case__public_id", flat=True).first()
    record_socket_refusal(scope, reason, case_ref=case_ref)


def channels_of(members: list[PeerView]) -> dict[str, str]:
    return {m.peer: m.channel for m in members}


class MediationRoomConsumer(UserSocketMixin, AsyncWebsocketConsumer):
    access: SessionAccess | None = None
    peer: str = ""
    room: str = ""
    # Who is in this connection's room and their channels, as the server last announced it; a signal to
    # anyone else is checked against the database before it goes (or is refused).
    room_channels: dict[str, str] = {}
    access_checked_at: float = 0.0
    language: str = settings.LANGUAGE_CODE

    async def connect(self) -> None:
        self.room_channels = {}
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await _db(_record_refusal)(self.scope, RefusalReason.SOCKET_ANONYMOUS)
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.language = _language(self.scope)
        if not await self.admit(user.pk, self.language):
            return
        self.session_ref = self.scope["url_route"]["kwargs"]["session_id"]
        self.access = await _db(session_access)(user, self.session_ref)
        self.access_checked_at = time.monotonic()
        if self.access is None:
            await _db(_record_refusal)(self.scope, RefusalReason.SOCKET_NO_ACCESS)
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.accept()
        try:
            participant = await _db(rooms.room_join)(access=self.access, user=user, channel_name=self.channel_name)
        except RoomError as exc:
            with translation.override(self.language):
                await self._send({"type": "error", "code": exc.code, "message": exc.message})
            await self.close(code=CLOSE_REFUSED)
            return
        self.peer, self.room = participant.peer_id, participant.room
        await self.channel_layer.group_add(group_name(self.access.session_id, self.room), self.channel_name)
        members, chat, caucus = await self._room_snapshot()
        await self._send(
            {
                "type": "hello",
                "peer": self.peer,
                "role": self.access.role,
                "room": self.room,
                "caucus": caucus,
                "members": members,
                "chat": chat,
                "ice_servers": ice_servers_for(user.pk),
            }
        )
        await self._announce(self.room)
        if self.access.role == "mediator":
            # A mediator arriving (or coming back) learns who is already waiting.
            waiting = await _db(rooms.room_waiting)(session_id=self.access.session_id)
            await self._send({"type": "waiting", "members": members_payload(waiting)})

    async def disconnect(self, code: int) -> None:
        await self.leave_user_group()
        if not self.peer or self.access is None:
            return
        left = await _db(rooms.room_leave)(peer_id=self.peer)
        await self.channel_layer.group_discard(group_name(self.access.session_id, self.room), self.channel_name)
        if left is not None:
            await self._announce(left.room)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        ref = None
        with translation.override(self.language):
            try:
                if text_data is None or len(text_data) > settings.ODR_MEDIATION_MAX_FRAME_BYTES:
                    raise FrameError("invalid", _("Frames are JSON text of at most 64 KB."))
                try:
                    content = json.loads(text_data)
                except ValueError:
                    raise FrameError("invalid", _("That frame is not valid JSON.")) from None
                if not isinstance(content, dict):
                    raise FrameError("invalid", _("That frame is not valid JSON."))
                ref = content.get("ref") if isinstance(content.get("ref"), str | int) else None
                handler = self.HANDLERS.get(str(content.get("type")))
                if handler is None:
                    raise FrameError("unknown_type", _("Unknown frame type."))
                # Access is checked again for every frame: the case may have left mediation, the
                # mediator may have been replaced, the session may have ended. Signaling frames (ICE
                # candidates come in bursts, and carry no content) accept a check up to a second old.
                max_age = SIGNAL_ACCESS_MAX_AGE if content.get("type") == "signal" else 0.0
                if time.monotonic() - self.access_checked_at > max_age:
                    access = await _db(session_access)(self.user, self.session_ref)
                    if access is None or not access.live:
                        await self._send({"type": "ended"})
                        await self.close(code=CLOSE_NOT_FOUND)
                        return
                    self.access, self.access_checked_at = access, time.monotonic()
                await handler(self, content)
            except FrameError as exc:
                await self._send({"type": "error", "code": exc.code, "message": exc.message, "ref": ref})
            except RoomError as exc:
                await self._send({"type": "error", "code": exc.code, "message": exc.message, "ref": ref})

    # ---- frames from the client -------------------------------------------------------------------
    async def on_signal(self, content: dict[str, Any]) -> None:
        if not ratelimit.allow(self.user.pk, "mediation.signal", rate=50, burst=300):
            raise FrameError("rate_limited", _("Too many signaling frames; slow down."))
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

    async def on_chat(self, content: dict[str, Any]) -> None:
        if not ratelimit.allow(self.user.pk, "mediation.chat", rate=2, burst=10):
            raise FrameError("rate_limited", _("You are sending messages too quickly."))
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

    async def on_admit(self, content: dict[str, Any]) -> None:
        assert self.access is not None
        target = await _db(rooms.room_admit)(
            session_id=self.access.session_id, mediator_peer=self.peer, peer_id=_peer(content, "peer")
        )
        await self._move([target])
        await self._announce(RoomKind.WAITING)

    async def on_caucus_start(self, content: dict[str, Any]) -> None:
        party = content.get("party")
        if party not in ("claimant", "respondent"):
            raise FrameError("invalid", _("A caucus is with the claimant or the respondent."))
        assert self.access is not None
        moved = await _db(rooms.room_caucus)(
            session_id=self.access.session_id, mediator_peer=self.peer, party_role=party
        )
        await self._move(moved, left=RoomKind.JOINT)

    async def on_caucus_end(self, content: dict[str, Any]) -> None:
        assert self.access is not None
        before = self.room
        moved = await _db(rooms.room_caucus)(
            session_id=self.access.session_id, mediator_peer=self.peer, party_role=None
        )
        await self._move(moved, left=before)

    async def on_ping(self, content: dict[str, Any]) -> None:
        await _db(rooms.room_seen)(peer_id=self.peer)
        await self._send({"type": "pong"})

    HANDLERS = {
        "signal": on_signal,
        "chat": on_chat,
        "admit": on_admit,
        "caucus.start": on_caucus_start,
        "caucus.end": on_caucus_end,
        "ping": on_ping,
    }

    # ---- events from the channel layer ------------------------------------------------------------
    async def room_signal(self, event: dict[str, Any]) -> None:
        if event["room"] == self.room:
            await self._send({"type": "signal", "from": event["from"], "data": event["data"]})

    async def room_chat(self, event: dict[str, Any]) -> None:
        if event["room"] == self.room:
            await self._send({"type": "chat", "message": event["message"]})

    async def room_state(self, event: dict[str, Any]) -> None:
        if event["room"] == self.room:
            self.room_channels = dict(event["channels"])
            await self._send(
                {"type": "room.state", "room": self.room, "caucus": event["caucus"], "members": event["members"]}
            )

    async def room_waiting(self, event: dict[str, Any]) -> None:
        if self.access is not None and self.access.role == "mediator":
            await self._send({"type": "waiting", "members": event["members"]})

    async def room_moved(self, event: dict[str, Any]) -> None:
        """The database moved this connection to another room: follow it, then say where we are."""
        if self.access is None:
            return
        await self.channel_layer.group_discard(group_name(self.access.session_id, self.room), self.channel_name)
        self.room = event["room"]
        await self.channel_layer.group_add(group_name(self.access.session_id, self.room), self.channel_name)
        members, chat, caucus = await self._room_snapshot()
        await self._send({"type": "moved", "room": self.room, "caucus": caucus, "members": members, "chat": chat})

    async def session_ended(self, event: dict[str, Any]) -> None:
        await self._send({"type": "ended"})
        await self.close()

    # ---- helpers ------------------------------------------------------------------------------------
    async def _send(self, payload: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(payload))

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
