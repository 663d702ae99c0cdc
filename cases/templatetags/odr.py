from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.money import format_hkd

register = template.Library()


@register.filter
def hkd(amount: Decimal | None) -> str:
    return format_hkd(amount)


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


@register.filter(expects_localtime=True)
def local_datetime(value: datetime | None, name: str = "DATETIME_FORMAT") -> str:
    """A date and time in one of the active language's named formats, including the two of ours that
    Django has no name for (``WEEKDAY_DATETIME_FORMAT``, ``PRECISE_DATETIME_FORMAT``: odr/formats)."""
    from django.utils.dateformat import format as date_format

    from odr.formats import named_format

    return "" if value is None else date_format(value, named_format(name))


@register.filter
def iso_datetime(value: str | None) -> datetime | None:
    """A payload's ISO 8601 timestamp as a datetime, for the ``date`` filter."""
    from django.utils.dateparse import parse_datetime

    return parse_datetime(value) if value else None


@register.filter
def iso_date(value: str | None) -> date | None:
    """A payload's ISO 8601 date as a date, for the ``date`` filter."""
    from django.utils.dateparse import parse_date

    return parse_date(value) if value else None


@register.filter
def person_name(user: Any) -> str:
    """Everyone is named by one rule (cases.names): a neutral by the panel name, others by full name or email."""
    from cases.names import display_name

    return "" if user is None else display_name(user)


@register.filter
def party_label(role: str | None) -> str:
    from cases.models import PartyRole

    return str(PartyRole(role).label) if role in PartyRole.values else ""


@register.filter
def zone_label(zone: object) -> str:
    """A time zone as people say it: "Hong Kong time" for the default, else its name without underscores."""
    name = str(zone)
    if name == "Asia/Hong_Kong":
        return str(_("Hong Kong time"))
    return name.replace("_", " ")
