"""How mediation events read in a case's timeline."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.hooks import TimelineText

TIMELINE_TEXTS: dict[str, TimelineText] = {
    "mediation.opened": lambda e: _("Mediation opened: the parties may rank mediators"),
    "mediation.ranked": lambda e: _("A party ranked the mediators"),
    "mediation.proposed": lambda e: _("Mediator proposed: %(name)s") % {"name": e.data.get("mediator", "")},
    "mediation.accepted": lambda e: _("Mediator appointed: %(name)s") % {"name": e.data.get("mediator", "")},
    "mediation.declined": lambda e: _("The proposed mediator declined"),
    "mediation.replaced": lambda e: _("Mediator replaced: %(reason)s") % {"reason": e.data.get("reason", "")},
    "mediation.to_administrator": lambda e: _("No mediator acceptable to both: a case administrator will appoint"),
    "mediation.session_proposed": lambda e: _("The mediator proposed session times"),
    "mediation.session_scheduled": lambda e: _("Mediation session scheduled"),
    "mediation.session_started": lambda e: _("Mediation session started"),
    "mediation.session_ended": lambda e: _("Mediation session ended"),
    "mediation.extension_requested": lambda e: _("A party asked to extend the mediation period"),
    "mediation.outcome": lambda e: _("Mediation outcome recorded: %(result)s") % {"result": e.data.get("label", "")},
}
