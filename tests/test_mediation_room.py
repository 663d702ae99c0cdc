"""The video room's signaling server over the real ASGI stack: waiting room, admission, relays only
within a room, and a private caucus the other party receives nothing of."""

from __future__ import annotations

import json
from typing import Any

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from mediation.models import Participant, RoomMessage
from odr import ratelimit
from tests.ws import communicator_for, next_of
from tests.ws import drain as drain_quiet

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

OFFER = {"sdp": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}}
CANDIDATE = {
    "candidate": {"candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host", "sdpMid": "0", "sdpMLineIndex": 0}
}


async def connect(session, user=None) -> WebsocketCommunicator:
    return await communicator_for(f"/ws/mediation/{session.public_id}/", user)


async def join(session, user) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    communicator = await connect(session, user)
    connected, _code = await communicator.connect()
    assert connected
    hello = await communicator.receive_json_from()
    assert hello["type"] == "hello", hello
    return communicator, hello


async def drain(communicator: WebsocketCommunicator) -> list[dict[str, Any]]:
    return await drain_quiet(communicator, quiet=0.3)


@pytest.fixture(autouse=True)
def _fresh_rate_limits_and_layer():
    ratelimit.reset()
    yield
    channel_layers.backends.clear()


@pytest_asyncio.fixture
async def everyone(live_session, mediator, claimant, respondent):
    """Mediator, claimant and respondent in the joint room (the parties admitted)."""
    mia, mia_hello = await join(live_session, mediator)
    alice, alice_hello = await join(live_session, claimant)
    bob, bob_hello = await join(live_session, respondent)
    for hello in (alice_hello, bob_hello):
        assert hello["room"] == "waiting"
        await mia.send_json_to({"type": "admit", "peer": hello["peer"]})
        await next_of(mia, "room.state", where=lambda f, p=hello["peer"]: p in {m["peer"] for m in f["members"]})
    await next_of(alice, "moved")
    await next_of(bob, "moved")
    for communicator in (mia, alice, bob):
        await drain(communicator)
    peers = {"mia": mia_hello["peer"], "alice": alice_hello["peer"], "bob": bob_hello["peer"]}
    yield {"mia": mia, "alice": alice, "bob": bob}, peers
    for communicator in (mia, alice, bob):
        await communicator.disconnect()


async def test_parties_wait_until_the_mediator_admits_them(live_session, mediator, claimant):
    mia, hello = await join(live_session, mediator)
    assert hello["room"] == "joint"
    assert hello["role"] == "mediator"
    alice, alice_hello = await join(live_session, claimant)
    assert (alice_hello["room"], alice_hello["members"], alice_hello["chat"]) == ("waiting", [], [])
    waiting = await next_of(mia, "waiting", where=lambda f: f["members"])
    assert [m["peer"] for m in waiting["members"]] == [alice_hello["peer"]]
    # Waiting, Alice can neither signal the mediator nor chat.
    await alice.send_json_to({"type": "signal", "to": hello["peer"], "data": OFFER, "ref": 1})
    refused = await next_of(alice, "error")
    assert (refused["code"], refused["ref"]) == ("not_in_room", 1)
    assert await mia.receive_nothing(timeout=0.3)
    # A party cannot admit anyone.
    await alice.send_json_to({"type": "admit", "peer": alice_hello["peer"]})
    assert (await next_of(alice, "error"))["code"] == "forbidden"
    await mia.send_json_to({"type": "admit", "peer": alice_hello["peer"]})
    moved = await next_of(alice, "moved")
    assert moved["room"] == "joint"
    assert {m["role"] for m in moved["members"]} == {"mediator", "claimant"}
    await mia.disconnect()
    await alice.disconnect()


