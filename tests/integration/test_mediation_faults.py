"""The video room when the channel layer's Redis is killed and restarted during a session, caused for real (a
private redis-server, two Daphne processes), as tests/integration/test_realtime_faults.py does for the
negotiation room. The mediator's and the claimant's clients do what the page's client
(static/js/mediation-room.js, through static/js/live-socket.js) does: reconnect with backoff, and rebuild
the room from the server's ``hello``.

While Redis is away the room cannot relay anything, so it must not look live: every socket is closed with
4503 and every attempt to come back is turned away until Redis answers again. Then both are back in the
joint session (the claimant was admitted once, so nobody admits her again), see each other and no ghost of
their old connections, and chat reaches both sides again. The browser test does the same with the claimant
in Chromium, and reads what her page says.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import time
from collections.abc import Callable
from typing import Any

import pytest
import websockets
from django.conf import settings

from mediation.models import Participant
from tests.integration.conftest import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

CLOSE_UNAVAILABLE = 4503  # the server's close when Redis went away, or is away and a socket cannot join
REFUSED = (4401, 4404, 4409)  # the page stops: signed out, no access, session not in progress


class VideoRoomClient:
    """The video room page's client in Python, without media: the signaling socket and the chat."""

    def __init__(self, name: str, path: str, cookie: str, port: int) -> None:
        self.name, self.path, self.cookie, self.port = name, path, cookie, port
        self.states: list[str] = []  # what the page's connection line said, in order
        self.close_codes: list[int | None] = []  # how each socket ended (None: its handshake was refused)
        self.peer = ""  # this socket's peer id, from its hello
        self.room = ""
        self.members: list[dict[str, str]] = []  # who the server last said is in this client's room
        self.waiting: list[dict[str, str]] = []  # mediator: who waits to be admitted
        self.chat: list[str] = []  # the chat of the current room, as shown
        self.hellos = 0
        self.socket: Any = None
        self.stopped = False

    @property
    def state(self) -> str:
        return self.states[-1] if self.states else ""

    def _say(self, state: str) -> None:
        if self.state != state:
            self.states.append(state)

    def sees(self, role: str) -> bool:
        return any(m["role"] == role for m in self.members if m["peer"] != self.peer)

    async def run(self) -> None:
        attempts = 0
        while not self.stopped:
            self._say("reconnecting" if self.hellos else "connecting")
            try:
                socket = await websockets.connect(
                    f"ws://127.0.0.1:{self.port}{self.path}",
                    origin=f"http://127.0.0.1:{self.port}",  # type: ignore[arg-type]
                    additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={self.cookie}"},
                    open_timeout=5,
                )
            except websockets.InvalidStatus:
                socket = None
                self.close_codes.append(None)  # a refused handshake: the page sees 1006 and retries
            if socket is not None:
                self.socket = socket
                try:
                    async for raw in socket:
                        frame = json.loads(raw)
                        self._handle(frame)
                        if frame["type"] == "hello":
                            attempts = 0
                            self._say("live")
                except websockets.ConnectionClosed:
                    pass
                self.socket = None
                self.peer, self.room, self.members = "", "", []
                self.close_codes.append(socket.close_code)
                if socket.close_code in REFUSED:
                    self._say("offline")
                    return
            if self.stopped:
                return
            self._say("reconnecting")
            attempts += 1
            await asyncio.sleep(min(30, 0.5 * 2**attempts) * (0.75 + random.random() / 2))

    def _handle(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "hello":
            self.hellos += 1
            self.peer, self.room, self.members = frame["peer"], frame["room"], frame["members"]
            self.chat = [m["body"] for m in frame["chat"]]
        elif kind == "moved":
            self.room, self.members = frame["room"], frame["members"]
            self.chat = [m["body"] for m in frame["chat"]]
        elif kind == "room.state" and frame["room"] == self.room:
            self.members = frame["members"]
        elif kind == "waiting":
            self.waiting = frame["members"]
        elif kind == "chat":
            self.chat.append(frame["message"]["body"])

    async def send(self, frame: dict[str, Any]) -> None:
        assert self.socket is not None, f"{self.name} is not connected"
        await self.socket.send(json.dumps(frame))

    async def stop(self) -> None:
        self.stopped = True
        if self.socket is not None:
            await self.socket.close()


async def until(condition: Callable[[], bool], what: str, clients: list[VideoRoomClient], timeout: float = 20) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.05)
    except TimeoutError:
        seen = "; ".join(f"{c.name}: {c.states} closes {c.close_codes} in {c.room!r} with {c.members}" for c in clients)
        raise AssertionError(f"timed out waiting until {what} ({seen})") from None


