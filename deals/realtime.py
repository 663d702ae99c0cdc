"""The deal room's events: sent to the deal's group after the commit that recorded them (the record
first; a lost event is caught up from the database when the page reloads or the socket reconnects)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from odr.layer_watch import LAYER_ERRORS, report_layer_failure


def deal_group(deal_id: int) -> str:
    return f"deal-{deal_id}-room"


def send_to_deal(deal_id: int, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(deal_group(deal_id), {"type": "deal.event", "event": event})
    except LAYER_ERRORS as exc:  # the record is committed; the room's sockets catch up on reconnect
        report_layer_failure(exc)


def broadcast_deal_on_commit(deal_id: int, kind: str, data: dict[str, Any] | None = None) -> None:
    """Tell the deal's open pages that ``kind`` changed once the transaction commits. The event says what
    changed, not what it now says: each page reads that through its own access check. A change to one clause
    or field names it (``data["target"]``, "clause:<key>"), so the pages fetch that part again, not all.

    A change to who is in the deal sends ``parties`` (joining) or ``access``: each open socket then decides
    its access again before it delivers anything more (deals.consumers); otherwise a socket keeps the side
    it was let in with."""
    event = {"kind": kind, "data": data or {}}
    transaction.on_commit(lambda: send_to_deal(deal_id, event), robust=True)
