"""The one base of the platform's websocket consumers: the negotiation room (``negotiation.consumers``), the video
room (``mediation.consumers``) and the deal room (``deals.consumers``) subclass ``RoomConsumer``, and keep only
their own frames.

What every room gets from it, in this order at connect:

1. the Origin check: a page of another website (an Origin not in ``ALLOWED_HOSTS``) is refused;
2. authentication: a socket without a signed-in user is refused with ``Close.UNAUTHENTICATED``;
3. the user's connection limit (``ODR_SOCKET_CONNECTS_PER_MINUTE``, counted in the shared cache): over it,
   an error frame and ``Close.RATE_LIMITED``, and the page retries after its backoff; under it, the socket
   joins the user's own group, through which a password change or a closed account ends every open socket
   of that user at once (``sign_out_sockets_on_commit``);
4. the room's access decision (``authorise``): refused with ``Close.NOT_FOUND``; then the room lets the
   socket in (``enter``: its groups, ``accept``, its ``hello``).

Each refusal is recorded by the room's ``record_refusal`` (the security event log lives in an app).

Frames are JSON text objects with a ``type`` and an optional ``ref`` (a string or a number), at most
``ODR_WS_MAX_FRAME_BYTES`` bytes, handled one at a time through the room's ``HANDLERS``: each frame is
rate-limited per user (``rate_for``), its access decided again (``frame_allowed``; refused: ``access_lost``),
and whatever is refused is answered with the one error frame, ``{type: "error", code, message, ref}``, in
the room's language.

When the channel layer's Redis is unreachable or restarted (``odr.layer_watch``), the socket is closed with
``Close.UNAVAILABLE`` after the frame being handled; one that cannot join its groups yet is accepted and
closed so too. The page reconnects with its backoff and catches up from the database, the record.

This module imports no app: whatever needs a case, a session or a model is a hook the room implements.
"""

from __future__ import annotations

import asyncio
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import Enum, IntEnum, auto
from functools import partial
from typing import Any, ClassVar, Literal, TypedDict
from urllib.parse import urlparse

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.security.websocket import OriginValidator
from channels.utils import await_many_dispatch
from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from odr import ratelimit
from odr.layer_watch import LAYER_ERRORS, LayerWatch, layer_watch, report_layer_failure

logger = logging.getLogger(__name__)

# Database work runs in the process's one thread-sensitive worker thread: in bench/room_bench.py a pool of
# threads fought the event loop for the GIL and doubled the tail latency.
in_db_thread = partial(database_sync_to_async, thread_sensitive=True)


class Close(IntEnum):
    """The codes a room closes its socket with (a server may only send 1000 or 3000-4999), and what the
    page's client (static/js/live-socket.js) does on each."""

    UNAUTHENTICATED = 4401  # never signed in, or signed out since: the page stops and asks to sign in again
    NOT_FOUND = 4404  # no access to the room, or none any more: the page stops
    REFUSED = 4409  # the room would not take the socket in (a session not in progress, a full room): it stops
    RATE_LIMITED = 4429  # too many connections in a short time: the page retries after its backoff
    # The channel layer's Redis went away or restarted under this socket, or is away so the socket cannot join
    # its room: the page reconnects with its backoff and catches up.
    UNAVAILABLE = 4503


class Refusal(Enum):
    """Why a socket was refused at connect (the security event log records each as a reason of its own)."""

    ANONYMOUS = auto()
    ORIGIN = auto()
    NO_ACCESS = auto()


type Ref = str | int | None


class ErrorFrame(TypedDict):
    """The one error frame of every room: ``ref`` echoes the frame it answers (None: no frame, or none given)."""

    type: Literal["error"]
    code: str
    message: str
    ref: Ref