def test_redis_killed_and_restarted_during_a_video_session(private_redis, daphnes, live_session, mediator, claimant):
    a, b = daphnes
    path = f"/ws/mediation/{live_session.public_id}/"
    mia = VideoRoomClient("mia", path, session_cookie(mediator), a.port)
    alice = VideoRoomClient("alice", path, session_cookie(claimant), b.port)
    clients = [mia, alice]

    async def scenario() -> None:
        tasks = [asyncio.ensure_future(client.run()) for client in clients]
        await until(lambda: mia.state == "live" and mia.room == "joint", "the mediator is in the joint room", clients)
        await until(lambda: alice.state == "live" and alice.room == "waiting", "the claimant waits", clients)
        await until(lambda: bool(mia.waiting), "the mediator sees her waiting", clients)
        await mia.send({"type": "admit", "peer": alice.peer})
        await until(
            lambda: alice.room == "joint" and alice.sees("mediator") and mia.sees("claimant"), "admitted", clients
        )
        await alice.send({"type": "chat", "body": "before"})
        await until(lambda: "before" in mia.chat, "the chat before the outage", clients)

        private_redis.kill()
        # The room can relay nothing now: neither page may go on looking live.
        await until(lambda: mia.state == alice.state == "reconnecting", "both pages say reconnecting", clients, 5)
        await asyncio.sleep(2)
        assert mia.state == alice.state == "reconnecting"  # their attempts are turned away while Redis is away
        private_redis.start()  # on the same port, empty: no groups, no subscriptions, no rate-limit counters

        await until(lambda: mia.state == alice.state == "live", "both rooms are live again", clients, 30)
        # Straight back into the joint session, each with the other and nobody else.
        await until(
            lambda: alice.room == mia.room == "joint" and alice.sees("mediator") and mia.sees("claimant"),
            "both are back in the joint session together",
            clients,
        )
        assert sorted(m["role"] for m in mia.members) == ["claimant", "mediator"], mia.members
        assert mia.chat == alice.chat == ["before"]  # the joint room's chat, read again from the record
        await alice.send({"type": "chat", "body": "after, from alice"})
        await mia.send({"type": "chat", "body": "after, from mia"})
        await until(
            lambda: (
                all(c.chat == ["before", "after, from alice", "after, from mia"] for c in clients)
                or all(c.chat == ["before", "after, from mia", "after, from alice"] for c in clients)
            ),
            "the chat after the outage reached both",
            clients,
        )
        for client in clients:
            await client.stop()
        await asyncio.gather(*tasks)

    asyncio.run(scenario())

    for client in clients:
        assert client.states[:3] == ["connecting", "live", "reconnecting"], client.states
        assert client.state == "live"
        # The socket open when Redis died was closed with 4503, and every attempt while it was away was
        # closed so too (or its handshake refused); the last socket ended with the test.
        assert client.close_codes[0] == CLOSE_UNAVAILABLE, client.close_codes
        assert set(client.close_codes[1:-1]) <= {CLOSE_UNAVAILABLE, None}, client.close_codes
        assert len(client.close_codes) >= 3, client.close_codes
    # Every connection that ended is marked as left (the last two as their processes see them close): none
    # lingers in the room as a ghost.
    open_rows = Participant.objects.filter(session=live_session, left_at__isnull=True)
    deadline = time.monotonic() + 10
    while open_rows.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not open_rows.exists(), list(open_rows.values_list("role", "peer_id", "joined_at"))
    for daphne in daphnes:
        assert "Exception inside application" not in daphne.log()


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")  # as tests/e2e/conftest.py


@pytest.mark.browser
def test_the_video_room_page_says_reconnecting_while_redis_is_away_then_rebuilds_the_room(
    private_redis, daphnes, live_session, mediator, claimant
):
    """The claimant in Chromium (her page served by process A), the mediator's client on process B."""
    from playwright.async_api import async_playwright, expect

    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (.ci/run does).")
    a, b = daphnes
    path = f"/ws/mediation/{live_session.public_id}/"
    mia = VideoRoomClient("mia", path, session_cookie(mediator), b.port)
    alice_cookie = session_cookie(claimant)

    async def scenario() -> None:
        mia_task = asyncio.ensure_future(mia.run())
        async with async_playwright() as playwright:
            # Fake camera and microphone, as tests/e2e/conftest.py's browsers have.
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
            )
            context = await browser.new_context(locale="en-GB")
            context.set_default_timeout(20_000)
            await context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": alice_cookie, "domain": "127.0.0.1", "path": "/"}]
            )
            page = await context.new_page()
            await page.goto(f"http://127.0.0.1:{a.port}/mediation/sessions/{live_session.public_id}/")
            status, room = page.locator("#mediation-connection"), page.locator("#room-indicator")
            mediator_tile = page.locator(".video-tile figcaption", has_text="Mia Mediator (Mediator)")
            await expect(room).to_have_attribute("data-room", "waiting")
            await until(lambda: bool(mia.waiting), "the mediator sees her waiting", [mia])
            await mia.send({"type": "admit", "peer": mia.waiting[0]["peer"]})
            await expect(room).to_have_attribute("data-room", "joint")
            await expect(mediator_tile).to_have_count(1)

            private_redis.kill()
            await expect(status).to_have_text("The connection dropped. Reconnecting…")
            await expect(status).to_have_attribute("data-state", "reconnecting")
            await expect(mediator_tile).to_have_count(0)  # nobody is shown as present while the room is down
            await asyncio.sleep(2)
            await expect(status).to_have_text("The connection dropped. Reconnecting…")  # turned away meanwhile
            private_redis.start()

            await expect(status).to_have_text("Connected to the video room.", timeout=30_000)
            await expect(room).to_have_attribute("data-room", "joint")  # admitted once: straight back in
            await expect(page.get_by_text("Please wait: the mediator will admit you.")).to_be_hidden()
            await expect(mediator_tile).to_have_count(1, timeout=30_000)
            await until(lambda: mia.state == "live" and mia.sees("claimant"), "the mediator sees her again", [mia], 30)
            await mia.send({"type": "chat", "body": "Welcome back."})
            await expect(page.locator("#chat-log")).to_contain_text("Welcome back.")
            await browser.close()
        await mia.stop()
        await mia_task

    asyncio.run(scenario())
    for daphne in daphnes:
        assert "Exception inside application" not in daphne.log()
