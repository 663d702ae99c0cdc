from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone

from cases.eligibility import format_hkd

register = template.Library()


@register.filter
def hkd(amount: Decimal | None) -> str:
    return "" if amount is None else format_hkd(Decimal(amount))


@register.inclusion_tag("includes/countdown.html")
def countdown(deadline: datetime | None) -> dict[str, Any]:
    if deadline is None:
        return {"deadline": None}
    remaining = deadline - timezone.now()
    seconds = int(remaining.total_seconds())
    return {
        # HTML's datetime attribute takes no microseconds.
        "deadline": deadline.replace(microsecond=0),
        "overdue": seconds <= 0,
        "days": max(seconds, 0) // 86400,
        "hours": max(seconds, 0) % 86400 // 3600,
        "minutes": max(seconds, 0) % 3600 // 60,
    }
