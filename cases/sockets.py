"""What every websocket of the platform does whatever room it serves (the negotiation room, the video
room): count each connection against its user's limit, and listen on the user's own group, through which
a password change or a closed account ends every open socket of that user at once.

The limit is counted in the shared cache (Redis when configured), so every Daphne process agrees on it.
"""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cases.ratelimit import within_limit

CLOSE_SIGNED_OUT = 4401  # the client stops retrying and asks the person to sign in again
CLOSE_RATE_LIMITED = 4429  # the client retries with its usual backoff


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def connect_allowed(user_id: int) -> bool:
    """True while the user has opened fewer than ``ODR_SOCKET_CONNECTS_PER_MINUTE`` sockets this minute."""
    return within_limit(f"socket-connect:{user_id}", limit=settings.ODR_SOCKET_CONNECTS_PER_MINUTE, window_seconds=60)


def sign_out_sockets_on_commit(user_id: int) -> None:
    """Once the change that ended the user's sessions is committed, close every socket they hold."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(user_group(user_id), {"type": "account.signed_out"})

    transaction.on_commit(send)


class UserSocketMixin:
    """For AsyncWebsocketConsumer subclasses: ``account_signed_out`` is the handler the user's group calls."""

    channel_layer: Any
    channel_name: str

    async def admit(self, user_id: int, language: str) -> bool:
        """Call first in ``connect`` for a signed-in user. Over the limit, the socket gets an error frame
        and is closed with a code the page's client retries on, after its backoff."""
        if not await database_sync_to_async(connect_allowed)(user_id):
            await self.accept()  # type: ignore[attr-defined]
            with translation.override(language):
                message = _("Too many connections in a short time. The page will reconnect shortly.")
            frame = {"type": "error", "code": "rate_limited", "message": message}
            await self.send(text_data=json.dumps(frame, ensure_ascii=False))  # type: ignore[attr-defined]
            await self.close(code=CLOSE_RATE_LIMITED)  # type: ignore[attr-defined]
            return False
        await self.join_user_group(user_id)
        return True

    async def join_user_group(self, user_id: int) -> None:
        self.user_group = user_group(user_id)
        await self.channel_layer.group_add(self.user_group, self.channel_name)

    async def leave_user_group(self) -> None:
        group = getattr(self, "user_group", None)
        if group is not None:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def account_signed_out(self, event: dict[str, Any]) -> None:
        await self.close(code=CLOSE_SIGNED_OUT)  # type: ignore[attr-defined]
