"""The case page's section on paying what the outcome requires."""

from __future__ import annotations

from cases.models import Case, Obligation
from cases.roles import PARTIES_AND_ADMINISTRATORS, Roles
from cases.services.compliance import is_overdue


def compliance_section(case: Case, roles: Roles) -> tuple[str, dict[str, object]] | None:
    if not roles & PARTIES_AND_ADMINISTRATORS:
        return None
    obligations = list(Obligation.objects.filter(case=case).prefetch_related("reports__evidence"))
    if not obligations:
        return None
    items = [{"obligation": o, "overdue": is_overdue(o), "reports": list(o.reports.all())} for o in obligations]
    return "cases/_compliance.html", {"case": case, "items": items, "roles": roles}