async def test_signals_are_relayed_to_the_named_peer_only(everyone):
    sockets, peers = everyone
    await sockets["alice"].send_json_to({"type": "signal", "to": peers["bob"], "data": OFFER})
    relayed = await next_of(sockets["bob"], "signal")
    assert relayed == {"type": "signal", "from": peers["alice"], "data": OFFER}
    await sockets["bob"].send_json_to({"type": "signal", "to": peers["alice"], "data": CANDIDATE})
    assert (await next_of(sockets["alice"], "signal"))["data"] == {
        "candidate": {**CANDIDATE["candidate"], "usernameFragment": None}
    }
    assert await sockets["mia"].receive_nothing(timeout=0.3)


async def test_malformed_signaling_gets_an_error_frame_and_the_room_stays_healthy(everyone):
    sockets, peers = everyone
    alice = sockets["alice"]
    bad_frames = [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"type": "signal", "to": peers["bob"], "data": {"sdp": {"type": "bogus", "sdp": ""}}}),
        json.dumps({"type": "signal", "to": peers["bob"], "data": {"sdp": OFFER["sdp"], "candidate": None}}),
        json.dumps({"type": "signal", "to": "../../etc", "data": OFFER}),
        json.dumps({"type": "signal", "to": "ffffffffffffffff", "data": OFFER}),  # nobody
        json.dumps({"type": "signal", "to": peers["bob"], "data": {"candidate": {"candidate": 5}}}),
        json.dumps({"type": "nonsense"}),
        "x" * (70 * 1024),
    ]
    for frame in bad_frames:
        await alice.send_to(text_data=frame)
        error = await next_of(alice, "error")
        assert error["message"]
    assert await sockets["bob"].receive_nothing(timeout=0.3)
    # Still healthy: a good frame goes through.
    await alice.send_json_to({"type": "signal", "to": peers["bob"], "data": OFFER})
    assert (await next_of(sockets["bob"], "signal"))["from"] == peers["alice"]


async def test_a_private_caucus_is_private(everyone, claimant):
    sockets, peers = everyone
    mia, alice, bob = sockets["mia"], sockets["alice"], sockets["bob"]
    await mia.send_json_to({"type": "caucus.start", "party": "claimant"})
    moved = await next_of(alice, "moved")
    assert moved["room"] == "caucus-claimant"
    assert {m["peer"] for m in moved["members"]} == {peers["mia"], peers["alice"]}
    assert (await next_of(mia, "moved"))["room"] == "caucus-claimant"
    # The respondent learns only that the joint room now holds itself.
    state = await next_of(bob, "room.state", where=lambda f: len(f["members"]) == 1)
    assert [m["peer"] for m in state["members"]] == [peers["bob"]]
    await drain(bob)

    # Inside the caucus: signaling and chat flow between the claimant and the mediator ...
    await alice.send_json_to({"type": "signal", "to": peers["mia"], "data": OFFER})
    assert (await next_of(mia, "signal"))["from"] == peers["alice"]
    await alice.send_json_to({"type": "chat", "body": "Between us, we could take 70%."})
    assert (await next_of(mia, "chat"))["message"]["body"] == "Between us, we could take 70%."
    echoed = [f for f in await drain(alice) if f["type"] != "room.state"]  # the caucus's own state may arrive
    assert [f["message"]["body"] for f in echoed] == ["Between us, we could take 70%."]  # her own, echoed
    # ... and the respondent can reach neither of them, nor hear any of it.
    await bob.send_json_to({"type": "signal", "to": peers["alice"], "data": OFFER})
    assert (await next_of(bob, "error"))["code"] == "not_in_room"
    await bob.send_json_to({"type": "signal", "to": peers["mia"], "data": OFFER})
    assert (await next_of(bob, "error"))["code"] == "not_in_room"
    await bob.send_json_to({"type": "chat", "body": "Hello?"})
    frames = await drain(bob)
    assert all(f["type"] in ("chat",) for f in frames)
    assert [f["message"]["body"] for f in frames] == ["Hello?"]  # its own message, in the joint room
    assert await alice.receive_nothing(timeout=0.3)
    # A party cannot open or enter a caucus.
    await bob.send_json_to({"type": "caucus.start", "party": "respondent"})
    assert (await next_of(bob, "error"))["code"] == "forbidden"
    stored = await database_sync_to_async(lambda: list(RoomMessage.objects.values_list("room", "body")))()
    assert ("caucus-claimant", "Between us, we could take 70%.") in stored
    # Back together: the caucus chat stays in the caucus.
    await mia.send_json_to({"type": "caucus.end"})
    back = await next_of(bob, "room.state", where=lambda f: len(f["members"]) == 3)
    assert {m["peer"] for m in back["members"]} == set(peers.values())
    alice_back = await next_of(alice, "moved")
    assert alice_back["room"] == "joint"
    assert [c["body"] for c in alice_back["chat"]] == ["Hello?"]


