"""Two platforms on one Redis (a staging beside production, two test runs, a bench beside a test run) must
not hear each other's room events. Redis numbers its databases for keys, but pub/sub channels are shared
by every database of a server: the channel layer's names must differ by the database the URL names."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
import redis
from django.utils.module_loading import import_string

from tests.processes import start_django

REDIS = "redis://127.0.0.1:6379"


def _layers_config(redis_url: str) -> dict:
    """CHANNEL_LAYERS as a freshly started process computes it with ``REDIS_URL`` set."""
    result = start_django(
        {"REDIS_URL": redis_url},
        "import json\nfrom django.conf import settings\nprint(json.dumps(settings.CHANNEL_LAYERS['default']))",
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _layer(config: dict):
    return import_string(config["BACKEND"])(**config.get("CONFIG", {}))


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs the machine's Redis on 127.0.0.1:6379")
def test_platforms_on_two_redis_databases_do_not_hear_each_others_rooms():
    first, second = _layers_config(f"{REDIS}/3"), _layers_config(f"{REDIS}/4")

    async def exchange() -> list[dict]:
        hearing, speaking = _layer(second), _layer(first)
        channel = await hearing.new_channel()
        await hearing.group_add("room-1", channel)
        await speaking.group_send("room-1", {"type": "room.event", "event": {"kind": "from the other platform"}})
        await hearing.group_send("room-1", {"type": "room.event", "event": {"kind": "its own"}})
        heard = []
        with contextlib.suppress(TimeoutError):
            while True:
                heard.append(await asyncio.wait_for(hearing.receive(channel), timeout=1))
        await hearing.group_discard("room-1", channel)
        return heard

    heard = asyncio.run(exchange())
    assert [m["event"]["kind"] for m in heard] == ["its own"]
