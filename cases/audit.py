"""Writing the append-only audit log. Every service calls ``log_action`` inside its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from cases.models import AuditEntry, Case

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True, slots=True)
class RequestMeta:
    """Where an action came from: kept on every audit entry."""

    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> RequestMeta:
        return cls(
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )


SYSTEM = RequestMeta()


def log_action(
    *,
    action: str,
    actor: User | None,
    case: Case | None = None,
    meta: RequestMeta = SYSTEM,
    data: dict[str, Any] | None = None,
    from_status: str = "",
    to_status: str = "",
    visible_to_parties: bool = True,
) -> AuditEntry:
    return AuditEntry.objects.create(
        case=case,
        actor=actor,
        actor_label=(actor.email or actor.get_username()) if actor is not None else "system",
        action=action,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
        ip_address=meta.ip_address,
        user_agent=meta.user_agent,
        visible_to_parties=visible_to_parties,
    )
