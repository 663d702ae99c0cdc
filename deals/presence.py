"""Who is in a deal's room: one ``DealPresence`` row per open socket, written by the socket as it comes, pings
and goes. A row whose socket stopped pinging (its server process died without saying goodbye) stops counting
after ``PRESENCE_TIMEOUT`` and is deleted by the sweep an hour later."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from deals.models import DealPresence, Side

# The page pings every 30 seconds: three missed pings and the socket no longer counts as online.
PRESENCE_TIMEOUT = timedelta(seconds=90)


def online_sides(deal_id: int) -> list[str]:
    since = timezone.now() - PRESENCE_TIMEOUT
    rows = DealPresence.objects.filter(deal_id=deal_id, last_seen__gte=since)
    return sorted(set(rows.values_list("side", flat=True)))


def side_online(deal_id: int, side: str) -> bool:
    since = timezone.now() - PRESENCE_TIMEOUT
    return DealPresence.objects.filter(deal_id=deal_id, side=side, last_seen__gte=since).exists()


def presence_enter(*, deal_id: int, side: Side, channel_name: str) -> list[str]:
    """The socket is in the room: the sides online now, itself included."""
    DealPresence.objects.update_or_create(
        channel_name=channel_name, defaults={"deal_id": deal_id, "side": side, "last_seen": timezone.now()}
    )
    return online_sides(deal_id)


def presence_seen(*, channel_name: str) -> None:
    DealPresence.objects.filter(channel_name=channel_name).update(last_seen=timezone.now())


def presence_leave(*, deal_id: int, channel_name: str) -> list[str]:
    """The socket is gone: the sides still online."""
    DealPresence.objects.filter(channel_name=channel_name).delete()
    return online_sides(deal_id)


def stale_presence_clear(*, now: datetime) -> int:
    """Sockets of a process that died never said goodbye; their rows go once long silent."""
    deleted, _by_model = DealPresence.objects.filter(last_seen__lt=now - timedelta(hours=1)).delete()
    return deleted
