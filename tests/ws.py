"""Helpers for websocket tests over the real ASGI stack (auth, origin check, router)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from odr.asgi import application


def _cookie_for(user: Any) -> bytes:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


async def communicator_for(
    path: str, user: Any = None, *, origin: bytes = b"http://testserver"
) -> WebsocketCommunicator:
    """A socket to ``path``, signed in as ``user`` (None: anonymous) with the session cookie a browser sends."""
    headers = [(b"origin", origin), (b"host", b"testserver")]
    if user is not None:
        headers.append((b"cookie", await database_sync_to_async(_cookie_for)(user)))
    return WebsocketCommunicator(application, path, headers=headers)


async def next_of(
    communicator: WebsocketCommunicator, kind: str, timeout: float = 2, where: Any = None
) -> dict[str, Any]:
    """The next frame of ``kind`` (and matching ``where``), skipping others."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == kind and (where is None or where(frame)):
            return frame


async def drain(communicator: WebsocketCommunicator, quiet: float = 0.2) -> list[dict[str, Any]]:
    """Every frame waiting, until the socket is quiet for ``quiet`` seconds."""
    frames = []
    while not await communicator.receive_nothing(timeout=quiet):
        frames.append(await communicator.receive_json_from())
    return frames
