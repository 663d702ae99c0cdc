"""The access sweep (websockets): every consumer route and every message type it accepts, per persona.

For each room: the personas who may connect (everyone else is refused at connect: 4401 signed out, 4404
signed in, and the refusal is recorded in the security event log), and for each message type the personas
whose frames may act. A persona who may connect but whose role may not use a type gets an error frame and
nothing changes (every table of the platform keeps its rows, every case its state). Types that change
nothing (reads, pings) are also sent by every persona allowed them, who must get their answer.

The type lists are read from the consumers' own dispatch tables (``HANDLERS``): a type the consumer accepts
that is missing here fails ``test_every_message_type_is_in_the_table``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers

from cases.models import NeutralRole, SecurityEvent
from deals.consumers import DealConsumer
from mediation.consumers import MediationRoomConsumer
from negotiation.consumers import NegotiationConsumer
from odr import ratelimit
from tests.state import platform_snapshot
from tests.ws import communicator_for, drain, next_of

PERSONAS = (
    "claimant",
    "respondent",
    "mediator",
    "other mediator",
    "arbitrator",
    "administrator",
    "outsider",
    "anonymous",
)
PARTIES = frozenset({"claimant", "respondent"})

# --- The negotiation room: /ws/cases/<case>/negotiation/ (the case in negotiation; "mediator" is assigned to it)
NEGOTIATION_CONNECT = PARTIES | {"administrator"}  # administrators read the room
NEGOTIATION_READERS = NEGOTIATION_CONNECT
# type: (who may act, the frame, the answer a reader gets (None: nothing, for a write not made here))
NEGOTIATION_TYPES: dict[str, tuple[frozenset[str], dict[str, Any], str | None]] = {
    "history": (NEGOTIATION_READERS, {"before_id": 1}, "history"),
    "sync": (NEGOTIATION_READERS, {"after_id": 0}, "sync"),
    "read": (NEGOTIATION_READERS, {"up_to": 0}, ""),  # "": no answer at all
    "ping": (NEGOTIATION_READERS, {}, "pong"),
    "typing": (PARTIES, {"active": True}, ""),
    "message.send": (PARTIES, {"body": "Let us settle."}, None),
    "offer.make": (PARTIES, {"amount": "9000", "terms": "Within 14 days"}, None),
    "offer.counter": (PARTIES, {"offer_id": "OFFER", "amount": "9500", "terms": "Within 7 days"}, None),
    "offer.accept": (PARTIES, {"offer_id": "OFFER", "confirm": True}, None),
    "offer.reject": (PARTIES, {"offer_id": "OFFER"}, None),
    "offer.withdraw": (PARTIES, {"offer_id": "OFFER"}, None),
    "bid.submit": (PARTIES, {"amount": "9000"}, None),
    "extension.request": (PARTIES, {}, None),
    "mediation.request": (PARTIES, {}, None),
}

# --- The video room: /ws/mediation/<session>/ (the live session of the case in mediation)
MEDIATION_CONNECT = PARTIES | {"mediator"}  # the case's mediator and parties; administrators do not join
MEDIATION_TYPES: dict[str, tuple[frozenset[str], dict[str, Any], str | None]] = {
    "ping": (MEDIATION_CONNECT, {}, "pong"),
    "signal": (MEDIATION_CONNECT, {"to": "PEER", "data": {"candidate": None}}, None),
    "chat": (MEDIATION_CONNECT, {"body": "Hello"}, None),
    "admit": (frozenset({"mediator"}), {"peer": "PEER"}, None),
    "caucus.start": (frozenset({"mediator"}), {"party": "respondent"}, None),
    "caucus.end": (frozenset({"mediator"}), {}, None),
}

# --- The deal room: /ws/deals/<deal>/ (the claimant's business and the respondent's negotiate a deal's text)
DEAL_CONNECT = PARTIES  # the deal's two businesses' people only; the Centre's staff and neutrals do not see deals
DEAL_PROPOSAL = {"target_kind": "clause", "target_key": "delivery", "base_version": 1, "text": {"en": "Unloaded."}}
DEAL_TYPES: dict[str, tuple[frozenset[str], dict[str, Any], str | None]] = {
    "ping": (DEAL_CONNECT, {}, "pong"),
    "typing": (DEAL_CONNECT, {"target": "clause:delivery", "active": True}, ""),
    "proposal.make": (DEAL_CONNECT, DEAL_PROPOSAL, None),
    "proposal.accept": (DEAL_CONNECT, {"proposal_id": "PROPOSAL"}, None),
    "proposal.reject": (DEAL_CONNECT, {"proposal_id": "PROPOSAL"}, None),
    "proposal.withdraw": (DEAL_CONNECT, {"proposal_id": "PROPOSAL"}, None),
    "comment.post": (DEAL_CONNECT, {"target_kind": "clause", "target_key": "delivery", "body": "Why?"}, None),
    "final.mark": (DEAL_CONNECT, {"version": 1}, None),
    "final.unmark": (DEAL_CONNECT, {}, None),
}


@pytest.mark.parametrize(
    ("consumer", "table"),
    [(NegotiationConsumer, NEGOTIATION_TYPES), (MediationRoomConsumer, MEDIATION_TYPES), (DealConsumer, DEAL_TYPES)],
)
def test_every_message_type_is_in_the_table(consumer, table):
    assert set(table) == set(consumer.HANDLERS), f"{consumer.__name__}: types missing from, or stale in, the table"


def test_every_websocket_route_is_a_room_on_the_one_base():
    """The Origin check, sign-in, the limits and the per-frame access check are the websocket base's
    (``odr.sockets.RoomConsumer``; no middleware does them): a route whose consumer is not a subclass would
    have none of them. And every route is swept here."""
    from odr.routing import websocket_urlpatterns
    from odr.sockets import RoomConsumer

    consumers = {route.callback.consumer_class for route in websocket_urlpatterns}
    assert consumers == {NegotiationConsumer, MediationRoomConsumer, DealConsumer}
    assert all(issubclass(consumer, RoomConsumer) for consumer in consumers)


# --- The machinery --------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_rate_limits_and_layer(settings):
    settings.ODR_ROOM_RATE_BURST = 100  # every type from one socket, without tripping the flood limit
    ratelimit.reset()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def people(claimant, respondent, mediator, arbitrator, administrator, outsider, db):
    from cases.roles_setup import MEDIATOR_GROUP
    from tests.conftest import make_user

    return {
        "claimant": claimant,
        "respondent": respondent,
        "mediator": mediator,
        "other mediator": make_user("otto", MEDIATOR_GROUP, mfa=True),
        "arbitrator": arbitrator,
        "administrator": administrator,
        "outsider": outsider,
        "anonymous": None,
    }


snapshot = database_sync_to_async(platform_snapshot)


@database_sync_to_async
def _refusals() -> int:
    return SecurityEvent.objects.count()


async def _connect(path: str, user: Any) -> tuple[Any, bool, int | None]:
    communicator = await communicator_for(path, user)
    connected, code = await communicator.connect()
    return communicator, connected, code


def _frame(kind: str, body: dict[str, Any], fill: dict[str, Any]) -> dict[str, Any]:
    filled = {key: fill.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    return {"type": kind, **filled, "ref": kind}


async def _refused_connects(path: str, people: dict[str, Any], allowed: frozenset[str]) -> list[str]:
    wrong = []
    before = await _refusals()
    for persona in PERSONAS:
        if persona in allowed:
            continue
        communicator, connected, code = await _connect(path, people[persona])
        expected = 4401 if persona == "anonymous" else 4404
        if connected or code != expected:
            wrong.append(f"{persona} connected={connected} code={code}, expected refused with {expected}")
            await communicator.disconnect()
    refused = len(PERSONAS) - len(allowed)
    if await _refusals() - before != refused:
        wrong.append(f"{await _refusals() - before} refusals recorded, expected {refused}")
    return wrong


async def _wrong_role_frames(
    sockets: dict[str, Any], table: dict[str, tuple[frozenset[str], dict[str, Any], str | None]], fill: dict[str, Any]
) -> list[str]:
    """Every connected persona sends every type its role may not use: an error frame each, and no change."""
    wrong = []
    before = await snapshot()
    for persona, communicator in sockets.items():
        for kind, (allowed, body, _answer) in table.items():
            if persona in allowed:
                continue
            await communicator.send_json_to(_frame(kind, body, fill))
            frame = await next_of(communicator, "error", where=lambda f, k=kind: f.get("ref") == k)
            if frame["code"] not in ("forbidden", "not_in_room"):
                wrong.append(f"{persona} {kind}: error {frame['code']}")
    if await snapshot() != before:
        wrong.append("a refused frame changed something")
    return wrong


async def _reads(
    sockets: dict[str, Any], table: dict[str, tuple[frozenset[str], dict[str, Any], str | None]], fill: dict[str, Any]
) -> list[str]:
    """Every connected persona sends every type it may use that changes nothing, and gets its answer."""
    wrong = []
    for persona, communicator in sockets.items():
        for kind, (allowed, body, answer) in table.items():
            if persona not in allowed or answer is None:
                continue
            await drain(communicator, quiet=0.05)
            await communicator.send_json_to(_frame(kind, body, fill))
            frames = await drain(communicator)
            kinds = [f["type"] for f in frames]
            if "error" in kinds or (answer and answer not in kinds):
                wrong.append(f"{persona} {kind}: got {kinds}, expected {answer or 'nothing'}")
    return wrong


# --- The sweeps -----------------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_negotiation_room_by_persona(negotiation_case, people, assign, respondent):
    from negotiation.services.offers import offer_make

    @database_sync_to_async
    def setup():
        assign(negotiation_case, people["mediator"], NeutralRole.MEDIATOR)
        return offer_make(case=negotiation_case, user=respondent, amount=Decimal("8000"), terms="Within 14 days")

    offer = await setup()
    path = f"/ws/cases/{negotiation_case.public_id}/negotiation/"
    wrong = await _refused_connects(path, people, NEGOTIATION_CONNECT)
    sockets = {}
    for persona in sorted(NEGOTIATION_CONNECT):
        communicator, connected, code = await _connect(path, people[persona])
        assert connected, f"{persona} could not connect ({code})"
        assert (await communicator.receive_json_from())["type"] == "hello"
        sockets[persona] = communicator
    fill = {"OFFER": offer.pk}
    wrong += await _wrong_role_frames(sockets, NEGOTIATION_TYPES, fill)
    wrong += await _reads(sockets, NEGOTIATION_TYPES, fill)
    for communicator in sockets.values():
        await communicator.disconnect()
    assert not wrong, "negotiation room: " + "; ".join(wrong)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_video_room_by_persona(live_session, people):
    path = f"/ws/mediation/{live_session.public_id}/"
    wrong = await _refused_connects(path, people, MEDIATION_CONNECT)
    sockets, peers = {}, {}
    for persona in ("mediator", "claimant", "respondent"):  # the mediator first: the parties wait for them
        communicator, connected, code = await _connect(path, people[persona])
        assert connected, f"{persona} could not connect ({code})"
        hello = await next_of(communicator, "hello")
        sockets[persona], peers[persona] = communicator, hello["peer"]
    # The claimant is admitted to the joint room; the respondent still waits.
    await sockets["mediator"].send_json_to({"type": "admit", "peer": peers["claimant"]})
    await next_of(sockets["claimant"], "moved")
    for communicator in sockets.values():
        await drain(communicator)
    # A party admitting the one still waiting, or starting a caucus, is refused; the waiting party cannot
    # signal or chat (not admitted yet).
    waiting_only = {"respondent": sockets["respondent"]}
    wrong += await _wrong_role_frames(
        {"claimant": sockets["claimant"], **waiting_only}, MEDIATION_TYPES, {"PEER": peers["respondent"]}
    )
    before = await snapshot()
    for kind in ("signal", "chat"):
        await sockets["respondent"].send_json_to(_frame(kind, MEDIATION_TYPES[kind][1], {"PEER": peers["mediator"]}))
        frame = await next_of(sockets["respondent"], "error", where=lambda f, k=kind: f.get("ref") == k)
        if frame["code"] != "not_in_room":
            wrong.append(f"waiting respondent {kind}: error {frame['code']}")
    if await snapshot() != before:
        wrong.append("a waiting party's frame changed something")
    wrong += await _reads(sockets, MEDIATION_TYPES, {})
    for communicator in sockets.values():
        await communicator.disconnect()
    assert not wrong, "video room: " + "; ".join(wrong)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_deal_room_by_persona(negotiating_deal, people, respondent):
    """Every persona outside the deal is refused at connect (the Centre's administrators too); the two
    businesses' people may send every type, and each read gets its answer. A person removed from a deal while
    connected is refused at the next frame (tests/deals/test_consumer.py)."""
    from deals.services.redlines import proposal_make

    proposal = await database_sync_to_async(proposal_make)(
        deal=negotiating_deal, user=respondent, target_kind="field", target_key="price", base_version=1, value="35000"
    )
    path = f"/ws/deals/{negotiating_deal.public_id}/"
    wrong = await _refused_connects(path, people, DEAL_CONNECT)
    sockets = {}
    for persona in sorted(DEAL_CONNECT):
        communicator, connected, code = await _connect(path, people[persona])
        assert connected, f"{persona} could not connect ({code})"
        assert (await communicator.receive_json_from())["type"] == "hello"
        sockets[persona] = communicator
    fill = {"PROPOSAL": proposal.pk}
    wrong += await _wrong_role_frames(sockets, DEAL_TYPES, fill)
    wrong += await _reads(sockets, DEAL_TYPES, fill)
    for communicator in sockets.values():
        await communicator.disconnect()
    assert not wrong, "deal room: " + "; ".join(wrong)
