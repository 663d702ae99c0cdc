"""Case administrators keep the arbitrator panel."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from arbitration.forms import ArbitratorProfileForm
from arbitration.models import ArbitratorProfile
from cases.views.panel import Panel, panel_views

PANEL = Panel(
    model=ArbitratorProfile,
    form=ArbitratorProfileForm,
    namespace="arbitration",
    title=_("Arbitrator panel"),
    add_label=_("Add an arbitrator"),
    empty_label=_("No arbitrators yet."),
    saved_message=_("The arbitrator's profile is saved."),
)
panel_list, profile_edit = panel_views(PANEL)
