"""A deal's audit trail: entries of the core's append-only log, named by the deal's subject."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.models import AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from deals.models import Deal


def deal_subject(deal: Deal) -> str:
    return f"deal:{deal.public_id}"


def log_deal_action(
    *, deal: Deal, action: str, actor: User | None, meta: RequestMeta = SYSTEM, data: dict[str, Any] | None = None
) -> AuditEntry:
    return log_action(
        subject=deal_subject(deal),
        action=action,
        actor=actor,
        meta=meta,
        data={"deal": deal.reference or str(deal.public_id), **(data or {})},
    )
