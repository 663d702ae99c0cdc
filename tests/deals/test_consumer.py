"""The deal room over a real ASGI stack (auth, origin check, router) with WebsocketCommunicator: Alice's business
(the initiator) and Bob's (the counterparty) negotiate the text of ``negotiating_deal`` live."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from cases.models import SecurityEvent
from deals.models import Comment, Deal, DealParty, DealPresence, DealStatus, Proposal, ProposalStatus
from deals.realtime import broadcast_deal_on_commit
from odr import ratelimit
from tests.ws import communicator_for, drain, next_of

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

NEW_DELIVERY = "The Seller delivers the goods to the place of delivery by the delivery date, unloaded."


async def connect(deal: Deal, user: Any = None) -> WebsocketCommunicator:
    return await communicator_for(f"/ws/deals/{deal.public_id}/", user)


async def join(deal: Deal, user: Any) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    communicator = await connect(deal, user)
    connected, code = await communicator.connect()
    assert connected, code
    hello = await communicator.receive_json_from()
    assert hello["type"] == "hello"
    return communicator, hello


def delivery(text: str = NEW_DELIVERY, ref: str = "p") -> dict[str, Any]:
    return {
        "type": "proposal.make",
        "target_kind": "clause",
        "target_key": "delivery",
        "base_version": 1,
        "action": "change",
        "text": {"en": text},
        "note": "Unloading is part of delivery.",
        "ref": ref,
    }


async def outputs_until_closed(communicator: WebsocketCommunicator) -> list[dict[str, Any]]:
    outputs = [await communicator.receive_output(timeout=2)]
    while outputs[-1]["type"] != "websocket.close":
        outputs.append(await communicator.receive_output(timeout=2))
    return outputs


@pytest.fixture(autouse=True)
def _fresh_rate_limits_and_layer():
    ratelimit.reset()
    yield
    # Each test runs in its own event loop; a Redis layer's connections belong to the loop that made them.
    channel_layers.backends.clear()


async def test_outsiders_and_the_signed_out_are_refused_and_recorded(negotiating_deal, outsider, administrator):
    before = await database_sync_to_async(SecurityEvent.objects.count)()
    anonymous = await connect(negotiating_deal)
    assert await anonymous.connect() == (False, 4401)
    for person in (outsider, administrator):  # the Centre's staff too: a deal is the businesses' own
        stranger = await connect(negotiating_deal, person)
        assert await stranger.connect() == (False, 4404)
    assert await database_sync_to_async(SecurityEvent.objects.count)() == before + 3
    assert not await database_sync_to_async(DealPresence.objects.exists)()


async def test_hello_presence_per_business(negotiating_deal, claimant, respondent):
    alice, hello = await join(negotiating_deal, claimant)
    assert hello == {
        "type": "hello",
        "version": 1,
        "status": "negotiating",
        "side": "initiator",
        "online": ["initiator"],
    }
    bob, hello = await join(negotiating_deal, respondent)
    assert hello["online"] == ["counterparty", "initiator"]
    presence = await next_of(alice, "presence", where=lambda f: len(f["online"]) == 2)
    assert presence["online"] == ["counterparty", "initiator"]
    await bob.disconnect()
    assert (await next_of(alice, "presence", where=lambda f: len(f["online"]) == 1))["online"] == ["initiator"]
    await alice.disconnect()
    assert not await database_sync_to_async(DealPresence.objects.exists)()


async def test_a_proposal_reaches_the_other_side_and_is_accepted(negotiating_deal, claimant, respondent):
    alice, _ = await join(negotiating_deal, claimant)
    bob, _ = await join(negotiating_deal, respondent)
    await bob.send_json_to(delivery())
    ack = await next_of(bob, "ack")
    proposal = await database_sync_to_async(Proposal.objects.get)()
    assert (ack["ref"], ack["proposal_id"]) == ("p", proposal.pk)
    assert (proposal.after["text"]["en"], proposal.note, proposal.side) == (
        NEW_DELIVERY,
        "Unloading is part of delivery.",
        "counterparty",
    )
    changed = await next_of(alice, "changed")
    assert changed == {"type": "changed", "kind": "proposal", "data": {"id": proposal.pk, "target": "clause:delivery"}}
    await alice.send_json_to({"type": "proposal.accept", "proposal_id": proposal.pk, "ref": "a"})
    assert (await next_of(alice, "ack"))["version"] == 2
    changed = await next_of(bob, "changed", where=lambda f: f["kind"] == "version")
    assert changed["data"] == {"number": 2, "target": "clause:delivery"}
    await negotiating_deal.arefresh_from_db()
    assert negotiating_deal.current_version == 2
    await alice.disconnect()
    await bob.disconnect()


async def test_every_other_frame_acts_and_reaches_the_other_side(negotiating_deal, claimant, respondent):
    alice, _ = await join(negotiating_deal, claimant)
    bob, _ = await join(negotiating_deal, respondent)
    field = {
        "type": "proposal.make",
        "target_kind": "field",
        "target_key": "price",
        "base_version": 1,
        "value": "35000",
    }
    steps: list[tuple[Any, dict[str, Any], str]] = [
        (bob, field, "proposal"),
        (alice, {"type": "proposal.reject", "proposal_id": "LAST"}, "proposal"),
        (bob, {**field, "value": "35500"}, "proposal"),
        (bob, {"type": "proposal.withdraw", "proposal_id": "LAST"}, "proposal"),
        (
            alice,
            {"type": "comment.post", "target_kind": "clause", "target_key": "delivery", "body": "Unloaded?"},
            "comment",
        ),
        (alice, {"type": "final.mark", "version": 1}, "final"),
        (alice, {"type": "final.unmark"}, "final"),
        (bob, {"type": "final.mark", "version": 1}, "final"),
        (alice, {"type": "final.mark", "version": 1}, "status"),
    ]
    for sender, frame, kind in steps:
        if frame.get("proposal_id") == "LAST":
            frame = {**frame, "proposal_id": (await database_sync_to_async(Proposal.objects.last)()).pk}
        await sender.send_json_to({**frame, "ref": frame["type"]})
        ack = await next_of(sender, "ack")
        assert ack["ref"] == frame["type"], ack
        peer = bob if sender is alice else alice
        assert (await next_of(peer, "changed"))["kind"] == kind, frame
        await drain(sender)  # its own change comes back to it too (the page refreshes from it)
        await drain(peer)
    statuses = await database_sync_to_async(lambda: list(Proposal.objects.values_list("status", flat=True)))()
    assert statuses == [ProposalStatus.REJECTED, ProposalStatus.WITHDRAWN]
    assert await database_sync_to_async(lambda: Comment.objects.get().body)() == "Unloaded?"
    await negotiating_deal.arefresh_from_db()
    assert (negotiating_deal.status, negotiating_deal.locked_version) == (DealStatus.SIGNING, 1)
    await alice.disconnect()
    await bob.disconnect()


async def test_a_refusal_is_the_services_message_and_nothing_changes(negotiating_deal, claimant, respondent):
    bob, _ = await join(negotiating_deal, respondent)
    await bob.send_json_to(delivery())
    proposal_id = (await next_of(bob, "ack"))["proposal_id"]
    await bob.send_json_to({"type": "proposal.accept", "proposal_id": proposal_id, "ref": 7})
    error = await next_of(bob, "error")
    assert error == {
        "type": "error",
        "code": "rejected",
        "message": "Your own proposal is for the other business to accept.",
        "ref": 7,
    }
    await bob.send_json_to({**delivery(), "base_version": 9, "ref": "stale"})
    error = await next_of(bob, "error")
    assert error["message"] == "The version you were reading (9) is not one of this deal's. Reload the page."
    assert await database_sync_to_async(Proposal.objects.count)() == 1
    await bob.disconnect()


async def test_the_refusal_is_in_the_language_of_the_socket(negotiating_deal, respondent):
    bob = await connect(negotiating_deal, respondent)
    bob.scope["headers"].append((b"accept-language", b"zh-hant"))
    assert (await bob.connect())[0]
    await bob.send_json_to({"type": "comment.post", "target_kind": "clause", "target_key": "delivery", "body": " "})
    error = await next_of(bob, "error")
    assert error["code"] == "rejected"
    assert error["message"] != "Write your comment."
    assert not error["message"].isascii()
    await bob.disconnect()


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "proposal.make", "target_kind": "clause", "target_key": "delivery", "base_version": "1"},
        {"type": "proposal.make", "target_kind": "clause", "target_key": "delivery", "base_version": 1, "text": "x"},
        {
            "type": "proposal.make",
            "target_kind": "clause",
            "target_key": "delivery",
            "base_version": 1,
            "text": {"fr": "x"},
        },
        {"type": "proposal.make", "target_kind": 3, "target_key": "delivery", "base_version": 1},
        {"type": "proposal.make", "target_kind": "field", "target_key": "price", "base_version": 1, "value": 35000},
        {"type": "proposal.accept", "proposal_id": True},
        {"type": "proposal.reject", "proposal_id": 2**64},
        {"type": "comment.post", "target_kind": "clause", "target_key": "delivery", "body": None},
        {"type": "final.mark", "version": "latest"},
        {"type": "typing", "target": "clause:../../etc", "active": True},
    ],
)
async def test_frames_of_the_wrong_shape_are_refused_and_the_socket_stays(negotiating_deal, respondent, frame):
    bob, _ = await join(negotiating_deal, respondent)
    await bob.send_json_to({**frame, "ref": "bad"})
    error = await next_of(bob, "error")
    assert (error["code"], error["ref"]) == ("invalid", "bad")
    await bob.send_json_to({"type": "ping"})
    assert (await next_of(bob, "pong"))["type"] == "pong"
    assert not await database_sync_to_async(Proposal.objects.exists)()
    await bob.disconnect()


async def test_two_accepts_on_one_clause_one_wins_the_other_is_told_why(negotiating_deal, claimant, respondent):
    bob, _ = await join(negotiating_deal, respondent)
    ids = []
    for n, text in enumerate((NEW_DELIVERY, "Delivery is to the Buyer's warehouse.")):
        await bob.send_json_to(delivery(text, ref=f"p{n}"))
        ids.append((await next_of(bob, "ack"))["proposal_id"])
    first, second = (await join(negotiating_deal, claimant))[0], (await join(negotiating_deal, claimant))[0]
    await asyncio.gather(
        first.send_json_to({"type": "proposal.accept", "proposal_id": ids[0], "ref": "one"}),
        second.send_json_to({"type": "proposal.accept", "proposal_id": ids[1], "ref": "two"}),
    )
    answers = [f for c in (first, second) for f in await drain(c) if f["type"] in ("ack", "error")]
    assert sorted(f["type"] for f in answers) == ["ack", "error"], answers
    (error,) = [f for f in answers if f["type"] == "error"]
    assert error["code"] == "rejected"
    assert "Another change to this part of the contract was accepted first (version 2)" in error["message"]
    statuses = await database_sync_to_async(lambda: sorted(Proposal.objects.values_list("status", flat=True)))()
    assert statuses == [ProposalStatus.ACCEPTED, ProposalStatus.OUTDATED]
    await negotiating_deal.arefresh_from_db()
    assert negotiating_deal.current_version == 2
    for communicator in (first, second, bob):
        await communicator.disconnect()


async def test_typing_goes_to_the_other_side_only(negotiating_deal, claimant, respondent):
    alice, _ = await join(negotiating_deal, claimant)
    bob, _ = await join(negotiating_deal, respondent)
    await drain(alice)
    await bob.send_json_to({"type": "typing", "target": "clause:delivery", "active": True})
    typing = await next_of(alice, "typing")
    assert typing == {"type": "typing", "side": "counterparty", "target": "clause:delivery", "active": True}
    assert all(f["type"] != "typing" for f in await drain(bob))
    await alice.disconnect()
    await bob.disconnect()


async def _remove_bob(deal: Deal, outsider: Any) -> None:
    # Bob's seat passes to someone else behind the services' back (no service removes a party): the socket
    # must notice by itself.
    await database_sync_to_async(
        lambda: DealParty.objects.filter(deal=deal, side="counterparty").update(user=outsider)
    )()


async def test_a_person_removed_mid_connection_is_refused_at_the_next_frame(negotiating_deal, respondent, outsider):
    bob, _ = await join(negotiating_deal, respondent)
    await _remove_bob(negotiating_deal, outsider)
    await bob.send_json_to({**delivery(), "ref": "after"})
    outputs = await outputs_until_closed(bob)
    frames = [json.loads(o["text"]) for o in outputs if o["type"] == "websocket.send"]
    answers = [(f["type"], f.get("code"), f.get("ref")) for f in frames if f["type"] != "presence"]
    assert answers == [("error", "forbidden", "after")]
    assert outputs[-1]["code"] == 4404
    assert not await database_sync_to_async(Proposal.objects.exists)()


async def test_a_person_removed_learns_nothing_more(negotiating_deal, claimant, respondent, outsider):
    """A change to a deal's people tells its sockets (an ``access`` event, deals.realtime): the removed person's
    socket decides again before delivering anything more, and is closed."""
    alice, _ = await join(negotiating_deal, claimant)
    bob, _ = await join(negotiating_deal, respondent)
    await drain(bob)
    await _remove_bob(negotiating_deal, outsider)
    await database_sync_to_async(lambda: broadcast_deal_on_commit(negotiating_deal.pk, "access"))()
    await alice.send_json_to({"type": "comment.post", "target_kind": "clause", "target_key": "delivery", "body": "Hi"})
    await next_of(alice, "ack")
    outputs = await outputs_until_closed(bob)
    assert [o["type"] for o in outputs] == ["websocket.close"]
    assert outputs[-1]["code"] == 4404
    await alice.disconnect()
