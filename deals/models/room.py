from __future__ import annotations

from django.db import models

from deals.models.deals import Deal, Side


class DealPresence(models.Model):
    """An open socket in a deal's room, in the database so every server process sees who is online. It keeps
    the side, not the person: the page shows which business is there, and the row holds no personal data."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="+")
    side = models.CharField(max_length=12, choices=Side.choices)
    channel_name = models.CharField(max_length=200, unique=True)
    last_seen = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["deal", "last_seen"], name="deal_presence_seen")]

    def __str__(self) -> str:
        return f"{self.side} in {self.deal_id}"
