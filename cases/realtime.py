"""Real-time events for a case's room: persist first, then broadcast after the commit (Zulip's
``send_event_on_commit``). One Channels group per case room; the consumer re-checks access and
localises each event before it reaches a socket.

These are the core's events (the case's status, a signed document changed, someone joined or left) and the
means of sending any event; the negotiation room's own (messages, offers, bids) are in ``negotiation.realtime``.

The channel layer may drop messages under load; the database stays the record, and clients catch up
with a ``sync`` frame after any gap.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal, NotRequired, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from cases.models import Case
from cases.money import amount_text
from odr.layer_watch import LAYER_ERRORS, report_layer_failure


def room_group(case_id: int) -> str:
    return f"case-{case_id}-room"


class CaseStatusPayload(TypedDict):
    status: str
    outcome: str
    deadline_at: str | None
    settlement_amount: NotRequired[str | None]
    settlement_terms: NotRequired[str]
    settlement_pay_by: NotRequired[str | None]


class RoomEvent(TypedDict):
    kind: Literal["message", "offer", "bid", "case_status", "presence", "typing", "notice", "access", "document"]
    data: Any
    # The channel that caused it, so typing indicators are not echoed back.
    origin: NotRequired[str]
    # For a message: the id of the case's message before it (0 for the first), so a socket that never got
    # that one (its broadcast lost, say with the process that stored it) knows to catch up.
    prev_id: NotRequired[int]


def case_status_payload(case: Case) -> CaseStatusPayload:
    payload: CaseStatusPayload = {
        "status": case.status,
        "outcome": case.outcome,
        "deadline_at": case.deadline_at.isoformat() if case.deadline_at else None,
    }
    settlement = getattr(case, "settlement", None) if case.status != "negotiation" else None
    if settlement is not None:
        payload["settlement_amount"] = amount_text(settlement.amount)
        payload["settlement_terms"] = settlement.terms
        payload["settlement_pay_by"] = settlement.pay_by.isoformat() if settlement.pay_by else None
    return payload


# While a consumer runs a service in a worker thread, events are collected here instead of being sent
# from that thread; the consumer sends them from the event loop once the service has returned (after
# its commit). The database thread then never waits on the channel layer.
_collected: ContextVar[list[tuple[int, RoomEvent]] | None] = ContextVar("collected_room_events", default=None)


@contextmanager
def collect_room_events() -> Iterator[list[tuple[int, RoomEvent]]]:
    events: list[tuple[int, RoomEvent]] = []
    token = _collected.set(events)
    try:
        yield events
    finally:
        _collected.reset(token)


async def send_collected(events: list[tuple[int, RoomEvent]]) -> bool:
    """Send what a service produced. False if the channel layer failed: what it records is committed, so
    the caller still answers its client; the layer's watch then has every room socket reconnect and catch
    up from the database."""
    layer = get_channel_layer()
    if layer is None:
        return True
    for case_id, event in events:
        try:
            await layer.group_send(room_group(case_id), {"type": "room.event", "event": event})
        except LAYER_ERRORS as exc:
            report_layer_failure(exc)
            return False
    return True


def send_to_room(case_id: int, event: RoomEvent) -> None:
    """Send now (or hand to the collecting consumer). Ephemeral events such as typing and presence,
    which have no record, use this directly; recorded ones go through ``broadcast_on_commit``."""
    collected = _collected.get()
    if collected is not None:
        collected.append((case_id, event))
        return
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(room_group(case_id), {"type": "room.event", "event": event})


def broadcast_on_commit(case_id: int, event: RoomEvent) -> None:
    """Send once the current transaction commits, so nobody sees what the record does not hold."""
    transaction.on_commit(lambda: send_to_room(case_id, event), robust=True)


def broadcast_case_status(case: Case) -> None:
    # Built at commit time, so the settlement written later in the same transaction is included.
    def send() -> None:
        fresh = Case.objects.select_related("settlement").get(pk=case.pk)
        send_to_room(case.pk, {"kind": "case_status", "data": case_status_payload(fresh)})

    transaction.on_commit(send, robust=True)


def broadcast_document_changed(case_id: int, kind: str) -> None:
    """A document the parties sign changed (a signature, a new version, its PDF ready, its sealed copy): an
    open agreement page fetches its fresh state (static/js/agreement.js). Only the kind is sent: the page
    reads the rest through its own access check."""
    broadcast_on_commit(case_id, {"kind": "document", "data": {"kind": kind}})


def broadcast_access_changed(case_id: int) -> None:
    """Someone joined or left the case: every socket of its room re-checks its access now."""
    broadcast_on_commit(case_id, {"kind": "access", "data": None})
