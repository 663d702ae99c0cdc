"""The negotiation room over a real ASGI stack (auth, origin check, router) with WebsocketCommunicator."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from cases.models import AuditEntry, CaseParty, CaseStatus
from negotiation.models import Message, Offer
from odr import ratelimit
from tests.ws import communicator_for, drain, next_of

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def connect(
    case, user=None, *, origin: bytes = b"http://testserver", after_id: int | None = None
) -> WebsocketCommunicator:
    query = "" if after_id is None else f"?after_id={after_id}"
    return await communicator_for(f"/ws/cases/{case.public_id}/negotiation/{query}", user, origin=origin)


async def join(case, user, *, after_id: int | None = None) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    communicator = await connect(case, user, after_id=after_id)
    connected, _code = await communicator.connect()
    assert connected
    hello = await communicator.receive_json_from()
    assert hello["type"] == "hello"
    return communicator, hello


@pytest.fixture(autouse=True)
def _fresh_rate_limits_and_layer():
    ratelimit.reset()
    yield
    # Each test runs in its own event loop; a Redis layer's connections belong to the loop that made them.
    channel_layers.backends.clear()


async def test_message_reaches_the_other_party_and_is_stored_first(negotiation_case, claimant, respondent):
    alice, _ = await join(negotiation_case, claimant)
    bob, _ = await join(negotiation_case, respondent)
    await alice.send_json_to({"type": "message.send", "body": "Would HK$8,000 work?", "ref": "m1"})
    frame = await next_of(bob, "message")
    assert frame["message"]["body"] == "Would HK$8,000 work?"
    assert frame["message"]["sender_role"] == "claimant"
    stored = await database_sync_to_async(Message.objects.get)(pk=frame["message"]["id"])
    assert stored.body == "Would HK$8,000 work?"
    ack = await next_of(alice, "ack")
    assert ack["message_id"] == stored.pk
    assert ack["ref"] == "m1"
    await alice.disconnect()
    await bob.disconnect()


async def test_history_sync_and_older_pages(negotiation_case, claimant, respondent):
    @database_sync_to_async
    def seed():
        for i in range(35):
            Message.objects.create(case=negotiation_case, sender=claimant, sender_role="claimant", body=f"m{i}")
        return list(Message.objects.values_list("id", flat=True).order_by("id"))

    ids = await seed()
    bob, hello = await join(negotiation_case, respondent)
    assert [m["body"] for m in hello["messages"]] == [f"m{i}" for i in range(5, 35)]
    assert hello["has_more"] is True
    await bob.send_json_to({"type": "history", "before_id": hello["messages"][0]["id"]})
    older = await next_of(bob, "history")
    assert [m["body"] for m in older["messages"]] == [f"m{i}" for i in range(5)]
    assert older["has_more"] is False
    await bob.send_json_to({"type": "sync", "after_id": ids[30]})
    synced = await next_of(bob, "sync")
    assert synced["messages"] == []  # m31 to m34 came with the hello: a socket sends each message once
    assert synced["state"]["case"]["status"] == "negotiation"
    await bob.disconnect()
    # A client holding up to m30 says so when it connects; its hello brings the rest, and a sync then none.
    bob, hello = await join(negotiation_case, respondent, after_id=ids[30])
    assert [m["body"] for m in hello["messages"]] == ["m31", "m32", "m33", "m34"]
    assert (hello["after_id"], hello["has_more"]) == (ids[30], False)
    await bob.send_json_to({"type": "sync", "after_id": ids[20]})
    assert [m["body"] for m in (await next_of(bob, "sync"))["messages"]] == [f"m{i}" for i in range(21, 31)]
    await bob.disconnect()


async def test_presence_and_typing(negotiation_case, claimant, respondent):
    alice, hello = await join(negotiation_case, claimant)
    assert hello["state"]["online"] == ["claimant"]
    bob, _ = await join(negotiation_case, respondent)
    presence = await next_of(alice, "presence", where=lambda f: len(f["online"]) == 2)
    assert presence["online"] == ["claimant", "respondent"]
    await bob.send_json_to({"type": "typing", "active": True})
    typing = await next_of(alice, "typing")
    assert typing == {"type": "typing", "role": "respondent", "active": True}
    # The typist does not get its own indicator back.
    assert all(f["type"] != "typing" for f in await drain(bob))
    await bob.disconnect()
    assert (await next_of(alice, "presence", where=lambda f: len(f["online"]) == 1))["online"] == ["claimant"]
    await alice.disconnect()


async def test_unauthenticated_outsider_and_foreign_origin_are_refused(negotiation_case, outsider, claimant):
    anonymous = await connect(negotiation_case)
    connected, code = await anonymous.connect()
    assert not connected
    assert code == 4401
    stranger = await connect(negotiation_case, outsider)
    connected, code = await stranger.connect()
    assert not connected
    assert code == 4404
    foreign = await connect(negotiation_case, claimant, origin=b"https://evil.example")
    connected, _code = await foreign.connect()
    assert not connected


async def test_administrator_reads_but_cannot_write(negotiation_case, claimant, administrator):
    admin, hello = await join(negotiation_case, administrator)
    assert hello["state"]["can_write"] is False
    await admin.send_json_to({"type": "message.send", "body": "hello"})
    error = await next_of(admin, "error")
    assert error["code"] == "forbidden"
    alice, _ = await join(negotiation_case, claimant)
    await alice.send_json_to({"type": "message.send", "body": "for the record"})
    assert (await next_of(admin, "message"))["message"]["body"] == "for the record"
    await admin.disconnect()
    await alice.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "invalid_json"),
        (json.dumps({"no": "type"}), "invalid"),
        (json.dumps({"type": "launch.missiles"}), "unknown_type"),
        (json.dumps({"type": "message.send", "body": "x" * 70000}), "too_large"),
        (json.dumps({"type": "message.send", "body": "x" * 20000}), "rejected"),  # longer than a message may be
        (json.dumps({"type": "message.send", "body": "   "}), "invalid"),
        (json.dumps({"type": "message.send", "body": "nul \u0000 here"}), "rejected"),
        (json.dumps({"type": "message.send", "body": "lone \udc00 surrogate"}), "invalid"),
        (json.dumps({"type": "offer.make", "amount": "-5", "terms": "x"}), "rejected"),
        (json.dumps({"type": "offer.make", "amount": "1e30", "terms": "x"}), "invalid"),
        (json.dumps({"type": "offer.make", "amount": "NaN", "terms": "x"}), "invalid"),
        (json.dumps({"type": "offer.make", "amount": "99999999", "terms": "x"}), "rejected"),
        (json.dumps({"type": "offer.make", "amount": "10.001", "terms": "x"}), "rejected"),
        (json.dumps({"type": "offer.accept", "offer_id": "abc", "confirm": True}), "invalid"),
        (json.dumps({"type": "offer.accept", "offer_id": 999999, "confirm": True}), "rejected"),
        (json.dumps({"type": "offer.accept", "offer_id": 999999, "confirm": "yes"}), "confirm_required"),
        (
            json.dumps({"type": "message.send", "body": "x", "document_id": "00000000-0000-0000-0000-000000000000"}),
            "rejected",
        ),
        (json.dumps({"type": "message.send", "body": "x", "document_id": "not-a-uuid"}), "rejected"),
        (json.dumps({"type": "offer.make", "amount": "10", "terms": "", "expires_at": "2026-13-01T10:00"}), "invalid"),
        (json.dumps({"type": "offer.make", "amount": "10", "terms": "", "pay_by": "2026-02-30"}), "invalid"),
        (json.dumps({"type": "offer.make", "amount": "10", "terms": "", "pay_by": "2020-01-01"}), "invalid"),
        (json.dumps({"type": "offer.make", "amount": "10", "terms": "", "pay_by": "2099-12-31"}), "invalid"),
        (json.dumps({"type": "offer.make", "amount": "10", "terms": "", "pay_by": 20261231}), "invalid"),
        (json.dumps({"type": "history", "before_id": 10**30}), "invalid"),
        (json.dumps({"type": "sync", "after_id": 2**63}), "invalid"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_usable(negotiation_case, claimant, frame, code):
    alice, _ = await join(negotiation_case, claimant)
    await alice.send_to(text_data=frame)
    error = await next_of(alice, "error")
    assert error["code"] == code
    assert error["message"]
    await alice.send_json_to({"type": "message.send", "body": "still here"})
    assert (await next_of(alice, "message"))["message"]["body"] == "still here"
    assert await database_sync_to_async(Offer.objects.count)() == 0
    stored = await database_sync_to_async(list)(Message.objects.values_list("body", flat=True))
    assert stored == ["still here"]
    await alice.disconnect()


async def test_flood_is_rate_limited(negotiation_case, claimant, settings):
    settings.ODR_ROOM_RATE_BURST = 3
    settings.ODR_ROOM_RATE_PER_SECOND = 1
    alice, _ = await join(negotiation_case, claimant)
    for i in range(6):
        await alice.send_json_to({"type": "message.send", "body": f"spam {i}"})
    frames = await drain(alice)
    assert sum(f["type"] == "ack" for f in frames) == 3
    assert sum(f["type"] == "error" and f["code"] == "rate_limited" for f in frames) == 3
    assert await database_sync_to_async(Message.objects.count)() == 3
    await alice.disconnect()


async def test_removed_party_stops_receiving_at_once(negotiation_case, claimant, respondent):
    alice, _ = await join(negotiation_case, claimant)
    bob, _ = await join(negotiation_case, respondent)
    await drain(alice)
    await drain(bob)

    @database_sync_to_async
    def remove_bob():
        # The respondent's seat passes to someone else (saved like any change, so the room hears of it).
        party = CaseParty.objects.get(case=negotiation_case, role="respondent")
        party.user = claimant
        party.save()

    await remove_bob()
    await alice.send_json_to({"type": "message.send", "body": "secret after removal"})
    outputs = []
    while not outputs or outputs[-1]["type"] != "websocket.close":
        outputs.append(await bob.receive_output(timeout=2))
    assert "secret after removal" not in json.dumps(outputs)
    await alice.disconnect()


async def test_change_behind_the_models_back_is_caught_by_the_periodic_recheck(
    negotiation_case, claimant, respondent, settings
):
    settings.ODR_ROOM_ACCESS_RECHECK_SECONDS = 1
    alice, _ = await join(negotiation_case, claimant)
    bob, _ = await join(negotiation_case, respondent)
    await drain(bob)
    await database_sync_to_async(
        lambda: CaseParty.objects.filter(case=negotiation_case, role="respondent").update(user=claimant)
    )()
    await asyncio.sleep(1.1)
    await alice.send_json_to({"type": "message.send", "body": "after a raw update"})
    outputs = []
    while not outputs or outputs[-1]["type"] != "websocket.close":
        outputs.append(await bob.receive_output(timeout=2))
    assert "after a raw update" not in json.dumps(outputs)
    await alice.disconnect()


async def test_offer_made_and_accepted_moves_case_to_settlement(negotiation_case, claimant, respondent):
    alice, _ = await join(negotiation_case, claimant)
    bob, _ = await join(negotiation_case, respondent)
    await bob.send_json_to({"type": "offer.make", "amount": "9000.50", "terms": "Paid within 14 days."})
    offer = (await next_of(alice, "offer"))["offer"]
    assert (offer["amount"], offer["maker_role"], offer["status"]) == ("9000.50", "respondent", "open")
    await alice.send_json_to({"type": "offer.accept", "offer_id": offer["id"], "confirm": True})
    status = await next_of(bob, "case_status")
    assert status["case"]["status"] == "settlement"
    assert status["case"]["settlement_amount"] == "9000.50"
    assert status["case"]["settlement_terms"] == "Paid within 14 days."
    await negotiation_case.arefresh_from_db()
    assert negotiation_case.status == CaseStatus.SETTLEMENT
    # Negotiation is over: further offers get an error frame.
    await alice.send_json_to({"type": "offer.make", "amount": "1", "terms": ""})
    assert (await next_of(alice, "error"))["code"] in ("forbidden", "rejected")
    await alice.disconnect()
    await bob.disconnect()


async def test_an_offer_over_the_socket_carries_its_date_to_pay_by(negotiation_case, claimant, respondent):
    from datetime import date

    from django.utils import timezone

    pay_by = date(timezone.localdate().year, 12, 31)
    alice, _ = await join(negotiation_case, claimant)
    bob, _ = await join(negotiation_case, respondent)
    await bob.send_json_to({"type": "offer.make", "amount": "10", "terms": "", "pay_by": "2020-01-01", "ref": "p"})
    error = await next_of(bob, "error")
    assert (error["code"], error["ref"]) == ("invalid", "p")
    assert error["message"] == "The date to pay by cannot be in the past."
    assert await database_sync_to_async(Offer.objects.count)() == 0
    await bob.send_json_to({"type": "offer.make", "amount": "9000", "terms": "", "pay_by": pay_by.isoformat()})
    offer = (await next_of(alice, "offer"))["offer"]
    assert offer["pay_by"] == pay_by.isoformat()
    assert (await database_sync_to_async(Offer.objects.get)()).pay_by == pay_by
    await alice.send_json_to({"type": "offer.accept", "offer_id": offer["id"], "confirm": True})
    status = await next_of(bob, "case_status")
    assert status["case"]["settlement_pay_by"] == pay_by.isoformat()
    await alice.disconnect()
    await bob.disconnect()


async def test_a_refused_date_is_explained_in_the_rooms_language(negotiation_case, respondent):
    bob = await connect(negotiation_case, respondent)
    bob.scope["headers"].append((b"accept-language", b"zh-hant"))
    connected, _code = await bob.connect()
    assert connected
    await bob.send_json_to({"type": "offer.make", "amount": "10", "terms": "", "pay_by": "2020-01-01"})
    error = await next_of(bob, "error")
    assert error["message"] == "付款限期不能為過去的日期。"
    await bob.disconnect()


async def test_two_accepts_and_accept_versus_withdraw_resolve_to_one_outcome(negotiation_case, claimant, respondent):
    bob, _ = await join(negotiation_case, respondent)
    await bob.send_json_to({"type": "offer.make", "amount": "5000", "terms": "t"})
    offer_id = (await next_of(bob, "ack"))["offer_id"]
    alice1, _ = await join(negotiation_case, claimant)
    alice2, _ = await join(negotiation_case, claimant)
    await asyncio.gather(
        alice1.send_json_to({"type": "offer.accept", "offer_id": offer_id, "confirm": True, "ref": "a"}),
        alice2.send_json_to({"type": "offer.accept", "offer_id": offer_id, "confirm": True, "ref": "b"}),
        bob.send_json_to({"type": "offer.withdraw", "offer_id": offer_id, "ref": "w"}),
    )
    results = []
    for communicator in (alice1, alice2, bob):
        frames = await drain(communicator)
        results += [(f["type"], f.get("ref")) for f in frames if f["type"] in ("ack", "error")]
    winners = [r for r in results if r[0] == "ack"]
    assert len(winners) == 1, results
    assert len([r for r in results if r[0] == "error"]) == 2
    offer = await database_sync_to_async(Offer.objects.get)(pk=offer_id)
    assert offer.status in ("accepted", "withdrawn")
    await negotiation_case.arefresh_from_db()
    assert (negotiation_case.status == CaseStatus.SETTLEMENT) == (offer.status == "accepted")
    for communicator in (alice1, alice2, bob):
        await communicator.disconnect()


async def test_blind_bid_figures_never_reach_the_other_party(negotiation_case, claimant, respondent, administrator):
    alice, _ = await join(negotiation_case, claimant)
    bob, _ = await join(negotiation_case, respondent)
    admin, _ = await join(negotiation_case, administrator)
    # Round 1: demand 12,000.00, offer 3,210.00: too far apart (gap is max(30% of 12,000, 5,000) = 5,000).
    await alice.send_json_to({"type": "bid.submit", "amount": "12000.00"})
    await asyncio.sleep(0.2)
    await bob.send_json_to({"type": "bid.submit", "amount": "3210.00"})
    await asyncio.sleep(0.5)
    # Every frame each socket received, none skipped.
    seen_by = {}
    for name, communicator in (("alice", alice), ("bob", bob), ("admin", admin)):
        seen_by[name] = json.dumps(await drain(communicator))
    assert '"outcome": "no_settlement"' in seen_by["alice"]
    assert '"outcome": "no_settlement"' in seen_by["bob"]
    assert "3210" not in seen_by["alice"]
    assert "12000" not in seen_by["bob"]
    assert "3210" not in seen_by["admin"]
    assert "12000" not in seen_by["admin"]
    # Reconnecting state shows only one's own figure.
    _, hello = await join(negotiation_case, respondent)
    assert hello["state"]["my_bid_figures"] == {"1": "3210.00"}
    assert "12000" not in json.dumps(hello)
    entries = await database_sync_to_async(lambda: json.dumps(list(AuditEntry.objects.values("data"))))()
    assert "3210" not in entries
    assert "12000" not in entries
    # Round 2: offer within the gap: settles at the midpoint of 11,000.00 and 8,000.00.
    await alice.send_json_to({"type": "bid.submit", "amount": "11000.00"})
    await bob.send_json_to({"type": "bid.submit", "amount": "8000.00"})
    status = await next_of(alice, "case_status")
    assert status["case"]["status"] == "settlement"
    assert status["case"]["settlement_amount"] == "9500.00"
    for communicator in (alice, bob, admin):
        await communicator.disconnect()


async def test_reconnect_catches_up_exactly_once(negotiation_case, claimant, respondent):
    alice, _ = await join(negotiation_case, claimant)
    bob, _ = await join(negotiation_case, respondent)
    await alice.send_json_to({"type": "message.send", "body": "before the gap"})
    last_seen = (await next_of(bob, "message"))["message"]["id"]
    await bob.disconnect()  # bob's connection drops
    for text in ("during the gap 1", "during the gap 2"):
        await alice.send_json_to({"type": "message.send", "body": text})
        await next_of(alice, "ack")
    # The page's client reconnects saying the newest message it holds: its hello brings what it missed.
    bob, hello = await join(negotiation_case, respondent, after_id=last_seen)
    assert [m["body"] for m in hello["messages"]] == ["during the gap 1", "during the gap 2"]
    assert (hello["after_id"], hello["has_more"]) == (last_seen, False)
    # The socket never sends a message twice: a sync over the same span brings nothing more.
    await bob.send_json_to({"type": "sync", "after_id": last_seen})
    assert (await next_of(bob, "sync"))["messages"] == []
    await alice.send_json_to({"type": "message.send", "body": "after the gap"})
    await next_of(alice, "ack")
    assert [f["message"]["body"] for f in await drain(bob) if f["type"] == "message"] == ["after the gap"]
    await alice.disconnect()
    await bob.disconnect()


async def test_a_message_whose_broadcast_never_came_is_caught_up(negotiation_case, claimant, respondent):
    """Stored, then never broadcast (its Daphne process was killed in between): the next message shows the
    gap, so every socket gets the missing one first; with no next message, the page's ping finds it."""
    alice, _ = await join(negotiation_case, claimant)
    bob, _ = await join(negotiation_case, respondent)

    @database_sync_to_async
    def store_without_broadcast(body: str) -> None:
        Message.objects.create(case=negotiation_case, sender=claimant, sender_role="claimant", body=body)

    await store_without_broadcast("never broadcast 1")
    await alice.send_json_to({"type": "message.send", "body": "the next one", "ref": "n"})
    await next_of(alice, "ack")
    for communicator in (alice, bob):
        frames = await drain(communicator)
        assert [f["message"]["body"] for f in frames if f["type"] == "message"] == ["never broadcast 1", "the next one"]
    await store_without_broadcast("never broadcast 2")
    await bob.send_json_to({"type": "ping"})
    frames = [f for f in await drain(bob) if f["type"] in ("message", "pong")]
    assert [(f["type"], f.get("message", {}).get("body")) for f in frames] == [
        ("message", "never broadcast 2"),
        ("pong", None),
    ]
    await bob.send_json_to({"type": "ping"})  # and only once
    assert [f["type"] for f in await drain(bob) if f["type"] in ("message", "pong")] == ["pong"]
    await alice.disconnect()
    await bob.disconnect()
