"""How arbitration events read in a case's timeline."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.hooks import TimelineText
from cases.models import PartyRole

STEP_NAMES = {
    "claim": lambda: _("statement of claim"),
    "defence": lambda: _("defence"),
    "reply": lambda: _("reply"),
    "award": lambda: _("award"),
}


def _party(role: str) -> str:
    return str(PartyRole(role).label).lower() if role in PartyRole.values else ""


def _step(data: dict[str, str]) -> str:
    name = STEP_NAMES.get(data.get("step", ""))
    return name() if name else ""


TIMELINE_TEXTS: dict[str, TimelineText] = {
    "arbitration.consent_requested": lambda e: _("Mediation ended unsettled: each party may agree to arbitration"),
    "arbitration.consented": lambda e: _("A party agreed to arbitration"),
    "arbitration.consent_declined": lambda e: _("A party declined arbitration"),
    "arbitration.opened": lambda e: _("Arbitration opened: the parties may rank arbitrators"),
    "arbitration.ranked": lambda e: _("A party ranked the arbitrators"),
    "arbitration.mediator_waiver": lambda e: _("A party agreed in writing that the mediator may arbitrate"),
    "arbitration.proposed": lambda e: _("Arbitrator proposed: %(name)s") % {"name": e.data.get("arbitrator", "")},
    "arbitration.accepted": lambda e: _("Arbitrator appointed: %(name)s") % {"name": e.data.get("arbitrator", "")},
    "arbitration.declined": lambda e: _("The proposed arbitrator declined"),
    "arbitration.replaced": lambda e: _("Arbitrator replaced: %(reason)s") % {"reason": e.data.get("reason", "")},
    "arbitration.to_administrator": lambda e: _("No arbitrator acceptable to both: a case administrator will appoint"),
    "arbitration.timetable_set": lambda e: _("The arbitrator set the timetable"),
    "arbitration.deadline_extended": lambda e: (
        _("Deadline for the %(step)s extended: %(reason)s")
        % {"step": _step(e.data), "reason": e.data.get("reason", "")}
    ),
    "arbitration.filed": lambda e: (
        _("The %(party)s filed its %(step)s") % {"party": _party(e.data.get("party", "")), "step": _step(e.data)}
    ),
    "arbitration.award_due": lambda e: _("All submissions are in: the award is due sooner"),
    "arbitration.question": lambda e: (
        _("The arbitrator put a question to the %(party)s") % {"party": _party(e.data.get("to", ""))}
    ),
    "arbitration.answered": lambda e: (
        _("The %(party)s answered the arbitrator's question") % {"party": _party(e.data.get("role", ""))}
    ),
    "arbitration.award_corrected": lambda e: (
        _("Corrected award issued (reference %(reference)s)") % {"reference": e.data.get("reference", "")}
    ),
}
