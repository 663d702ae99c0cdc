"""Writing the append-only audit log. Every service calls ``log_action`` inside its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from cases.models import AuditEntry, Case, Document

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
    subject: str = "",
    meta: RequestMeta = SYSTEM,
    data: dict[str, Any] | None = None,
    from_status: str = "",
    to_status: str = "",
    visible_to_parties: bool = True,
) -> AuditEntry:
    return AuditEntry.objects.create(
        case=case,
        subject=subject,
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


# --- What the record shows of a draft: nothing of its content, to anyone but its author -----------------


def private_draft_documents(case: Case | None = None) -> frozenset[str]:
    """Public ids of the documents attached to an arbitration submission not yet filed ("Draft: only you
    can see it."): until it is filed, no page or export shows anyone else their titles."""
    documents = Document.objects.filter(withheld=True)
    if case is not None:
        documents = documents.filter(case=case)
    return frozenset(str(public_id) for public_id in documents.values_list("public_id", flat=True))


def about_private_draft(data: dict[str, Any], private_documents: frozenset[str]) -> bool:
    return str(data.get("document", "")) in private_documents


def shown_data(
    action: str, data: dict[str, Any], visible_to_parties: bool, private_documents: frozenset[str]
) -> dict[str, Any]:
    """An entry's data as the audit trail and its export show it: a private draft's document without its
    title; an award draft (drafted out of the parties' sight) without its sums, which are the arbitrator's
    until the award is issued. The entry itself (who, when, from where) stays on record."""
    shown = dict(data)
    if "title" in shown and about_private_draft(shown, private_documents):
        shown["title"] = _("(a draft's document: shown once its submission is filed)")
    if action == "document.drafted" and not visible_to_parties:
        shown.pop("amount", None)
    return shown
