"""The stack's floor for the room benchmark: the same server with a bare broadcast route added.

A bare consumer receives a JSON frame, ``group_send``s it to its room and forwards what the group
carries: no database, no access checks. Served by the same Daphne processes as the platform.
"""

from __future__ import annotations

import json
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer


class BareBroadcastConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.group = f"bench-{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        frame = json.loads(text_data or "{}")
        await self.channel_layer.group_send(self.group, {"type": "relay", "frame": frame})

    async def relay(self, event: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps({"type": "message", "message": event["frame"]}))


class StoringBroadcastConsumer(BareBroadcastConsumer):
    """The floor for a room that stores before it sends: one INSERT (autocommit) from the event loop, on the
    room's own connections (odr.adb), then the broadcast.

    No access checks, no locking, no audit: only the durable write that "persist, then broadcast" needs.
    """

    async def connect(self) -> None:
        self.case_id = int(self.scope["url_route"]["kwargs"]["room"])
        await super().connect()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        from negotiation.models import Message
        from odr import adb

        frame = json.loads(text_data or "{}")
        await adb.loop_connections().fetchone(
            f"INSERT INTO {Message._meta.db_table} (case_id, sender_id, sender_role, body, created_at) "
            "VALUES (%s, %s, 'claimant', %s, now()) RETURNING id",
            [self.case_id, self.scope["user"].pk, frame.get("body", "")],
        )
        await self.channel_layer.group_send(self.group, {"type": "relay", "frame": frame})
