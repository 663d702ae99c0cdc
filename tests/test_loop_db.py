"""The event loop's own PostgreSQL connections (odr.adb), used by the negotiation room's hot path."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from django.conf import settings

from odr import adb
from tests.markers import postgresql_only

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    postgresql_only("the event loop's own connections"),
]

PID = "SELECT pg_backend_pid()"


async def test_a_connection_is_kept_for_the_next_statement():
    pool = adb.loop_connections()
    (first,) = await pool.fetchone(PID, [])
    (second,) = await pool.fetchone(PID, [])
    assert first == second
    assert pool.idle_backend_pids() == [first]


async def test_a_failed_statement_raises_and_the_next_gets_a_fresh_connection():
    pool = adb.loop_connections()
    (before,) = await pool.fetchone(PID, [])
    with pytest.raises(psycopg.errors.UndefinedTable):
        await pool.fetchone("SELECT * FROM no_such_table", [])
    assert pool.idle_backend_pids() == []  # not handed on in whatever state the error left it
    (after,) = await pool.fetchone(PID, [])
    assert after != before


async def test_statements_beyond_the_limit_wait_for_a_free_connection(settings):
    settings.ODR_LOOP_DB_CONNECTIONS = 2
    adb.close_all()  # the limit is read when a loop's connections are first made
    pool = adb.loop_connections()
    rows = await asyncio.gather(*(pool.fetchone("SELECT pg_backend_pid() FROM pg_sleep(0.05)", []) for _ in range(6)))
    assert len({pid for (pid,) in rows}) == 2
    assert len(pool.idle_backend_pids()) == 2


async def test_a_statement_is_committed_when_it_returns():
    pool = adb.loop_connections()
    await pool.fetchone("CREATE TABLE loop_db_probe (x int)", [])
    try:
        assert await pool.fetchone("INSERT INTO loop_db_probe VALUES (7) RETURNING x", []) == (7,)
        db = settings.DATABASES["default"]
        async with await psycopg.AsyncConnection.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]
        ) as other:
            assert await (await other.execute("SELECT x FROM loop_db_probe")).fetchall() == [(7,)]
    finally:
        await pool.fetchone("DROP TABLE loop_db_probe", [])


async def test_the_room_uses_it_only_on_postgresql_and_when_enabled(settings):
    assert adb.available()
    settings.ODR_LOOP_DB_CONNECTIONS = 0
    assert not adb.available()
