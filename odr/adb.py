"""PostgreSQL from the event loop itself, for the one write on a socket's hot path.

Django's ORM serves async code through ``sync_to_async``: each call hops to the database thread and back,
and in ``bench/room_bench.py`` that hop cost more than the statement it carried. The negotiation room's
plain message is a single statement (an ``INSERT ... SELECT`` that checks access and writes in one), so on
PostgreSQL it runs on psycopg's async connection in the loop instead. Everything else keeps the ORM.

Each event loop (one per Daphne process) keeps a few autocommit connections, opened when first needed.
One that died while idle (a database restart, an idle-session timeout, ``pg_terminate_backend``) fails
its next statement; that statement stored nothing, and runs once more on a fresh connection. (Only a
connection lost in the instant between the commit and its answer would store a statement twice.)
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Sequence
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections

from odr.loops import PerLoop

# The keys of Django's connection parameters that belong to its own sync connection, not to libpq.
_DJANGO_ONLY = ("cursor_factory", "context")


def available() -> bool:
    """Whether the loop may talk to the default database directly: PostgreSQL, and not turned off."""
    return bool(settings.ODR_LOOP_DB_CONNECTIONS) and _default_is_postgresql()


@functools.cache
def _default_is_postgresql() -> bool:
    # Read once: in async code each task gets a connection object of its own, made on first access.
    return connections["default"].vendor == "postgresql"


class LoopConnections:
    """Up to ``size`` autocommit connections for one event loop; a caller waits when all are busy."""

    def __init__(self, params: dict[str, Any], size: int) -> None:
        self._params = params
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._slots = asyncio.Semaphore(size)

    async def fetchone(self, sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
        """Run one statement (committed when it returns) and return its first row, if it returns rows."""
        async with self._slots:
            retried = False
            while True:
                connection = self._idle.pop() if self._idle else await self._connect()
                try:
                    async with connection.cursor() as cursor:
                        await cursor.execute(sql, params)
                        row = await cursor.fetchone() if cursor.description is not None else None
                except (psycopg.OperationalError, psycopg.InterfaceError):
                    # The connection broke (or the server ended the statement): the statement did not commit.
                    await connection.close()
                    if retried:
                        raise
                    retried = True
                    continue
                except BaseException:
                    await connection.close()  # in a state nobody should inherit
                    raise
                self._idle.append(connection)
                return row

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(**self._params, autocommit=True)

    def idle_backend_pids(self) -> list[int]:
        """The server process ids of the connections waiting for a statement (for the fault tests)."""
        return [connection.info.backend_pid for connection in self._idle]

    def close(self) -> None:
        """Close the idle connections (closing a psycopg connection does no I/O, so no loop is needed)."""
        while self._idle:
            connection = self._idle.pop()
            connection.pgconn.finish()


def _connections_for(loop: asyncio.AbstractEventLoop) -> LoopConnections:
    params = connections["default"].get_connection_params()
    for key in _DJANGO_ONLY:
        params.pop(key, None)
    # The ORM prepares nothing (for poolers); these few statements run on every message, so their plans
    # are kept on the server from the first run.
    params["prepare_threshold"] = 0 if settings.ODR_LOOP_DB_PREPARE else None
    pool = LoopConnections(params, settings.ODR_LOOP_DB_CONNECTIONS)
    # A loop that ends (a test's, or one asgiref made for a call) takes its connections with it.
    weakref.finalize(loop, pool.close)
    return pool


_pools = PerLoop(_connections_for)


def loop_connections() -> LoopConnections:
    """The running loop's connections to the default database (call ``available()`` first)."""
    return _pools.get()


def close_all() -> None:
    """Close every loop's idle connections: for the tests, whose loops end with each test (and whose
    database cannot be dropped while a connection is open)."""
    for pool in _pools.values():
        pool.close()
    _pools.clear()
