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