class FrameError(Exception):
    """Raised while a frame is handled: answered with the error frame ``code`` and ``message``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Rate:
    """A token bucket per user and ``purpose`` (shared by the user's sockets in the process)."""

    purpose: str
    per_second: float
    burst: int
    silent: bool = False  # beyond it, frames are dropped without an error frame (housekeeping)


HOUSEKEEPING_RATE = Rate("housekeeping", per_second=1, burst=5, silent=True)

type Handler = Callable[[Any, dict[str, Any], Ref], Awaitable[None]]


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def connect_allowed(user_id: int) -> bool:
    """True while the user has opened fewer than ``ODR_SOCKET_CONNECTS_PER_MINUTE`` sockets this minute."""
    return ratelimit.within_limit(
        f"socket-connect:{user_id}", limit=settings.ODR_SOCKET_CONNECTS_PER_MINUTE, window_seconds=60
    )


def sign_out_sockets_on_commit(user_id: int) -> None:
    """Once the change that ended the user's sessions is committed, close every socket they hold."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(user_group(user_id), {"type": "account.signed_out"})

    transaction.on_commit(send)


def header(scope: Mapping[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


def origin_allowed(scope: Mapping[str, Any]) -> bool:
    """Channels' origin check against ``ALLOWED_HOSTS`` (in DEBUG without any, the local addresses)."""
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = ["localhost", "127.0.0.1", "[::1]"]
    origin = header(scope, b"origin")
    return bool(OriginValidator(None, allowed).valid_origin(urlparse(origin) if origin else None))


def socket_language(scope: Mapping[str, Any]) -> str:
    """The language the socket's person reads the site in: their language cookie, else their browser's."""
    chosen = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)
    if chosen and translation.check_for_language(chosen):
        return str(chosen)
    for code, _q in parse_accept_lang_header(header(scope, b"accept-language")):
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class RoomConsumer(AsyncWebsocketConsumer, ABC):
    """The base of every room's consumer (see the module's docstring). A room implements ``authorise``,
    ``enter``, ``frame_allowed`` and ``record_refusal``, may implement ``leave``, ``access_lost``,
    ``rate_for`` and ``frame_error``, and lists its frames in ``HANDLERS``: ``type -> handler(self, content,
    ref)``."""

    HANDLERS: ClassVar[Mapping[str, Handler]] = {}
    # Frames that keep the connection going (and change nothing): a bucket of their own, dropped silently
    # beyond it, so they never eat into what people send.
    HOUSEKEEPING: ClassVar[frozenset[str]] = frozenset({"ping"})

    user: Any
    language: str = settings.LANGUAGE_CODE
    watch: LayerWatch | None = None
    accepted = False  # the handshake is done
    entered = False  # the room let the socket in (``authorise`` said yes): ``leave`` runs when it ends
    leaving_for_layer = False
    closing = False  # the close for the channel layer is sent: later frames are not handled

    # --- the ASGI application ------------------------------------------------------------------------------
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """``AsyncConsumer.__call__``, except that the channel layer's failures are the base's to handle."""
        self.scope = scope
        self.base_send = send
        self._frames = asyncio.Lock()  # held while a client frame is handled, so its answer goes first
        self._joined: set[str] = set()  # the channel layer groups this socket is in
        try:
            self.channel_layer = get_channel_layer(self.channel_layer_alias)
            self.channel_name = await self.channel_layer.new_channel()
            await await_many_dispatch([receive, self._from_layer], self.dispatch)
        except StopConsumer:
            pass
        except LAYER_ERRORS as exc:
            # Redis refused the socket's own channel, a join or a send: end with a code the page's client
            # reconnects on (never a bare server error), and drop what this socket held.
            report_layer_failure(exc)
            await self._end_without_layer()
            if not self.accepted:
                await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": int(Close.UNAVAILABLE)})

    async def _from_layer(self) -> Any:
        """The next event for this socket. If the layer fails (RedisChannelLayer's receive reads from Redis),
        the socket keeps answering its client's frames until it is closed, after the one being handled."""
        try:
            return await self.channel_layer.receive(self.channel_name)
        except LAYER_ERRORS as exc:
            report_layer_failure(exc)
            self._layer_lost()
            await asyncio.Future()  # nothing more comes from the layer; the socket closes meanwhile

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        await super().accept(subprotocol, headers)
        self.accepted = True

    async def close(self, code: int | None = None, reason: str | None = None) -> None:
        # As a plain int: Daphne (autobahn) refuses a close code of any other type, an IntEnum's included.
        await super().close(code=None if code is None else int(code), reason=reason)

    # --- connection ----------------------------------------------------------------------------------------
    async def connect(self) -> None:
        if not origin_allowed(self.scope):
            await self._refuse(Refusal.ORIGIN, None)  # before the handshake: the browser sees it refused
            return
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self._refuse(Refusal.ANONYMOUS, Close.UNAUTHENTICATED)
            return
        self.user = user
        self.language = socket_language(self.scope)
        if not await self._admit():
            return
        if not await self.authorise():
            await self._refuse(Refusal.NO_ACCESS, Close.NOT_FOUND)
            return
        self.entered = True
        # Listen before the room joins its groups: a Redis lost from here on closes this socket too.
        self.watch = layer_watch()
        if self.watch is not None:
            self.watch.listen(self._layer_lost)
        await self.enter()

    async def _refuse(self, reason: Refusal, code: Close | None) -> None:
        await in_db_thread(self.record_refusal)(reason)
        await self.close(code=code)

    async def _admit(self) -> bool:
        """Over the user's connection limit, the socket gets an error frame and is closed with a code the page's
        client retries on, after its backoff; under it, the socket joins the user's own group."""
        if not await in_db_thread(connect_allowed)(self.user.pk):
            await self.accept()
            with translation.override(self.language):
                message = _("Too many connections in a short time. The page will reconnect shortly.")
            await self.send_error("rate_limited", message)
            await self.close(code=Close.RATE_LIMITED)
            return False
        await self.join_group(user_group(self.user.pk))
        return True

    async def disconnect(self, code: int) -> None:
        self._stop_watching()
        await self._leave_groups()
        if self.entered:
            await self._leave_room()

    async def _leave_room(self) -> None:
        try:
            await self.leave()
        except LAYER_ERRORS as exc:  # what the room tells the others cannot go out; what it tidies is done
            report_layer_failure(exc)

    async def account_signed_out(self, event: dict[str, Any]) -> None:
        """The user's group: a password change or a closed account ended their sessions."""
        await self.close(code=Close.UNAUTHENTICATED)

    # --- groups --------------------------------------------------------------------------------------------
    async def join_group(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self._joined.add(group)

    async def leave_group(self, group: str) -> None:
        self._joined.discard(group)
        await self.channel_layer.group_discard(group, self.channel_name)

    async def _leave_groups(self) -> None:
        try:
            for group in list(self._joined):
                await self.leave_group(group)
        except LAYER_ERRORS as exc:  # Redis is away, and the subscriptions with it
            report_layer_failure(exc)
            self._joined.clear()

    # --- the channel layer's failure -----------------------------------------------------------------------
    def _stop_watching(self) -> None:
        if self.watch is not None:
            self.watch.forget(self._layer_lost)
            self.watch = None

    def _layer_lost(self) -> None:
        """Called by the layer watch (possibly again while Redis stays away)."""
        if not self.leaving_for_layer:
            self.leaving_for_layer = True
            self._leaving = asyncio.ensure_future(self._close_for_layer())

    async def _close_for_layer(self) -> None:
        async with self._frames:  # a frame being handled is answered first (a stored message is acked)
            self.closing = True
            await self.close(code=Close.UNAVAILABLE)

    async def _end_without_layer(self) -> None:
        """What ``disconnect`` does, for a consumer that the layer's failure ended before it could run."""
        self._stop_watching()
        self._joined.clear()
        if self.entered:
            await self._leave_room()

    # --- inbound frames ------------------------------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        async with self._frames:
            if self.closing:
                return  # it came after the close was sent: never handled, the client sees it unconfirmed
            with translation.override(self.language):  # an error frame is in the room's language too
                await self._receive_frame(text_data, binary=bytes_data is not None)

    async def _receive_frame(self, text_data: str | None, *, binary: bool) -> None:
        ref: Ref = None
        try:
            if text_data is None or binary:
                raise FrameError("invalid", _("Only text frames are accepted."))
            if len(text_data.encode()) > settings.ODR_WS_MAX_FRAME_BYTES:
                raise FrameError("too_large", _("That message is too large."))
            try:
                content = json.loads(text_data)
            except ValueError:
                raise FrameError("invalid_json", _("The request could not be read.")) from None
            if not isinstance(content, dict) or not isinstance(content.get("type"), str):
                raise FrameError("invalid", _("The request has no type."))
            ref = content.get("ref") if isinstance(content.get("ref"), str | int) else None
            kind = content["type"]
            handler = self.HANDLERS.get(kind)
            if handler is None:
                raise FrameError("unknown_type", _("Unknown request type."))
            rate = self.rate_for(kind)
            if rate is not None and not ratelimit.allow(
                self.user.pk, rate.purpose, rate=rate.per_second, burst=rate.burst
            ):
                if rate.silent:
                    return
                raise FrameError("rate_limited", _("You are sending too fast. Wait a moment and try again."))
            # Access is decided again for every frame: someone removed a moment ago is refused now.
            if not await self.frame_allowed(kind):
                await self.access_lost(ref)
                return
            await handler(self, content, ref)
        except FrameError as exc:
            await self.send_error(exc.code, exc.message, ref)
        except Exception as exc:
            error = self.frame_error(exc)
            if error is None:
                raise
            await self.send_error(error.code, error.message, ref)

    def rate_for(self, kind: str) -> Rate | None:
        """The bucket a frame of ``kind`` is counted in (None: not limited)."""
        if kind in self.HOUSEKEEPING:
            return HOUSEKEEPING_RATE
        return Rate("frames", per_second=settings.ODR_ROOM_RATE_PER_SECOND, burst=settings.ODR_ROOM_RATE_BURST)

    def frame_error(self, exc: Exception) -> FrameError | None:
        """The error frame for an exception a handler raised (None: not the client's doing, raised on)."""
        return None

    async def access_lost(self, ref: Ref) -> None:
        """``frame_allowed`` said no: the socket has no access to the room any more."""
        await self.send_error("forbidden", _("You no longer have access to this room."), ref)
        await self.close(code=Close.NOT_FOUND)

    # --- outbound frames -----------------------------------------------------------------------------------
    async def send_frame(self, frame: Mapping[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame, ensure_ascii=False))

    async def send_error(self, code: str, message: str, ref: Ref = None) -> None:
        frame: ErrorFrame = {"type": "error", "code": code, "message": message, "ref": ref}
        await self.send_frame(frame)

    # --- what each room implements -------------------------------------------------------------------------
    @abstractmethod
    async def authorise(self) -> bool:
        """Whether ``self.user`` may enter the room the URL names (keep what ``enter`` needs on ``self``)."""

    @abstractmethod
    async def enter(self) -> None:
        """Let the socket in: join the room's groups (``join_group``), ``accept``, send the room's hello."""

    @abstractmethod
    async def frame_allowed(self, kind: str) -> bool:
        """Before each frame: whether the socket still has access to the room (False: ``access_lost``). May
        raise ``FrameError`` for a frame of a kind this person may not send."""

    @abstractmethod
    def record_refusal(self, reason: Refusal) -> None:
        """Record a refused connection in the security event log (runs in the database thread)."""

    async def leave(self) -> None:
        """The socket is gone (closed, or its channel layer failed): tidy up what it held and tell the room.
        The base has left its groups already; a failing channel layer here is reported, never raised."""
