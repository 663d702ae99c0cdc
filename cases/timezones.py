"""The time zone pages show times in: Hong Kong time unless the visitor chose another.

The choice lives in a cookie (a browser-level preference, like the language), and every page that
shows a time renders it in the active zone; emails and calendar invitations carry their own zone.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

COOKIE = "odr_timezone"
# Offered first: where the parties of a Hong Kong dispute most often are.
COMMON = [
    "Asia/Hong_Kong",
    "Asia/Macau",
    "Asia/Shanghai",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
]


def valid_zone(name: str) -> bool:
    return name in _zones()


_all_zones: set[str] = set()


def _zones() -> set[str]:
    if not _all_zones:
        _all_zones.update(available_timezones() | {"UTC"})
    return _all_zones


def zone_choices() -> list[tuple[str, str]]:
    others = sorted(_zones() - set(COMMON))
    return [(name, name.replace("_", " ")) for name in [*COMMON, *others]]


class UserTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(COOKIE, "")
        if chosen and valid_zone(chosen):
            timezone.activate(ZoneInfo(chosen))
        else:
            timezone.activate(ZoneInfo(settings.TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
