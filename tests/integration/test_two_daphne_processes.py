"""Scaling out: two Daphne processes behind one Redis. A message sent to one reaches a client on the other."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets
from django.conf import settings
from django.test import Client

from tests.processes import database_env, free_port

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def two_daphnes() -> Iterator[list[int]]:
    if not _redis_reachable():
        pytest.skip("needs Redis on 127.0.0.1:6379 (.ci/run provides it)")
    env = {**os.environ, **database_env(), "REDIS_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": "odr.settings"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "odr.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        deadline = time.monotonic() + 20
        for port in ports:
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("Daphne did not start") from None
                    time.sleep(0.1)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()  # Daphne waits for open sockets to drain; the test is done with them
                process.wait(5)


def _cookie(user) -> str:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def _frames_until(ws, kind: str, timeout: float = 10) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame


def test_message_crosses_processes(two_daphnes, negotiation_case, claimant, respondent):
    path = f"/ws/cases/{negotiation_case.public_id}/negotiation/"
    alice_cookie, bob_cookie = _cookie(claimant), _cookie(respondent)

    async def scenario() -> tuple[dict, dict]:
        port_a, port_b = two_daphnes
        async with (
            websockets.connect(
                f"ws://127.0.0.1:{port_a}{path}",
                origin=f"http://127.0.0.1:{port_a}",
                additional_headers={"Cookie": alice_cookie},
            ) as alice,
            websockets.connect(
                f"ws://127.0.0.1:{port_b}{path}",
                origin=f"http://127.0.0.1:{port_b}",
                additional_headers={"Cookie": bob_cookie},
            ) as bob,
        ):
            await _frames_until(alice, "hello")
            await _frames_until(bob, "hello")
            await alice.send(json.dumps({"type": "message.send", "body": "Sent via process A"}))
            received = await _frames_until(bob, "message")
            await bob.send(json.dumps({"type": "offer.make", "amount": "4200.00", "terms": "Via process B"}))
            offer = await _frames_until(alice, "offer")
            return received, offer

    received, offer = asyncio.run(scenario())
    assert received["message"]["body"] == "Sent via process A"
    assert received["message"]["sender_role"] == "claimant"
    assert offer["offer"]["amount"] == "4200.00"
    assert offer["offer"]["maker_role"] == "respondent"
