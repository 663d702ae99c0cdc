"""Case administrators keep the mediator panel."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cases.access import AuthenticatedRequest, administrator_view
from cases.audit import RequestMeta
from mediation.forms import MediatorProfileForm
from mediation.models import MediatorProfile
from mediation.services.panel import mediator_profile_save


@administrator_view
def panel_list(request: AuthenticatedRequest) -> HttpResponse:
    profiles = MediatorProfile.objects.select_related("user").order_by("-active", "display_name")
    return render(request, "mediation/staff/panel.html", {"profiles": profiles})


@administrator_view
def profile_edit(request: AuthenticatedRequest, profile_id: int | None = None) -> HttpResponse:
    profile = get_object_or_404(MediatorProfile, pk=profile_id) if profile_id is not None else None
    form = MediatorProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        mediator_profile_save(form=form, actor=request.user, meta=RequestMeta.from_request(request))
        messages.success(request, _("The mediator's profile is saved."))
        return redirect("mediation:panel")
    return render(
        request,
        "mediation/staff/profile_form.html",
        {"form": form, "profile": profile},
        status=400 if form.errors else 200,
    )
