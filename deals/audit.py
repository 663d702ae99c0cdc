"""A deal's audit trail: entries of the core's append-only log, named by the deal's subject."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.models import AuditEntry
from deals.models import Deal

if TYPE_CHECKING:
    from django.contrib.auth.models import User


# How the audit log names a deal: "deal:<public id>".
DEAL_SUBJECTS = "deal:"


def deal_subject(deal: Deal) -> str:
    return f"{DEAL_SUBJECTS}{deal.public_id}"


def deal_subject_for(reference: str) -> str | None:
    """The audit subject of the deal known as ``reference`` (DL-2026-000001), if there is one: the staff's
    audit trail filters one deal's entries by it (staff never open a deal's own pages)."""
    public_id = Deal.objects.filter(reference__iexact=reference).values_list("public_id", flat=True).first()
    return f"{DEAL_SUBJECTS}{public_id}" if public_id else None


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
