"""The negotiation room's websocket: a thin adapter over the negotiation services and selectors, on the one
websocket base (``odr.sockets.RoomConsumer``: origin, sign-in, limits, error frames, the channel layer's
failure).

Protocol (JSON text frames; every client frame has a ``type`` and may carry a ``ref`` echoed in errors):
  client -> server  message.send {body, document_id?} | typing {active} | history {before_id} |
                    sync {after_id} | read {up_to} | ping | offer.make {amount, terms, expires_at?, pay_by?} |
                    offer.accept {offer_id, confirm: true} | offer.reject / offer.withdraw {offer_id} |
                    offer.counter {offer_id, amount, terms, expires_at?, pay_by?} | bid.submit {amount} |
                    extension.request | mediation.request
  server -> client  hello {state, messages, has_more, after_id?} | message {message} |
                    history {messages, has_more} | sync {messages, state} | offer {offer} | bid {round} |
                    case_status {case} | presence {online} | typing {role, active} | ack {ref, ...} | pong |
                    error {code, message, ref}

A client that already holds messages connects with ``?after_id=<the newest id it holds>``: its ``hello`` then
carries the messages after that id (oldest first; ``has_more`` says a ``sync`` should fetch the rest) instead
of the newest page. A socket sends each message once, whichever way it comes (``hello``, ``sync`` or live),
so a client catching up after a gap never sees one twice. A live message names the one before it: a socket
that never got that one (its broadcast was lost, say with the process that stored it) first sends what it
lacks from the database; each ``ping`` does the same, for a loss no later message reveals.

When the channel layer's Redis is unreachable or restarted, the base closes the socket with 4503; the client
reconnects with its backoff and catches up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import parse_qs

from django.core.exceptions import ValidationError
from django.db import DataError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.access import RoomAccess, room_access
from cases.models import Case
from cases.money import AmountError, parse_amount
from cases.offer_dates import offer_dates
from cases.realtime import RoomEvent, collect_room_events, room_group, send_collected, send_to_room
from cases.security_events import record_socket_refusal
from cases.services import ServiceError
from negotiation.models import ReadMarker, RoomPresence
from negotiation.realtime import MessagePayload
from negotiation.room_recheck import access_recheck
from negotiation.selectors import messages_after, messages_page, online_roles, room_state
from negotiation.services.bids import bid_submit
from negotiation.services.escalation import mediation_request
from negotiation.services.extension import extension_request
from negotiation.services.messages import amessage_post, message_post
from negotiation.services.offers import offer_accept, offer_counter, offer_make, offer_reject, offer_withdraw
from odr.layer_watch import LAYER_ERRORS, report_layer_failure
from odr.sockets import Close, FrameError, Handler, Ref, Refusal, RoomConsumer
from odr.sockets import in_db_thread as _db

logger = logging.getLogger(__name__)


def _amount(content: dict[str, Any], key: str = "amount") -> Decimal:
    raw = content.get(key)
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise FrameError("invalid", _("Enter an amount in Hong Kong dollars."))
    try:
        value = parse_amount(raw)
    except AmountError:
        raise FrameError("invalid", _("Enter an amount in Hong Kong dollars.")) from None
    if not value.is_finite() or value.adjusted() > 11:
        raise FrameError("invalid", _("That amount is not possible."))
    return value


MAX_ID = 2**63 - 1


def _int(content: dict[str, Any], key: str) -> int:
    raw = content.get(key)
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0 or raw > MAX_ID:
        raise FrameError("invalid", _("The request is missing a valid %(field)s.") % {"field": key})
    return raw


def _text(content: dict[str, Any], key: str, *, required: bool = True) -> str:
    raw = content.get(key, "")
    if not isinstance(raw, str) or (required and not raw.strip()):
        raise FrameError("invalid", _("The request is missing %(field)s.") % {"field": key})
    return raw


def _offer_dates(content: dict[str, Any]) -> dict[str, Any]:
    """The frame's expiry and date to pay by, read as the plain form's are (cases.offer_dates)."""
    try:
        return offer_dates(content).arguments()
    except ServiceError as exc:
        raise FrameError("invalid", exc.message) from None


def _after_id(scope: dict[str, Any]) -> int | None:
    """The newest message id the connecting client already holds (``?after_id=``), if it said."""
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("after_id")
    try:
        value = int(values[0]) if values else -1
    except ValueError:
        return None
    return value if 0 <= value <= MAX_ID else None


class NegotiationConsumer(RoomConsumer):
    access: RoomAccess | None = None
    joined_case_id: int = 0  # set once in the room; kept after access is lost, to leave cleanly

    # --- connection ------------------------------------------------------------------------
    async def authorise(self) -> bool:
        self.public_id = self.scope["url_route"]["kwargs"]["case_id"]
        self.access = await _db(room_access)(self.user, self.public_id)
        return self.access is not None

    def record_refusal(self, reason: Refusal) -> None:
        record_socket_refusal(self.scope, reason)

    async def enter(self) -> None:
        assert self.access is not None
        self._delivered: set[int] = set()  # ids of the messages this socket has sent
        self._complete_to = 0  # the client has every message of the room up to this id (or asked for none)
        self.joined_case_id = self.access.case_id
        self.group = room_group(self.joined_case_id)
        await self.join_group(self.group)
        await self.accept()
        await self._in_thread_then_send(self._join)
        access_recheck().add(self)
        # Read after joining the group: a message committed since is either in this read or comes live
        # (and then is not sent twice).
        after_id = _after_id(self.scope)
        if after_id is None:
            messages, has_more = await _db(messages_page)(self.access.case_id)
        else:
            messages, has_more = await _db(messages_after)(self.access.case_id, after_id)
        self._complete_to = max([after_id or 0, *(m["id"] for m in messages)])
        state = await self._state()
        hello = {"type": "hello", "state": state, "messages": self._undelivered(messages), "has_more": has_more}
        if after_id is not None:
            hello["after_id"] = after_id
        await self.send_frame(hello)

    async def leave(self) -> None:
        access_recheck().discard(self)
        if self.joined_case_id:
            await self._in_thread_then_send(self._leave)

    async def _in_thread_then_send(self, function: Callable[[], None]) -> None:
        def run() -> list[tuple[int, RoomEvent]]:
            with collect_room_events() as events:
                function()
            return events

        await send_collected(await _db(run)())

    def _join(self) -> None:
        assert self.access is not None
        RoomPresence.objects.update_or_create(
            channel_name=self.channel_name,
            defaults={"case_id": self.access.case_id, "user": self.user, "last_seen": timezone.now()},
        )
        self._announce_presence()

    def _leave(self) -> None:
        RoomPresence.objects.filter(channel_name=self.channel_name).delete()
        self._announce_presence()

    def _announce_presence(self) -> None:
        send_to_room(self.joined_case_id, {"kind": "presence", "data": online_roles(self.joined_case_id)})

    async def _state(self) -> Any:
        assert self.access is not None
        access = self.access
        return await _db(room_state)(access.case_id, access.role, can_write=access.can_write)

    # --- inbound ---------------------------------------------------------------------------
    async def frame_allowed(self, kind: str) -> bool:
        # Writes are checked by the service itself, under the case's lock, in the same query that locks it;
        # reads are checked here.
        if kind in self.SERVICE_CHECKED_TYPES and self.access is not None and self.access.role is not None:
            return True
        access = await self._recheck_access()
        if access is None:
            return False
        if kind not in self.READ_ONLY_TYPES and not access.can_write:
            if access.role is not None:
                raise FrameError("forbidden", _("The negotiation has ended; the room is now read only."))
            raise FrameError("forbidden", _("You can read this room but not take part in it."))
        return True

    def frame_error(self, exc: Exception) -> FrameError | None:
        if isinstance(exc, ServiceError):
            return FrameError("rejected", exc.message)
        if isinstance(exc, ValidationError | ValueError | OverflowError | DataError):
            # Input that got past the frame checks but that the database or a model refused.
            logger.info("refused a malformed frame", exc_info=True)
            return FrameError("invalid", _("The request could not be processed."))
        return None

    async def _call(self, function: Callable[..., Any], **kwargs: Any) -> Any:
        """Run a service in the database thread, in this socket's language, as this user; then send the
        events it produced (they were committed by the time it returns)."""

        def run() -> tuple[Any, list[tuple[int, RoomEvent]]]:
            with translation.override(self.language), collect_room_events() as events:
                # A reference is enough: every service locks and re-reads the case, and checks the user's
                # right to act, in its own transaction.
                return function(case=Case(pk=self.joined_case_id), user=self.user, **kwargs), events

        result, events = await _db(run)()
        await send_collected(events)
        return result

    async def on_message_send(self, content: dict[str, Any], ref: Ref) -> None:
        body = _text(content, "body")
        document_id = content.get("document_id") or None
        if document_id is not None and not isinstance(document_id, str):
            raise FrameError("invalid", _("That document is not part of this case."))
        message_id = None
        if document_id is None:
            # The room's hot path: on PostgreSQL, stored and broadcast from the event loop (no thread hop).
            with translation.override(self.language):
                message_id = await amessage_post(case_id=self.joined_case_id, user=self.user, body=body)
        if message_id is None:
            message_id = (await self._call(message_post, body=body, document_id=document_id)).pk
        await self.send_frame({"type": "ack", "ref": ref, "message_id": message_id})

    async def on_typing(self, content: dict[str, Any], ref: Ref) -> None:
        assert self.access is not None
        event: RoomEvent = {
            "kind": "typing",
            "data": {"role": str(self.access.role), "active": bool(content.get("active"))},
            "origin": self.channel_name,
        }
        try:
            await self.channel_layer.group_send(self.group, {"type": "room.event", "event": event})
        except LAYER_ERRORS as exc:  # nothing is lost: typing is not recorded
            report_layer_failure(exc)

    async def on_history(self, content: dict[str, Any], ref: Ref) -> None:
        assert self.access is not None
        messages, has_more = await _db(messages_page)(self.access.case_id, before_id=_int(content, "before_id"))
        await self.send_frame({"type": "history", "messages": messages, "has_more": has_more, "ref": ref})

    async def on_sync(self, content: dict[str, Any], ref: Ref) -> None:
        assert self.access is not None
        after_id = _int(content, "after_id")
        messages, has_more = await _db(messages_after)(self.access.case_id, after_id)
        if messages and after_id <= self._complete_to:
            self._complete_to = max(self._complete_to, messages[-1]["id"])
        state = await self._state()
        fresh = self._undelivered(messages)
        await self.send_frame({"type": "sync", "messages": fresh, "has_more": has_more, "state": state, "ref": ref})

    async def on_read(self, content: dict[str, Any], ref: Ref) -> None:
        assert self.access is not None
        up_to = _int(content, "up_to")
        case_id = self.access.case_id

        def mark() -> None:
            marker, _created = ReadMarker.objects.get_or_create(case_id=case_id, user=self.user)
            if up_to > marker.last_read_id:
                ReadMarker.objects.filter(pk=marker.pk, last_read_id__lt=up_to).update(last_read_id=up_to)

        await _db(mark)()

    async def on_ping(self, content: dict[str, Any], ref: Ref) -> None:
        await _db(
            lambda: RoomPresence.objects.filter(channel_name=self.channel_name).update(last_seen=timezone.now())
        )()
        await self._catch_up()  # anything whose broadcast never came (and no later message showed the gap)
        await self.send_frame({"type": "pong"})

    async def on_offer_make(self, content: dict[str, Any], ref: Ref) -> None:
        offer = await self._call(
            offer_make,
            amount=_amount(content),
            terms=_text(content, "terms", required=False),
            **_offer_dates(content),
        )
        await self.send_frame({"type": "ack", "ref": ref, "offer_id": offer.pk})

    async def on_offer_counter(self, content: dict[str, Any], ref: Ref) -> None:
        offer = await self._call(
            offer_counter,
            offer_id=_int(content, "offer_id"),
            amount=_amount(content),
            terms=_text(content, "terms", required=False),
            **_offer_dates(content),
        )
        await self.send_frame({"type": "ack", "ref": ref, "offer_id": offer.pk})

    async def on_offer_accept(self, content: dict[str, Any], ref: Ref) -> None:
        if content.get("confirm") is not True:
            # Accepting binds the party: the page asks first, and says so in the frame (never one click).
            raise FrameError("confirm_required", _("Confirm that you accept this offer and are bound by it."))
        await self._call(offer_accept, offer_id=_int(content, "offer_id"))
        await self.send_frame({"type": "ack", "ref": ref})

    async def on_offer_reject(self, content: dict[str, Any], ref: Ref) -> None:
        await self._call(offer_reject, offer_id=_int(content, "offer_id"))
        await self.send_frame({"type": "ack", "ref": ref})

    async def on_offer_withdraw(self, content: dict[str, Any], ref: Ref) -> None:
        await self._call(offer_withdraw, offer_id=_int(content, "offer_id"))
        await self.send_frame({"type": "ack", "ref": ref})

    async def on_bid_submit(self, content: dict[str, Any], ref: Ref) -> None:
        amount = _amount(content)
        bid = await self._call(bid_submit, amount=amount)
        # Only the sender learns its own figure back.
        await self.send_frame({"type": "ack", "ref": ref, "round": bid.number, "my_figure": f"{amount:.2f}"})

    async def on_extension_request(self, content: dict[str, Any], ref: Ref) -> None:
        await self._call(extension_request)
        await self.send_frame({"type": "ack", "ref": ref})

    async def on_mediation_request(self, content: dict[str, Any], ref: Ref) -> None:
        await self._call(mediation_request)
        await self.send_frame({"type": "ack", "ref": ref})

    HANDLERS: ClassVar[dict[str, Handler]] = {
        "message.send": on_message_send,
        "typing": on_typing,
        "history": on_history,
        "sync": on_sync,
        "read": on_read,
        "ping": on_ping,
        "offer.make": on_offer_make,
        "offer.counter": on_offer_counter,
        "offer.accept": on_offer_accept,
        "offer.reject": on_offer_reject,
        "offer.withdraw": on_offer_withdraw,
        "bid.submit": on_bid_submit,
        "extension.request": on_extension_request,
        "mediation.request": on_mediation_request,
    }
    HOUSEKEEPING = frozenset({"ping", "read", "typing"})
    READ_ONLY_TYPES = frozenset({"history", "sync", "ping", "read"})
    SERVICE_CHECKED_TYPES = frozenset(
        {
            "message.send",
            "offer.make",
            "offer.counter",
            "offer.accept",
            "offer.reject",
            "offer.withdraw",
            "bid.submit",
            "extension.request",
            "mediation.request",
        }
    )

    async def access_rechecked(self, access: RoomAccess | None) -> None:
        """The process's periodic re-check (negotiation.room_recheck), whether or not anything is said in the
        room: a change made behind the models' back (no signal) ends the socket within that time."""
        self.access = access
        if access is None:
            await self.close(code=Close.NOT_FOUND)

    async def _recheck_access(self) -> RoomAccess | None:
        self.access = await _db(room_access)(self.user, self.joined_case_id)
        return self.access

    # --- outbound --------------------------------------------------------------------------
    async def room_event(self, message: dict[str, Any]) -> None:
        event: RoomEvent = message["event"]
        if event["kind"] == "typing" and event.get("origin") == self.channel_name:
            return
        if self.access is None:
            return
        # Changes to a case's people or status make every socket re-check at once (cases.signals), before
        # anything after them is delivered. Changes made behind the models' back are caught by each
        # process's periodic re-check (negotiation.room_recheck), which never holds up a delivery.
        if event["kind"] in ("access", "case_status") and await self._recheck_access() is None:
            await self.close(code=Close.NOT_FOUND)
            return
        if event["kind"] == "access":
            return  # internal: only makes every socket of the room re-check at once
        if event["kind"] == "message":
            await self._deliver_message(event)
            return
        await self.send_frame(_frame(event))

    async def _deliver_message(self, event: RoomEvent) -> None:
        message: MessagePayload = event["data"]
        prev_id = event.get("prev_id")
        if prev_id is not None and prev_id > self._complete_to:
            # The message before this one never came (its process died between storing and broadcasting it,
            # or the layer dropped it): send what is missing from the record, this one included, in order.
            await self._catch_up()
            return
        if not self._undelivered([message]):
            return  # already sent with the hello, a sync or a catch-up that read it after it was committed
        if prev_id is not None:
            self._complete_to = max(self._complete_to, message["id"])
        await self.send_frame({"type": "message", "message": message})

    async def _catch_up(self) -> None:
        """Send, in order, the room's messages after ``_complete_to`` that this socket has not sent."""
        assert self.access is not None
        has_more = True
        while has_more:
            messages, has_more = await _db(messages_after)(self.access.case_id, self._complete_to)
            if messages:
                self._complete_to = messages[-1]["id"]
            for message in self._undelivered(messages):
                await self.send_frame({"type": "message", "message": message})

    def _undelivered(self, messages: list[MessagePayload]) -> list[MessagePayload]:
        """Those of ``messages`` this socket has not sent yet, now counted as sent."""
        fresh = [m for m in messages if m["id"] not in self._delivered]
        self._delivered.update(m["id"] for m in fresh)
        return fresh


def _frame(event: RoomEvent) -> dict[str, Any]:
    kind, data = event["kind"], event["data"]
    if kind == "message":
        return {"type": "message", "message": data}
    if kind == "offer":
        return {"type": "offer", "offer": data}
    if kind == "bid":
        return {"type": "bid", "round": data}
    if kind == "case_status":
        return {"type": "case_status", "case": data}
    if kind == "presence":
        return {"type": "presence", "online": data}
    if kind == "typing":
        return {"type": "typing", **data}
    return {"type": kind, "data": data}
