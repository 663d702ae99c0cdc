"""The security event log as staff read it: refusals by the access rules, newest first."""

from __future__ import annotations

from django.db.models import QuerySet

from cases.models import SecurityEvent


def security_events(*, who: str = "", reason: str = "") -> QuerySet[SecurityEvent]:
    """``who`` is an account's email or an IP address (exact); ``reason`` one of ``RefusalReason``."""
    events = SecurityEvent.objects.all()
    who = who.strip()
    if "@" in who:
        events = events.filter(user_label__iexact=who)
    elif who:
        events = events.filter(ip_address=who)
    if reason:
        events = events.filter(reason=reason)
    return events.order_by("-created_at", "-pk")
