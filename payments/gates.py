"""How payments plugs into the core: the fees stage gate and the case page's fees section."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.lifecycle import Action
from cases.models import Case
from cases.money import format_hkd
from cases.roles import Roles
from payments.selectors import fees_for_case
from payments.services.fees import charges_for_stage, stage_fees_cancel

__all__ = ["fees_gate", "fees_section", "stage_fees_cancel"]


def fees_gate(case: Case, action: Action) -> str | None:
    """Hold a stage while any fee it needs is unpaid (making the charges when first asked)."""
    due = [charge for charge in charges_for_stage(case=case, action=action) if not charge.is_settled]
    if not due:
        return None
    return _("Waiting for fees: %(fees)s") % {
        "fees": ", ".join(
            f"{c.get_kind_display()} ({c.party.get_role_display() if c.party else ''}) {format_hkd(c.amount_due)}"
            for c in due
        )
    }


def fees_section(case: Case, roles: Roles) -> tuple[str, dict[str, object]] | None:
    """Parties see what they owe and have paid; administrators see every charge on the case."""
    view = fees_for_case(case, roles)
    if view is None:
        return None
    return "payments/_case_fees.html", {"case": case, "fees": view}
