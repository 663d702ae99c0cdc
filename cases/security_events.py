"""The log of refused access: every refusal by the access rules is recorded here, in one place.

Pages: the access layer raises ``AccessRefused`` (a 404); ``SecurityEventMiddleware`` records each one that
reaches the request handler. Websockets: the consumers' ``record_refusal`` (the hook of the websocket base,
``odr.sockets``) calls ``record_socket_refusal`` when they refuse a connection, a page of another website's
included. Ordinary 404s (a
mistyped address, a missing static file) are not refusals and are not recorded.

Each refusal goes to the ``odr.security`` logger and, at most ``ODR_SECURITY_EVENTS_PER_MINUTE`` times a
minute for one person (or, signed out, one address), to a ``SecurityEvent`` row; beyond that they are only
counted, and the next row recorded for them carries the count, so flooding refusals cannot fill the disk.
A failed write (the request's transaction already broken, the database away) is logged and never
changes the refusal itself.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse

from cases.access import AccessRefused
from cases.models import RefusalReason, SecurityEvent
from odr.ratelimit import count_in_cache, within_limit
from odr.sockets import Refusal, header

logger = logging.getLogger("odr.security")

SUPPRESSED_TTL_SECONDS = 24 * 3600


def _suppressed_key(key: str) -> str:
    return f"security-suppressed:{key}"


def _count_suppressed(key: str) -> int:
    return count_in_cache(_suppressed_key(key), ttl_seconds=SUPPRESSED_TTL_SECONDS)


def _take_suppressed(key: str) -> int:
    count = int(cache.get(_suppressed_key(key)) or 0)
    if count:
        with contextlib.suppress(ValueError):  # expired meanwhile
            cache.decr(_suppressed_key(key), count)
    return count


def _as_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def record_refusal(
    *,
    reason: str,
    user: Any,
    path: str,
    method: str,
    ip_address: str | None,
    user_agent: str = "",
    case_ref: Any = None,
) -> SecurityEvent | None:
    """Record one refusal; the row, or None when it was only counted (rate limit) or could not be written.
    Never raises: whatever fails here (the cache, the database), the refusal itself stands."""
    try:
        return _record(
            reason=reason,
            user=user,
            path=path,
            method=method,
            ip_address=ip_address,
            user_agent=user_agent,
            case_ref=case_ref,
        )
    except Exception:
        logger.exception("could not record a refusal on %s", path[:500])
        return None


def _record(
    *, reason: str, user: Any, path: str, method: str, ip_address: str | None, user_agent: str, case_ref: Any
) -> SecurityEvent | None:
    signed_in = user is not None and user.is_authenticated
    label = (user.email or user.get_username()) if signed_in else ""
    key = f"user:{user.pk}" if signed_in else f"ip:{ip_address or 'unknown'}"
    if not within_limit(f"security-event:{key}", limit=settings.ODR_SECURITY_EVENTS_PER_MINUTE, window_seconds=60):
        if _count_suppressed(key) == 1:
            logger.warning(
                "refusals of %s: more than %s a minute; counting, not recording, the rest",
                key,
                settings.ODR_SECURITY_EVENTS_PER_MINUTE,
            )
        return None
    logger.warning(
        "access refused (%s): %s %s by %s from %s", reason, method, path[:500], label or "anonymous", ip_address
    )
    try:
        # A savepoint when the request runs inside a transaction: a failure here never breaks it.
        with transaction.atomic():
            return SecurityEvent.objects.create(
                reason=reason,
                user=user if signed_in else None,
                user_label=label,
                method=method[:10],
                path=path[:500],
                case_ref=_as_uuid(case_ref),
                ip_address=ip_address or None,
                user_agent=user_agent[:300],
                suppressed_before=_take_suppressed(key),
            )
    except DatabaseError:
        logger.exception("could not record a refusal of %s on %s", key, path[:500])
        return None


def record_request_refusal(request: HttpRequest, refusal: AccessRefused) -> SecurityEvent | None:
    match = request.resolver_match
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None  # signed-out visitors are sent to sign in before any access rule is asked
    return record_refusal(
        reason=refusal.reason,
        user=user,
        path=request.path,
        method=request.method or "",
        ip_address=request.META.get("REMOTE_ADDR"),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        case_ref=match.kwargs.get("case_id") if match is not None else None,
    )


SOCKET_REFUSALS = {
    Refusal.ANONYMOUS: RefusalReason.SOCKET_ANONYMOUS,
    Refusal.ORIGIN: RefusalReason.SOCKET_ORIGIN,
    Refusal.NO_ACCESS: RefusalReason.SOCKET_NO_ACCESS,
}


def record_socket_refusal(scope: dict[str, Any], refusal: Refusal, case_ref: Any = None) -> SecurityEvent | None:
    """For a websocket refused at connect, from the room's ``record_refusal`` (call from a thread: it writes to
    the database). ``case_ref``: the case's public id, when the URL names something else (a session)."""
    client = scope.get("client") or (None, None)
    if case_ref is None:
        case_ref = scope.get("url_route", {}).get("kwargs", {}).get("case_id")
    return record_refusal(
        reason=SOCKET_REFUSALS[refusal],
        user=scope.get("user"),
        path=scope.get("path", ""),
        method="WS",
        ip_address=client[0],
        user_agent=header(scope, b"user-agent"),
        case_ref=case_ref,
    )


def personal_data_source() -> Any:
    """The person's own refusals in their data export; pseudonymised, without addresses, on erasure."""
    from cases.hooks import PersonalDataSource

    def export(user: Any) -> list[dict[str, Any]]:
        return [
            {
                "at": e.created_at.isoformat(),
                "refused": e.reason,
                "method": e.method,
                "path": e.path,
                "ip_address": e.ip_address,
            }
            for e in SecurityEvent.objects.filter(user=user).order_by("created_at", "pk")
        ]

    def erase(user: Any, pseudonym: str) -> None:
        SecurityEvent.objects.pseudonymise_user(user.pk, pseudonym)

    return PersonalDataSource(name="security_events", export=export, erase=erase)


class SecurityEventMiddleware:
    """Records every ``AccessRefused`` a view raises; Django then answers 404 as usual."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, AccessRefused):
            record_request_refusal(request, exception)
