"""The case page's section on paying what the outcome requires."""

from __future__ import annotations

from cases.models import Case, Obligation
from cases.services.compliance import is_overdue


def compliance_section(case: Case, roles: frozenset[str]) -> tuple[str, dict[str, object]] | None:
    if not roles & {"claimant", "respondent", "administrator"}:
        return None
    obligations = list(Obligation.objects.filter(case=case).prefetch_related("reports__evidence"))
    if not obligations:
        return None
    items = [{"obligation": o, "overdue": is_overdue(o), "reports": list(o.reports.all())} for o in obligations]
    return "cases/_compliance.html", {"case": case, "items": items, "roles": roles}