async def test_only_the_cases_people_may_connect_and_only_to_a_live_session(
    live_session, mediation_case, outsider, arbitrator, claimant, mediator
):
    for user in (None, outsider, arbitrator):
        communicator = await connect(live_session, user)
        connected, code = await communicator.connect()
        assert not connected
        assert code in (4401, 4404)
    from mediation.services.sessions import session_end

    await database_sync_to_async(session_end)(session=live_session, user=mediator)
    alice = await connect(live_session, claimant)
    connected, _code = await alice.connect()
    assert connected  # accepted to be told why, then closed
    error = await alice.receive_json_from()
    assert (error["type"], error["code"]) == ("error", "not_live")
    assert (await alice.receive_output())["type"] == "websocket.close"


async def test_ending_the_session_closes_every_connection_and_attendance_is_kept(everyone, live_session, mediator):
    sockets, _peers = everyone
    from mediation.services.sessions import session_end

    await database_sync_to_async(session_end)(session=live_session, user=mediator)
    for communicator in sockets.values():
        assert (await next_of(communicator, "ended"))["type"] == "ended"
    rows = await database_sync_to_async(lambda: list(Participant.objects.values_list("role", "admitted_at")))()
    assert sorted(role for role, _admitted in rows) == ["claimant", "mediator", "respondent"]
    assert all(admitted is not None for _role, admitted in rows)


async def test_a_mediator_who_returns_during_a_caucus_goes_back_into_it(everyone, live_session, mediator):
    sockets, peers = everyone
    mia = sockets["mia"]
    await mia.send_json_to({"type": "caucus.start", "party": "claimant"})
    await next_of(sockets["alice"], "moved")
    await mia.disconnect()
    back, hello = await join(live_session, mediator)
    assert hello["room"] == "caucus-claimant"
    assert {m["peer"] for m in hello["members"]} == {hello["peer"], peers["alice"]}
    waiting = await next_of(back, "waiting")  # a returning mediator is told who is waiting (nobody)
    assert waiting["members"] == []
    await back.disconnect()


async def test_a_connection_that_stopped_pinging_no_longer_counts(everyone, live_session, settings):
    from datetime import timedelta

    from django.utils import timezone

    sockets, peers = everyone
    stale = timezone.now() - timedelta(seconds=settings.ODR_MEDIATION_PRESENCE_SECONDS + 5)
    await database_sync_to_async(lambda: Participant.objects.filter(peer_id=peers["bob"]).update(last_seen=stale))()
    await sockets["alice"].send_json_to({"type": "chat", "body": "Still there?"})
    await sockets["alice"].send_json_to({"type": "ping"})
    await next_of(sockets["alice"], "pong")
    from mediation.services.room import room_members

    members = await database_sync_to_async(room_members)(session_id=live_session.pk, room="joint")
    assert {m.peer for m in members} == {peers["mia"], peers["alice"]}


async def test_the_party_left_in_the_joint_room_is_told_the_mediator_is_in_a_private_session(everyone):
    sockets, _peers = everyone
    mia, bob = sockets["mia"], sockets["bob"]
    await mia.send_json_to({"type": "caucus.start", "party": "claimant"})
    state = await next_of(bob, "room.state", where=lambda f: len(f["members"]) == 1)
    assert (state["room"], state["caucus"]) == ("joint", "caucus-claimant")
    await mia.send_json_to({"type": "caucus.end"})
    back = await next_of(bob, "room.state", where=lambda f: len(f["members"]) == 3)
    assert back["caucus"] is None


