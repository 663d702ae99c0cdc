"""The case administration section of the case page (administrators only)."""

from __future__ import annotations

from cases.lifecycle import REOPENABLE_OUTCOMES
from cases.models import Case, CaseStatus
from cases.roles import Role, Roles


def staff_section(case: Case, roles: Roles) -> tuple[str, dict[str, object]] | None:
    if Role.ADMINISTRATOR not in roles:
        return None
    from administration.forms import StaffCloseForm, StaffExtendForm, StaffReopenForm
    from administration.services import STAFF_CLOSING
    from cases.lifecycle import ACTION_LABELS, TRANSITIONS

    actions = [
        (str(action), ACTION_LABELS[action])
        for action in STAFF_CLOSING
        if (transition := TRANSITIONS.get((CaseStatus(case.status), action)))
        and Role.ADMINISTRATOR in transition.actors
    ]
    return "administration/_case_staff.html", {
        "case": case,
        "extend_form": StaffExtendForm(),
        "close_form": StaffCloseForm(actions=actions),
        "reopen_form": StaffReopenForm(),
        "closing_actions": actions,
        "reopenable": case.status == CaseStatus.CLOSED and case.outcome in REOPENABLE_OUTCOMES,
    }
