"""Security events: who was refused what by the access rules (cases.security_events records them)."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from administration.selectors.security import security_events
from cases.access import AuthenticatedRequest, administrator_view
from cases.forms import Form
from cases.models import RefusalReason

PAGE_SIZE = 100


class SecurityFilterForm(Form):
    who = forms.CharField(label=_("Email or IP address"), required=False, max_length=254)
    reason = forms.ChoiceField(label=_("Refused"), required=False, choices=[("", _("Any")), *RefusalReason.choices])


@administrator_view
def security_event_list(request: AuthenticatedRequest) -> HttpResponse:
    form = SecurityFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    events = security_events(who=data.get("who", ""), reason=data.get("reason", ""))
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "administration/security_events.html", context, status=400 if form.errors else 200)
