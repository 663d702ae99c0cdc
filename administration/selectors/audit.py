"""The audit trail as staff read it: every case's, or one case's, filtered by who, what and when; and as
a streaming CSV. Entries are never changed from any page (the model refuses updates and deletes)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet

from administration.csvstream import Echo, csv_cell
from cases.audit import private_draft_documents, shown_data
from cases.models import AuditEntry, Case
from deals.audit import DEAL_SUBJECTS, deal_subject_for


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: str = ""  # an email, or "system" for the platform's own actions
    action: str = ""  # an exact action, or a prefix ending in "." (e.g. "arbitration.")
    date_from: date | None = None
    date_to: date | None = None
    deal: str = ""  # one deal's trail, by its reference (DL-2026-000001)
    deals_only: bool = False  # every deal's entries, and no case's


def audit_entries(spec: AuditFilter, *, case: Case | None = None) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.select_related("actor", "case")
    if case is not None:
        entries = entries.filter(case=case)
    actor = spec.actor.strip()
    if actor.lower() == "system":
        entries = entries.filter(actor__isnull=True)
    elif actor:
        entries = entries.filter(actor__email__iexact=actor)
    action = spec.action.strip()
    if action.endswith("."):
        entries = entries.filter(action__startswith=action)
    elif action:
        entries = entries.filter(action=action)
    if spec.date_from:
        entries = entries.filter(created_at__date__gte=spec.date_from)
    if spec.date_to:
        entries = entries.filter(created_at__date__lte=spec.date_to)
    if spec.deals_only:
        entries = entries.filter(subject__startswith=DEAL_SUBJECTS)
    if spec.deal.strip():
        # A reference no deal has matches no entry (an empty subject would match every case's).
        entries = entries.filter(subject=deal_subject_for(spec.deal.strip()) or "-")
    return entries.order_by("-created_at", "-pk")


AUDIT_COLUMNS = ["created_at", "case", "actor", "action", "from_status", "to_status", "ip_address", "data"]


@dataclass(frozen=True, slots=True)
class AuditRow:
    entry: AuditEntry
    data: dict[str, Any]  # what the trail shows of the entry's data (``cases.audit.shown_data``)

    @property
    def deal(self) -> str:
        """The reference of the deal an entry is about (its data names it), for entries not on a case."""
        if not self.entry.subject.startswith(DEAL_SUBJECTS):
            return ""
        return str(self.entry.data.get("deal") or self.entry.data.get("record") or "")


def audit_rows(entries: Iterable[AuditEntry], *, case: Case | None = None) -> list[AuditRow]:
    private_documents = private_draft_documents(case)
    return [
        AuditRow(entry, shown_data(entry.action, entry.data, entry.visible_to_parties, private_documents))
        for entry in entries
    ]


def audit_csv_lines(entries: QuerySet[AuditEntry], *, case: Case | None = None) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield writer.writerow(AUDIT_COLUMNS)
    private_documents = private_draft_documents(case)
    rows = entries.values_list(
        "created_at",
        "case__reference",
        "actor__email",
        "action",
        "from_status",
        "to_status",
        "ip_address",
        "data",
        "visible_to_parties",
    )
    for created_at, reference, email, action, from_status, to_status, ip, data, for_parties in rows.iterator(
        chunk_size=2000
    ):
        yield writer.writerow(
            [
                csv_cell(created_at),
                reference or "",
                email or "system",
                action,
                from_status,
                to_status,
                ip or "",
                csv_cell(shown_data(action, data, for_parties, private_documents)),
            ]
        )


def action_names() -> list[str]:
    """The actions on record, for the filter's suggestions."""
    return list(AuditEntry.objects.values_list("action", flat=True).distinct().order_by("action"))
