"""The backstop re-check of the negotiation room's sockets, one per process instead of one per socket.

A change to a case's people or status made through the models makes every socket of its room re-check at
once (``cases.signals``). One made behind their back (a raw update, a fix in the database shell) is caught
here: every ``ODR_ROOM_ACCESS_RECHECK_SECONDS`` each process decides again who may still be in each of its
rooms, for many sockets in one call of two queries, and closes the sockets that may not. A re-check per
socket made 50 queries a second for 500 sockets, all through the process's one database thread.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from channels.db import database_sync_to_async
from django.conf import settings

from cases.access import RoomAccess, room_access_many
from odr.loops import PerLoop

logger = logging.getLogger(__name__)


class RecheckedSocket(Protocol):
    user: Any
    joined_case_id: int

    async def access_rechecked(self, access: RoomAccess | None) -> None: ...


class AccessRecheck:
    """One per event loop; runs only while a socket is registered.

    Each socket is due ``ODR_ROOM_ACCESS_RECHECK_SECONDS`` after it joined, then again after each check.
    The sockets due at a tick are checked together, at most ``CHUNK`` per call: one call for all of them
    kept the database thread (and with it the GIL) busy long enough to hold up the room's messages by tens
    of milliseconds in ``bench/room_bench.py``.
    """

    CHUNK = 25

    def __init__(self) -> None:
        self.due: dict[RecheckedSocket, float] = {}
        self._task: asyncio.Task[None] | None = None

    def add(self, socket: RecheckedSocket) -> None:
        loop = asyncio.get_running_loop()
        self.due[socket] = loop.time() + settings.ODR_ROOM_ACCESS_RECHECK_SECONDS
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    def discard(self, socket: RecheckedSocket) -> None:
        self.due.pop(socket, None)
        if not self.due and self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            interval = settings.ODR_ROOM_ACCESS_RECHECK_SECONDS
            await asyncio.sleep(min(1.0, interval / 10))
            now = loop.time()
            ready = [socket for socket, due in self.due.items() if due <= now]
            for start in range(0, len(ready), self.CHUNK):
                chunk = ready[start : start + self.CHUNK]
                try:
                    await self.recheck(chunk)
                except Exception:  # the database is away: these sockets are checked again at the next tick
                    logger.exception("room access re-check failed")
                    break
                for socket in chunk:
                    if socket in self.due:  # not gone meanwhile
                        self.due[socket] = now + interval

    async def recheck(self, sockets: list[RecheckedSocket]) -> None:
        decided = await database_sync_to_async(room_access_many, thread_sensitive=True)(
            [(socket.user, socket.joined_case_id) for socket in sockets]
        )
        for socket in sockets:
            if socket in self.due:  # not gone meanwhile
                await socket.access_rechecked(decided.get((socket.user.pk, socket.joined_case_id)))


_rechecks = PerLoop(lambda loop: AccessRecheck())


def access_recheck() -> AccessRecheck:
    """The running loop's re-check."""
    return _rechecks.get()
