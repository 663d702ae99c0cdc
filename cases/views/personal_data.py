"""A person's own data: download everything the platform holds about them, or erase their account once
their cases are over."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.access import AuthenticatedRequest
from cases.forms import add_service_error
from cases.selectors.personal_data import erasure_blockers, personal_data_of
from cases.services import ServiceError
from cases.services.personal_data import account_erase


class EraseForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that my account is closed for good and cannot be restored."),
        required=True,
    )


def _page(request: AuthenticatedRequest, form: EraseForm, *, status: int = 200) -> HttpResponse:
    context = {"form": form, "blockers": erasure_blockers(request.user)}
    return render(request, "cases/personal_data.html", context, status=status)


@login_required
def personal_data(request: AuthenticatedRequest) -> HttpResponse:
    return _page(request, EraseForm())


@login_required
def personal_data_export(request: AuthenticatedRequest) -> HttpResponse:
    body = json.dumps(personal_data_of(request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"odr-personal-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def account_erase_view(request: AuthenticatedRequest) -> HttpResponse:
    form = EraseForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        account_erase(user=request.user, password=form.cleaned_data["password"])
    except ServiceError as exc:
        add_service_error(form, exc.message, exc.field)
        return _page(request, form, status=400)
    logout(request)
    messages.success(request, _("Your account is closed and your personal data erased."))
    return redirect("/")
