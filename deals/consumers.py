"""The deal room's websocket: a thin adapter over the deal services (the same ones the plain forms call), on
the one websocket base (``odr.sockets.RoomConsumer``: origin, sign-in, limits, error frames, the channel
layer's failure).

Protocol (JSON text frames; every client frame has a ``type`` and may carry a ``ref``, echoed in its answer):
  client -> server  proposal.make {target_kind, target_key, base_version, action, text: {en?, zh-hant?}, value?,
                    note?} | proposal.accept / proposal.reject / proposal.withdraw {proposal_id} |
                    comment.post {target_kind, target_key, body} | final.mark {version} | final.unmark |
                    typing {target?, active} | ping
  server -> client  hello {version, status, side, online} | changed {kind, data} | presence {online} |
                    typing {side, target, active} | ack {ref, ...} | pong | error {code, message, ref}

``changed`` says what changed (a proposal, a comment, a version, the marks of the text as final, the deal's
state or its parties), never what it now says: the page fetches the parts named from the deal page, through
the same access check as the page. A page that was away (a reconnect, a ``hello`` naming another version)
fetches all of them.

Only the deal's two businesses' people get in; access is decided again before every frame and every
delivered change, one indexed query each (a person removed from the deal is refused at the next one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import DataError
from django.utils import translation
from django.utils.translation import gettext as _

from cases.audit import RequestMeta
from cases.security_events import record_socket_refusal
from cases.services import ServiceError
from deals import frames
from deals.access import seat_in, side_of
from deals.models import Deal, Side
from deals.presence import presence_enter, presence_leave, presence_seen
from deals.realtime import deal_group
from deals.selectors import room_state
from deals.services.agreement import deal_mark_final, deal_unmark_final
from deals.services.redlines import comment_post, proposal_accept, proposal_make, proposal_reject, proposal_withdraw
from odr.layer_watch import LAYER_ERRORS, report_layer_failure
from odr.sockets import Close, FrameError, Handler, Ref, Refusal, RoomConsumer, header
from odr.sockets import in_db_thread as _db

logger = logging.getLogger(__name__)
# The events after which a socket decides its access again (deals.realtime: who is in the deal changed).
ACCESS_EVENTS = frozenset({"access", "parties"})


class DealConsumer(RoomConsumer):
    deal_id: int = 0  # the deal's row id, set once let in
    side: Side | None = None
    lost = False  # access was lost: nothing more is delivered while the socket closes

    # --- connection ------------------------------------------------------------------------------------
    async def authorise(self) -> bool:
        seat = await _db(seat_in)(self.user.pk, self.scope["url_route"]["kwargs"]["deal_id"])
        if seat is None:
            return False
        self.deal_id, self.side = seat
        client = self.scope.get("client") or (None, None)
        # Audit entries of changes made over the socket say where they came from, as the forms' do.
        self.meta = RequestMeta(ip_address=client[0], user_agent=header(self.scope, b"user-agent")[:300])
        return True

    def record_refusal(self, reason: Refusal) -> None:
        record_socket_refusal(self.scope, reason)

    async def enter(self) -> None:
        assert self.side is not None
        self.group = deal_group(self.deal_id)
        # Join before reading: a change committed from here on comes live, one before is in the hello's state.
        await self.join_group(self.group)
        await self.accept()
        online = await _db(presence_enter)(deal_id=self.deal_id, side=self.side, channel_name=self.channel_name)
        await self._announce(online)
        state = await _db(room_state)(self.deal_id)
        await self.send_frame({"type": "hello", **state, "side": str(self.side), "online": online})

    async def leave(self) -> None:
        online = await _db(presence_leave)(deal_id=self.deal_id, channel_name=self.channel_name)
        await self._announce(online)

    async def _announce(self, online: list[str]) -> None:
        await self.channel_layer.group_send(self.group, {"type": "deal.presence", "online": online})

    # --- inbound ---------------------------------------------------------------------------------------
    async def frame_allowed(self, kind: str) -> bool:
        # A change is decided in the same database call that makes it (``_call``): the person's side is read
        # there, before the service locks the deal, so it costs no extra trip to the database thread. Typing
        # and pings change nothing: the side held since connect stands, kept current by ``access`` events.
        if kind in self.SERVICE_FRAMES:
            return True
        return self.side is not None and not self.lost

    async def _still_in(self) -> bool:
        self.side = await _db(side_of)(self.user.pk, self.deal_id)
        return self.side is not None

    async def access_lost(self, ref: Ref) -> None:
        self.lost = True
        await super().access_lost(ref)

    def frame_error(self, exc: Exception) -> FrameError | None:
        if isinstance(exc, ServiceError):
            return FrameError("rejected", exc.message)
        if isinstance(exc, ValidationError | ValueError | OverflowError | DataError):
            # Input that got past the frame's shape checks but that the database or a model refused.
            logger.info("refused a malformed deal room frame", exc_info=True)
            return FrameError("invalid", _("The request could not be processed."))
        return None

    async def _call(self, ref: Ref, service: Callable[..., Any], **kwargs: Any) -> Any:
        """Run a service in the database thread, in this socket's language, as this user, once the user's side
        in the deal is read again in the same call (None returned, and the socket closed, if it is gone). A
        reference to the deal is enough: every service locks and re-reads it, and checks the user's side under
        that lock, in its own transaction; its events go out when it commits."""

        def run() -> Any:
            self.side = side_of(self.user.pk, self.deal_id)
            if self.side is None:
                return None
            with translation.override(self.language):
                return service(deal=Deal(pk=self.deal_id), user=self.user, meta=self.meta, **kwargs)

        result = await _db(run)()
        if self.side is None:
            await self.access_lost(ref)
        return result

    async def _ack(self, ref: Ref, **more: Any) -> None:
        await self.send_frame({"type": "ack", "ref": ref, **more})

    async def on_proposal_make(self, content: dict[str, Any], ref: Ref) -> None:
        proposal = await self._call(ref, proposal_make, **frames.proposal_arguments(content))
        if proposal is not None:
            await self._ack(ref, proposal_id=proposal.pk)

    async def on_proposal_accept(self, content: dict[str, Any], ref: Ref) -> None:
        version = await self._call(ref, proposal_accept, proposal_id=frames.whole_number(content, "proposal_id"))
        if version is not None:
            await self._ack(ref, version=version.number)

    async def on_proposal_reject(self, content: dict[str, Any], ref: Ref) -> None:
        proposal = await self._call(ref, proposal_reject, proposal_id=frames.whole_number(content, "proposal_id"))
        if proposal is not None:
            await self._ack(ref, proposal_id=proposal.pk)

    async def on_proposal_withdraw(self, content: dict[str, Any], ref: Ref) -> None:
        proposal = await self._call(ref, proposal_withdraw, proposal_id=frames.whole_number(content, "proposal_id"))
        if proposal is not None:
            await self._ack(ref, proposal_id=proposal.pk)

    async def on_comment_post(self, content: dict[str, Any], ref: Ref) -> None:
        comment = await self._call(ref, comment_post, **frames.target(content), body=frames.text(content, "body"))
        if comment is not None:
            await self._ack(ref, comment_id=comment.pk)

    async def on_final_mark(self, content: dict[str, Any], ref: Ref) -> None:
        deal = await self._call(ref, deal_mark_final, version=frames.whole_number(content, "version"))
        if deal is not None:
            await self._ack(ref, status=deal.status)

    async def on_final_unmark(self, content: dict[str, Any], ref: Ref) -> None:
        if await self._call(ref, deal_unmark_final) is not None:
            await self._ack(ref)

    async def on_typing(self, content: dict[str, Any], ref: Ref) -> None:
        event = {
            "type": "deal.typing",
            "side": str(self.side),
            "target": frames.typing_target(content),
            "active": bool(content.get("active")),
            "origin": self.channel_name,
        }
        try:
            await self.channel_layer.group_send(self.group, event)
        except LAYER_ERRORS as exc:  # nothing is lost: typing is not recorded
            report_layer_failure(exc)

    async def on_ping(self, content: dict[str, Any], ref: Ref) -> None:
        await _db(presence_seen)(channel_name=self.channel_name)
        await self.send_frame({"type": "pong"})

    HANDLERS: ClassVar[dict[str, Handler]] = {
        "proposal.make": on_proposal_make,
        "proposal.accept": on_proposal_accept,
        "proposal.reject": on_proposal_reject,
        "proposal.withdraw": on_proposal_withdraw,
        "comment.post": on_comment_post,
        "final.mark": on_final_mark,
        "final.unmark": on_final_unmark,
        "typing": on_typing,
        "ping": on_ping,
    }
    # Typing and pings change nothing: their own bucket, dropped silently beyond it.
    HOUSEKEEPING = frozenset({"ping", "typing"})
    SERVICE_FRAMES = frozenset(HANDLERS) - HOUSEKEEPING

    # --- outbound (the deal's group) -------------------------------------------------------------------
    async def deal_event(self, message: dict[str, Any]) -> None:
        """A service committed a change (deals.realtime). When who is in the deal changed (an ``access`` or
        ``parties`` event), access is decided again first: a person removed from the deal learns nothing more,
        not even that something changed. Every change to a deal's people sends one (deals.realtime), so the
        side held since connect is current otherwise, and a delivery costs no database query."""
        if self.lost:
            return
        event = message["event"]
        if event["kind"] in ACCESS_EVENTS and not await self._still_in():
            self.lost = True
            await self.close(code=Close.NOT_FOUND)
            return
        await self.send_frame({"type": "changed", "kind": event["kind"], "data": event["data"]})

    async def deal_presence(self, message: dict[str, Any]) -> None:
        if not self.lost:
            await self.send_frame({"type": "presence", "online": message["online"]})

    async def deal_typing(self, message: dict[str, Any]) -> None:
        if self.lost or message["origin"] == self.channel_name:
            return  # the typist does not get its own indicator back
        await self.send_frame(
            {"type": "typing", "side": message["side"], "target": message["target"], "active": message["active"]}
        )
