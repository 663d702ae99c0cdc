"""Presence in the deal room: a socket that stopped pinging (its process died without a goodbye) no longer counts
as online, and the sweep deletes its row later."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.services.deadlines import deadlines_sweep
from deals.models import DealPresence
from deals.presence import PRESENCE_TIMEOUT, online_sides, presence_enter, presence_leave, presence_seen

pytestmark = pytest.mark.django_db


def test_online_sides_come_and_go_with_their_sockets(negotiating_deal):
    assert presence_enter(deal_id=negotiating_deal.pk, side="initiator", channel_name="a1") == ["initiator"]
    assert presence_enter(deal_id=negotiating_deal.pk, side="initiator", channel_name="a2") == ["initiator"]
    assert presence_enter(deal_id=negotiating_deal.pk, side="counterparty", channel_name="b") == [
        "counterparty",
        "initiator",
    ]
    # One of the initiator's two tabs closes: it is still there.
    assert presence_leave(deal_id=negotiating_deal.pk, channel_name="a1") == ["counterparty", "initiator"]
    assert presence_leave(deal_id=negotiating_deal.pk, channel_name="b") == ["initiator"]


def test_a_silent_socket_stops_counting_and_the_sweep_clears_it(negotiating_deal):
    presence_enter(deal_id=negotiating_deal.pk, side="counterparty", channel_name="dead")
    presence_enter(deal_id=negotiating_deal.pk, side="initiator", channel_name="alive")
    silent_since = timezone.now() - PRESENCE_TIMEOUT - timedelta(seconds=1)
    DealPresence.objects.filter(channel_name="dead").update(last_seen=silent_since)
    assert online_sides(negotiating_deal.pk) == ["initiator"]
    assert deadlines_sweep(now=timezone.now())["deal_presence_cleared"] == 0  # silent, but not for an hour yet
    presence_seen(channel_name="dead")  # a ping: it counts again
    assert online_sides(negotiating_deal.pk) == ["counterparty", "initiator"]
    DealPresence.objects.filter(channel_name="dead").update(last_seen=timezone.now() - timedelta(minutes=61))
    assert deadlines_sweep(now=timezone.now())["deal_presence_cleared"] == 1
    assert list(DealPresence.objects.values_list("channel_name", flat=True)) == ["alive"]
