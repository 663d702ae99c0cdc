"""The arbitration section of the case page, and proposals on "My cases"."""

from __future__ import annotations

from typing import Any

from cases.models import Case, CaseOutcome, CaseStatus
from cases.roles import PARTY_ROLES, Role, Roles

# The case page's arbitration section: everyone on the case in arbitration but a mediator.
READERS = PARTY_ROLES | {Role.ARBITRATOR, Role.ADMINISTRATOR}


def arbitration_section(case: Case, roles: Roles) -> tuple[str, dict[str, object]] | None:
    in_arbitration = case.status == CaseStatus.ARBITRATION or case.outcome == CaseOutcome.AWARD_ISSUED
    if not in_arbitration or not roles & READERS:
        return None
    from arbitration.selectors import arbitration_overview

    return "arbitration/_case_section.html", {"case": case, "overview": arbitration_overview(case, roles)}


def proposals_section(user: Any) -> tuple[str, dict[str, object]] | None:
    """An arbitrator's proposals awaiting an answer."""
    if not user.is_authenticated:
        return None
    from arbitration.selectors import proposals_for

    proposals = proposals_for(user)
    return ("arbitration/_proposals.html", {"proposals": proposals}) if proposals else None
