"""Faults of the real-time stack, caused for real: the channel layer's Redis killed and restarted, and one of
two Daphne processes killed. The parties' clients do what the page's client (static/js/negotiation.js) does:
reconnect with backoff, opening the socket with ``?after_id=<the newest message held>``, and ``sync`` when
the hello says more follow. After recovery every message sent is stored once and has reached each side once,
counted without dropping duplicates. docs/fault-tolerance.md reports what the user saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import random
import re
import shutil
from collections import Counter
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

import pytest
import websockets
from django.conf import settings
from redis.asyncio import Redis

from negotiation.models import Message
from odr.layer_watch import LayerWatch
from tests.integration.conftest import DaphneProcess, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

CLOSE_UNAVAILABLE = 4503  # the server's close when Redis went away, or is away and a socket cannot join


CLIENTS: list[RoomClient] = []  # of the running test, described when a wait times out


@pytest.fixture(autouse=True)
def _clients_of_this_test() -> None:
    CLIENTS.clear()


async def until(condition: Callable[[], bool], what: str, timeout: float = 20) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.05)
    except TimeoutError:
        seen = "; ".join(f"{c.name}: {c.states} closes {c.close_codes} has {list(c.bodies.values())}" for c in CLIENTS)
        raise AssertionError(f"timed out waiting until {what} ({seen})") from None


class RoomClient:
    """The page's client in Python. ``ports`` are the web processes in the order a load balancer would try
    them: a process that refuses the connection is skipped, as a load balancer's health check would."""

    def __init__(self, name: str, path: str, cookie: str, ports: list[int]) -> None:
        self.name, self.path, self.cookie, self.ports = name, path, cookie, ports
        self.last_id = 0  # the newest message held (the page starts from the newest one it rendered)
        self.received: list[int] = []  # every message id that arrived, in hello, sync or live frames
        self.bodies: dict[int, str] = {}
        self.states: list[str] = []  # what the page's status line said, in order
        self.close_codes: list[int | None] = []  # how each socket ended
        self.served_by: list[int] = []  # the port of each socket that got its hello
        self.pending: dict[str, asyncio.Future[tuple[str, Any]]] = {}
        self.socket: Any = None
        self.stopped = False
        self._refs = 0
        CLIENTS.append(self)

    @property
    def state(self) -> str:
        return self.states[-1] if self.states else ""

    def _say(self, state: str) -> None:
        if self.state != state:
            self.states.append(state)

    def has(self, body: str) -> bool:
        return body in self.bodies.values()

    async def run(self) -> None:
        attempts = 0
        while not self.stopped:
            self._say("reconnecting" if self.served_by else "connecting")
            socket, port = await self._open()
            if socket is not None:
                self.socket = socket
                try:
                    async for raw in socket:
                        frame = json.loads(raw)
                        await self._handle(frame)
                        if frame["type"] == "hello":
                            attempts = 0
                            self.served_by.append(port)
                            self._say("live")
                except websockets.ConnectionClosed:
                    pass
                self.socket = None
                self.close_codes.append(socket.close_code)
                for future in self.pending.values():
                    if not future.done():
                        future.set_result(("lost", None))  # the page: "dropped before this was confirmed"
                if socket.close_code in (4401, 4404):
                    self._say("offline")
                    return
            if self.stopped:
                return
            self._say("reconnecting")
            attempts += 1
            await asyncio.sleep(min(30, 0.5 * 2**attempts) * (0.75 + random.random() / 2))

    async def _open(self) -> tuple[Any, int]:
        for port in self.ports:
            try:
                socket = await websockets.connect(
                    f"ws://127.0.0.1:{port}{self.path}?after_id={self.last_id}",
                    origin=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
                    additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={self.cookie}"},
                    open_timeout=5,
                )
            except OSError:
                continue  # nothing listens there: the load balancer tries the next process
            except websockets.InvalidStatus:
                self.close_codes.append(None)  # a refused handshake: the page sees 1006 and retries
                return None, port
            return socket, port
        return None, 0

    async def _handle(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind in ("hello", "sync"):
            self._add(frame["messages"])
            if frame["has_more"] and (kind == "sync" or "after_id" in frame):
                await self.socket.send(json.dumps({"type": "sync", "after_id": self.last_id}))
        elif kind == "message":
            self._add([frame["message"]])
        elif kind in ("ack", "error") and frame.get("ref") in self.pending:
            result = ("ack", frame.get("message_id")) if kind == "ack" else ("error", frame["code"])
            self.pending.pop(frame["ref"]).set_result(result)

    def _add(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            self.received.append(message["id"])
            self.bodies[message["id"]] = message["body"]
            self.last_id = max(self.last_id, message["id"])

    async def send_message(self, body: str) -> tuple[str, Any]:
        """Send over the socket and wait for the answer: ("ack", id), ("error", code) or ("lost", None)."""
        self._refs += 1
        ref = f"{self.name}-{self._refs}"
        future: asyncio.Future[tuple[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[ref] = future
        if self.socket is None:
            self.pending.pop(ref)
            return ("not connected", None)
        with contextlib.suppress(websockets.ConnectionClosed):  # then the run loop answers "lost"
            await self.socket.send(json.dumps({"type": "message.send", "body": body, "ref": ref}))
        return await asyncio.wait_for(future, 20)

    async def send_until_stored(self, body: str) -> list[tuple[str, Any]]:
        return await self.settle(body, [await self.send_message(body)])

    async def settle(self, body: str, outcomes: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        """What a person does when the page says the connection dropped before the message was confirmed:
        wait until the room is live again, look whether the message is there, and send it again only if not."""
        while outcomes[-1][0] != "ack":
            assert outcomes[-1][0] == "lost", outcomes
            await until(lambda: self.state == "live", f"{self.name} is live again", timeout=30)
            if self.has(body):
                break
            outcomes.append(await self.send_message(body))
        return outcomes

    async def stop(self) -> None:
        self.stopped = True
        if self.socket is not None:
            await self.socket.close()


def room_socket(case) -> str:
    return f"/ws/cases/{case.public_id}/negotiation/"


def post_message_form(port: int, case, cookie: str, body: str) -> tuple[int, str]:
    """What the page does when its socket is not open: the message form is posted as a plain form. Returns
    the status and the Location of the answer."""
    session = f"{settings.SESSION_COOKIE_NAME}={cookie}"
    room = f"/cases/{case.public_id}/negotiation/"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", room, headers={"Cookie": session})
        page = connection.getresponse()
        html = page.read().decode()
        assert page.status == 200, page.status
        csrf = SimpleCookie(page.headers["Set-Cookie"])[settings.CSRF_COOKIE_NAME].value
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token is not None
        form = f"csrfmiddlewaretoken={token.group(1)}&body={body.replace(' ', '+')}"
        headers = {
            "Cookie": f"{session}; {settings.CSRF_COOKIE_NAME}={csrf}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://127.0.0.1:{port}",
        }
        connection.request("POST", f"{room}message/", body=form, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status, answer.headers.get("Location", "")
    finally:
        connection.close()


def assert_exactly_once(case, clients: list[RoomClient], bodies: list[str]) -> None:
    """Every message is stored once, and every client received every message once (its own included)."""
    stored = list(Message.objects.filter(case=case).values_list("body", flat=True))
    assert Counter(stored) == Counter(bodies), "every message sent is stored once"
    for client in clients:
        counts = Counter(client.received)
        assert {client.bodies[i]: n for i, n in counts.items()} == dict.fromkeys(bodies, 1), client.name


def test_redis_killed_and_restarted(private_redis, daphnes, negotiation_case, claimant, respondent):
    a, b = daphnes
    path = room_socket(negotiation_case)
    alice = RoomClient("alice", path, session_cookie(claimant), [a.port])
    bob = RoomClient("bob", path, session_cookie(respondent), [b.port])
    outcomes: dict[str, Any] = {}

    async def scenario() -> None:
        tasks = [asyncio.ensure_future(client.run()) for client in (alice, bob)]
        await until(lambda: alice.state == bob.state == "live", "both rooms are live")
        outcomes["a1 before"] = await alice.send_until_stored("a1 before")
        outcomes["b1 before"] = await bob.send_until_stored("b1 before")
        await until(lambda: alice.has("b1 before") and bob.has("a1 before"), "the exchange before the outage")

        private_redis.kill()
        # On a socket still open: the message is stored before it is broadcast, and its sender is answered
        # although the broadcast fails.
        outcomes["a2 socket during"] = [await alice.send_message("a2 socket during")]
        # Both pages then say they are reconnecting, bob's too, which sent nothing and so never saw Redis
        # fail itself: each process's watch closed its sockets.
        await until(lambda: alice.state == bob.state == "reconnecting", "both pages say reconnecting", 5)
        # A page whose socket is down posts its forms: both sides send that way while Redis is away.
        for client, port, body in ((bob, b.port, "b2 form during"), (alice, a.port, "a3 form during")):
            outcomes[body] = await asyncio.to_thread(post_message_form, port, negotiation_case, client.cookie, body)
        await asyncio.sleep(2)
        assert alice.state == bob.state == "reconnecting"  # their attempts to reconnect are turned away
        private_redis.start()  # on the same port, empty: no groups, no subscriptions, no rate-limit counters

        await until(lambda: alice.state == bob.state == "live", "both rooms are live again", 30)
        outcomes["a2 socket during"] = await alice.settle("a2 socket during", outcomes["a2 socket during"])
        outcomes["a4 after"] = await alice.send_until_stored("a4 after")
        outcomes["b4 after"] = await bob.send_until_stored("b4 after")
        await until(lambda: all(c.has(x) for c in (alice, bob) for x in outcomes), "everything reached both")
        await asyncio.sleep(0.5)  # anything sent twice would have arrived by now
        for client in (alice, bob):
            await client.stop()
        await asyncio.gather(*tasks)

    asyncio.run(scenario())

    assert_exactly_once(negotiation_case, [alice, bob], list(outcomes))
    room = f"/cases/{negotiation_case.public_id}/negotiation/#message"
    assert outcomes["b2 form during"] == outcomes["a3 form during"] == (302, room)
    # Sent as Redis died, the message was acknowledged (it is stored before it is broadcast); or, had the
    # socket closed before the server read it, it was not stored, the page said so, and it was sent again.
    assert [kind for kind, _id in outcomes["a2 socket during"]] in (["ack"], ["lost", "ack"])
    for client in (alice, bob):
        assert client.states[:3] == ["connecting", "live", "reconnecting"], client.states
        assert client.state == "live"
        # The socket open when Redis died was closed with 4503, and every attempt while it was away was
        # closed so too (or its handshake refused); the last socket ended with the test.
        assert client.close_codes[0] == CLOSE_UNAVAILABLE, client.close_codes
        assert set(client.close_codes[1:-1]) <= {CLOSE_UNAVAILABLE, None}, client.close_codes
        assert len(client.close_codes) >= 3, client.close_codes
    for daphne in daphnes:
        assert "Exception inside application" not in daphne.log()


def test_a_daphne_process_killed(private_redis, daphnes, negotiation_case, claimant, respondent):
    a, b = daphnes
    path = room_socket(negotiation_case)
    # The load balancer sends alice to process A and bob to process B, and each to the other when its
    # process is gone.
    alice = RoomClient("alice", path, session_cookie(claimant), [a.port, b.port])
    bob = RoomClient("bob", path, session_cookie(respondent), [b.port, a.port])
    outcomes: dict[str, Any] = {}

    async def scenario() -> None:
        tasks = [asyncio.ensure_future(client.run()) for client in (alice, bob)]
        await until(lambda: alice.state == bob.state == "live", "both rooms are live")
        outcomes["a1 before"] = await alice.send_until_stored("a1 before")
        outcomes["b1 before"] = await bob.send_until_stored("b1 before")
        await until(lambda: alice.has("b1 before") and bob.has("a1 before"), "the exchange before the kill")

        # Alice's message is on its way when her process dies: it is stored and acknowledged, or stored and
        # not acknowledged, or never read. She sends it again only if the room does not show it once live.
        in_flight = asyncio.ensure_future(alice.send_until_stored("a2 in flight"))
        await asyncio.sleep(0.005)
        a.kill()
        await until(lambda: alice.state == "reconnecting", "alice's page says reconnecting", 5)
        outcomes["b2 during"] = await bob.send_until_stored("b2 during")
        outcomes["a2 in flight"] = await in_flight
        await until(lambda: alice.state == "live", "alice is live again, on process B", 30)
        outcomes["a3 after"] = await alice.send_until_stored("a3 after")
        outcomes["b3 after"] = await bob.send_until_stored("b3 after")
        await until(lambda: all(c.has(x) for c in (alice, bob) for x in outcomes), "everything reached both")
        await asyncio.sleep(0.5)
        for client in (alice, bob):
            await client.stop()
        await asyncio.gather(*tasks)

    asyncio.run(scenario())

    assert_exactly_once(negotiation_case, [alice, bob], list(outcomes))
    assert alice.served_by == [a.port, b.port]
    assert alice.states == ["connecting", "live", "reconnecting", "live"], alice.states
    assert alice.close_codes[0] == 1006  # the process vanished without a close frame
    assert bob.served_by == [b.port]
    assert bob.states == ["connecting", "live"], bob.states
    assert "Exception inside application" not in b.log()


def test_each_process_watches_redis_and_tells_its_sockets(private_redis):
    """The watch behind the closes above, probe by probe: told while Redis is unreachable, not told when it
    is back (the sockets then join the new server), and told when Redis restarted between two probes, which
    is when nothing else notices (no send failed, and the subscriptions are gone with the old server)."""
    watch = LayerWatch(private_redis.url)
    told: list[int] = []
    watch.listeners.add(lambda: told.append(1))

    async def probe() -> int:
        before = len(told)
        client = Redis.from_url(private_redis.url, socket_connect_timeout=1, socket_timeout=1)
        try:
            await watch.probe(client)
        finally:
            await client.aclose()
        return len(told) - before

    async def scenario() -> list[int]:
        answers = [await probe(), await probe()]  # healthy: the first probe learns which server it is
        private_redis.kill()
        answers += [await probe(), await probe()]  # unreachable: told at every probe
        private_redis.start()
        answers += [await probe(), await probe()]  # back: the sockets are joining it, nothing to tell
        private_redis.kill()
        private_redis.start()
        answers += [await probe(), await probe()]  # restarted between two probes: told once
        return answers

    assert asyncio.run(scenario()) == [0, 0, 1, 1, 0, 0, 1, 0]


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")  # as tests/e2e/conftest.py
LIVE = "Live: new messages appear as they arrive."
RECONNECTING = "Connection lost. Reconnecting…"


async def open_room(playwright: Any, port: int, case, cookie: str) -> Any:
    """Alice's page, served by the Daphne process on ``port`` (signed in with her session cookie)."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (.ci/run does).")
    browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    context = await browser.new_context(locale="en-GB")
    context.set_default_timeout(20_000)
    await context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "domain": "127.0.0.1", "path": "/"}]
    )
    page = await context.new_page()
    await page.goto(f"http://127.0.0.1:{port}/cases/{case.public_id}/negotiation/")
    return page


async def expect_status(page: Any, text: str, *, timeout: float | None = None) -> None:
    """The connection line says ``text``, in a polite live region (role=status), in words, not colour only."""
    from playwright.async_api import expect

    status = page.get_by_role("status").filter(has_text=text)
    await expect(status).to_have_text(text, timeout=timeout)
    await expect(status).to_have_id("room-connection")


async def expect_shown_once(page: Any, body: str) -> None:
    from playwright.async_api import expect

    await expect(page.locator("#message-list li", has_text=body)).to_have_count(1)


@pytest.mark.browser
def test_the_page_says_reconnecting_while_redis_is_away_then_shows_what_it_missed(
    private_redis, daphnes, negotiation_case, claimant, respondent
):
    from playwright.async_api import async_playwright

    a, b = daphnes
    alice_cookie = session_cookie(claimant)
    bob = RoomClient("bob", room_socket(negotiation_case), session_cookie(respondent), [b.port])

    async def scenario() -> None:
        bob_task = asyncio.ensure_future(bob.run())
        async with async_playwright() as playwright:
            page = await open_room(playwright, a.port, negotiation_case, alice_cookie)
            await expect_status(page, LIVE)
            await until(lambda: bob.state == "live", "bob is live")
            assert (await bob.send_message("b1 before"))[0] == "ack"
            await expect_shown_once(page, "b1 before")

            private_redis.kill()
            during = await bob.send_message("b2 during")  # stored and acknowledged, or not read and "lost"
            await expect_status(page, RECONNECTING)
            await asyncio.sleep(2)
            await expect_status(page, RECONNECTING)  # still: its attempts are turned away while Redis is away
            private_redis.start()

            await expect_status(page, LIVE)
            await until(lambda: bob.state == "live", "bob is live again", 30)
            await bob.settle("b2 during", [during])
            await expect_shown_once(page, "b2 during")
            assert (await bob.send_message("b3 after"))[0] == "ack"
            await expect_shown_once(page, "b3 after")
            await page.context.browser.close()
        await bob.stop()
        await bob_task

    asyncio.run(scenario())
    assert list(Message.objects.values_list("body", flat=True).order_by("id")) == ["b1 before", "b2 during", "b3 after"]


@pytest.mark.browser
def test_the_page_says_reconnecting_while_its_process_is_gone_then_shows_what_it_missed(
    private_redis, daphnes, negotiation_case, claimant, respondent, tmp_path
):
    from playwright.async_api import async_playwright

    a, b = daphnes
    alice_cookie = session_cookie(claimant)
    bob = RoomClient("bob", room_socket(negotiation_case), session_cookie(respondent), [b.port])
    restarted = DaphneProcess(private_redis.url, tmp_path / "daphne-a-restarted.log", port=a.port)

    async def scenario() -> None:
        bob_task = asyncio.ensure_future(bob.run())
        async with async_playwright() as playwright:
            page = await open_room(playwright, a.port, negotiation_case, alice_cookie)
            await expect_status(page, LIVE)
            await until(lambda: bob.state == "live", "bob is live")

            a.kill()  # alice's page was served by A, and its socket went to A
            await expect_status(page, RECONNECTING)
            assert (await bob.send_message("b1 while A is gone"))[0] == "ack"
            await asyncio.sleep(1)
            await expect_status(page, RECONNECTING)
            # The process manager starts A again on its port (without a load balancer the page can only
            # come back to the address it was served from).
            await asyncio.to_thread(restarted.start)

            # The page's next attempt may be one back-off step away: up to 30 s (+25 % jitter) once the
            # process has been gone a while, which a slow start of the process makes longer.
            await expect_status(page, LIVE, timeout=45_000)
            await expect_shown_once(page, "b1 while A is gone")
            assert (await bob.send_message("b2 after"))[0] == "ack"
            await expect_shown_once(page, "b2 after")
            await page.context.browser.close()
        await bob.stop()
        await bob_task

    try:
        asyncio.run(scenario())
    finally:
        restarted.stop()
    assert list(Message.objects.values_list("body", flat=True).order_by("id")) == ["b1 while A is gone", "b2 after"]