async def test_a_party_who_reconnects_during_a_caucus_hears_of_it_in_the_hello(everyone, live_session, respondent):
    sockets, _peers = everyone
    await sockets["mia"].send_json_to({"type": "caucus.start", "party": "claimant"})
    await next_of(sockets["bob"], "room.state", where=lambda f: len(f["members"]) == 1)
    await sockets["bob"].disconnect()
    bob, hello = await join(live_session, respondent)
    assert (hello["room"], hello["caucus"]) == ("joint", "caucus-claimant")
    sockets["bob"] = bob


async def test_an_admitted_party_who_reconnects_goes_straight_back_into_the_session(everyone, live_session, claimant):
    """A reload or a moment without network does not send an admitted party back to the waiting room."""
    sockets, peers = everyone
    mia = sockets["mia"]
    await sockets["alice"].disconnect()
    await next_of(mia, "room.state", where=lambda f: peers["alice"] not in {m["peer"] for m in f["members"]})
    alice, hello = await join(live_session, claimant)
    sockets["alice"] = alice
    assert hello["room"] == "joint"
    assert {m["role"] for m in hello["members"]} == {"mediator", "claimant", "respondent"}
    state = await next_of(mia, "room.state", where=lambda f: hello["peer"] in {m["peer"] for m in f["members"]})
    assert len(state["members"]) == 3
    # Back in the session, she may signal and chat at once, with nobody admitting her again.
    await alice.send_json_to({"type": "chat", "body": "Sorry, my connection dropped."})
    assert (await next_of(sockets["bob"], "chat"))["message"]["body"] == "Sorry, my connection dropped."
    # Returning during her own caucus, she goes back into it; during the other party's, to the joint room.
    await mia.send_json_to({"type": "caucus.start", "party": "claimant"})
    await next_of(alice, "moved")
    await alice.disconnect()
    alice, hello = await join(live_session, claimant)
    sockets["alice"] = alice
    assert hello["room"] == "caucus-claimant"


async def test_a_party_never_admitted_still_waits_after_reconnecting(live_session, mediator, claimant):
    mia, _hello = await join(live_session, mediator)
    alice, hello = await join(live_session, claimant)
    assert hello["room"] == "waiting"
    await alice.disconnect()
    alice, hello = await join(live_session, claimant)
    assert hello["room"] == "waiting"
    await alice.disconnect()
    await mia.disconnect()


async def test_a_page_of_another_website_cannot_open_the_video_room_and_is_recorded(live_session, claimant):
    from cases.models import RefusalReason, SecurityEvent

    communicator = await communicator_for(
        f"/ws/mediation/{live_session.public_id}/", claimant, origin=b"https://evil.example"
    )
    connected, _code = await communicator.connect()
    assert not connected

    @database_sync_to_async
    def events():
        return list(SecurityEvent.objects.values_list("reason", "user_id", "case_ref"))

    case_ref = await database_sync_to_async(lambda: live_session.case.public_id)()
    assert await events() == [(RefusalReason.SOCKET_ORIGIN, claimant.pk, case_ref)]


async def test_frames_larger_than_the_setting_allows_are_refused(everyone, settings):
    sockets, _peers = everyone
    settings.ODR_WS_MAX_FRAME_BYTES = 2048
    alice = sockets["alice"]
    chat = lambda body, ref: json.dumps({"type": "chat", "body": body, "ref": ref}, ensure_ascii=False)  # noqa: E731
    await alice.send_to(text_data=chat("é" * 1100, "big"))  # 2,200 bytes in UTF-8
    error = await next_of(alice, "error")
    assert (error["code"], error["ref"], error["message"]) == ("too_large", None, "That message is too large.")
    assert await sockets["bob"].receive_nothing(timeout=0.3)
    await alice.send_to(text_data=chat("é" * 900, "fits"))
    assert (await next_of(sockets["bob"], "chat"))["message"]["body"] == "é" * 900
