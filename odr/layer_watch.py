"""Watches the channel layer's Redis from each web process and tells that process's room sockets when it
went away or came back as a new server.

Events published while Redis is down, or before a socket's group subscription exists again on a restarted
Redis, reach nobody, and nothing in channels_redis tells a consumer so: its socket would stay open, look
live and miss them for good. So while any socket listens, each process asks Redis for its ``run_id`` every
``PROBE_SECONDS`` (and at once when a call failed). When the question fails, or the answer names another
server (a restart, whose empty memory holds none of the old groups), every listening socket is told, and
closes with a code the page's client reconnects on; once it can join again it catches up from the database,
which is the record.

Without ``REDIS_URL`` (the in-memory layer of one process) there is nothing to watch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from django.conf import settings
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from odr.loops import PerLoop

logger = logging.getLogger(__name__)

# What the channel layer and the cache raise when Redis is down, refuses, or does not answer in time.
LAYER_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)

PROBE_SECONDS = 1.0

Listener = Callable[[], None]


class LayerWatch:
    """One per event loop (a Daphne process has one). Runs only while at least one socket listens."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.listeners: set[Listener] = set()
        self.run_id: str | None = None
        self.reachable = True
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def listen(self, listener: Listener) -> None:
        self.listeners.add(listener)
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    def forget(self, listener: Listener) -> None:
        self.listeners.discard(listener)
        if not self.listeners and self._task is not None:
            self._task.cancel()
            self._task = None
            self.run_id = None

    def failed(self) -> None:
        """Someone's send or join just failed: ask Redis now rather than at the next probe."""
        self._wake.set()

    def _lost(self, why: str | None) -> None:
        """Tell every listener (a listener is told again while Redis stays away: it must not mind)."""
        if why is not None:
            logger.warning("channel layer: %s; closing %d room socket(s) to reconnect", why, len(self.listeners))
        for listener in list(self.listeners):
            listener()

    async def probe(self, client: Redis) -> None:
        try:
            info = await client.info("server")
        except LAYER_ERRORS as exc:
            # Every time, not only the first: a socket that joined in a moment Redis was back is told too.
            self._lost(f"Redis is unreachable ({exc})" if self.reachable else None)
            self.reachable = False
            self.run_id = None  # whatever answers next is the server the sockets will join
            return
        run_id = str(info.get("run_id", ""))
        if self.run_id is not None and run_id != self.run_id:
            self._lost("Redis restarted (its groups and subscriptions are gone)")
        elif not self.reachable:
            logger.warning("channel layer: Redis is reachable again")
        self.reachable = True
        self.run_id = run_id

    async def _run(self) -> None:
        client = Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1, retry=Retry(NoBackoff(), 0))
        try:
            while True:
                await self.probe(client)
                try:
                    async with asyncio.timeout(PROBE_SECONDS):
                        await self._wake.wait()
                except TimeoutError:
                    pass
                self._wake.clear()
        finally:
            await client.aclose()


_watches = PerLoop(lambda loop: LayerWatch(settings.REDIS_URL))


def layer_watch() -> LayerWatch | None:
    """This event loop's watch, or None when the channel layer is not Redis."""
    if not settings.REDIS_URL or "channels_redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
        return None
    return _watches.get()


def report_layer_failure(exc: BaseException) -> None:
    """A call to the channel layer (or the cache) failed: log it and have this process's watch ask Redis now."""
    logger.warning("channel layer: a call to Redis failed (%s)", exc)
    try:
        watch = layer_watch()
    except RuntimeError:  # no running event loop (a thread outside Daphne's): the watch probes on its own
        return
    if watch is not None:
        watch.failed()
