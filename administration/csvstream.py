"""Streaming CSV: rows are written one at a time into the response, never collected in memory."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone


class Echo:
    """A file-like object whose write returns the line, for csv.writer in a streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    text = str(value)
    # A cell starting with = + - @ could run as a formula in a spreadsheet: make it plain text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
