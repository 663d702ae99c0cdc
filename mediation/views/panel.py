"""Case administrators keep the mediator panel."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cases.views.panel import Panel, panel_views
from mediation.forms import MediatorProfileForm
from mediation.models import MediatorProfile

PANEL = Panel(
    model=MediatorProfile,
    form=MediatorProfileForm,
    namespace="mediation",
    title=_("Mediator panel"),
    add_label=_("Add a mediator"),
    empty_label=_("No mediators yet."),
    saved_message=_("The mediator's profile is saved."),
)
panel_list, profile_edit = panel_views(PANEL)
