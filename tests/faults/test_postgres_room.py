"""The negotiation room's hot path stores a message on a connection its event loop keeps (odr.adb): when
PostgreSQL drops that connection, the next message is still stored once, acknowledged and delivered."""

from __future__ import annotations

import psycopg
import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from django.conf import settings

from negotiation.models import Message
from odr import adb
from tests.markers import postgresql_only
from tests.ws import communicator_for, next_of

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    postgresql_only("terminating a database backend"),
]


@pytest.fixture(autouse=True)
def _fresh_layer():
    yield
    channel_layers.backends.clear()


def _terminate(pid: int) -> None:
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


async def test_a_message_after_the_loops_connection_was_dropped_is_stored_once(negotiation_case, claimant, respondent):
    alice = await communicator_for(f"/ws/cases/{negotiation_case.public_id}/negotiation/", claimant)
    bob = await communicator_for(f"/ws/cases/{negotiation_case.public_id}/negotiation/", respondent)
    assert (await alice.connect())[0]
    assert (await bob.connect())[0]
    await next_of(alice, "hello")
    await next_of(bob, "hello")
    await alice.send_json_to({"type": "message.send", "body": "First", "ref": "1"})
    await next_of(alice, "ack")

    # The connection the event loop kept after that message: PostgreSQL drops it.
    kept = adb.loop_connections().idle_backend_pids()
    assert len(kept) == 1, "the hot path did not keep its connection"
    await sync_to_async(_terminate)(kept[0])

    await alice.send_json_to({"type": "message.send", "body": "Second", "ref": "2"})
    ack = await next_of(alice, "ack", timeout=5)
    assert ack["ref"] == "2"
    received = await next_of(bob, "message", where=lambda f: f["message"]["body"] == "Second", timeout=5)
    assert received["message"]["id"] == ack["message_id"]
    bodies = await sync_to_async(list)(Message.objects.filter(case=negotiation_case).values_list("body", flat=True))
    assert sorted(bodies) == ["First", "Second"]
    await alice.disconnect()
    await bob.disconnect()
