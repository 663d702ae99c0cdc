"""The mediation section of the case page."""

from __future__ import annotations

from typing import Any

from cases.models import Case, CaseStatus
from cases.roles import Roles
from mediation.access import MEDIATION_READERS


def mediation_section(case: Case, roles: Roles) -> tuple[str, dict[str, object]] | None:
    if case.status != CaseStatus.MEDIATION or not roles & MEDIATION_READERS:
        return None
    from mediation.selectors import mediation_overview

    return "mediation/_case_section.html", {"case": case, "overview": mediation_overview(case, roles)}


def proposals_section(user: Any) -> tuple[str, dict[str, object]] | None:
    """A mediator's proposals awaiting an answer, on "My cases"."""
    from cases.models.panel import AppointmentStatus
    from mediation.models import MediatorAppointment

    if not user.is_authenticated:
        return None
    proposals = list(
        MediatorAppointment.objects.filter(mediator__user=user, status=AppointmentStatus.PROPOSED).select_related(
            "case"
        )
    )
    return ("mediation/_proposals.html", {"proposals": proposals}) if proposals else None
