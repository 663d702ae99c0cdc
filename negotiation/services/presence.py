"""The presence rows of the room's sockets (``RoomPresence``), which the sockets write as they come and go."""

from __future__ import annotations

from datetime import datetime, timedelta

from negotiation.models import RoomPresence


def stale_presence_clear(*, now: datetime) -> int:
    """Sockets of a process that died never said goodbye; their presence rows go once long silent."""
    deleted, _by_model = RoomPresence.objects.filter(last_seen__lt=now - timedelta(hours=1)).delete()
    return deleted
