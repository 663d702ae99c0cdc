from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.timezones import COOKIE, zone_choices


class TimezoneForm(forms.Form):
    timezone = forms.ChoiceField(label=gettext_lazy("Show times in"), choices=zone_choices)
    next = forms.CharField(widget=forms.HiddenInput, required=False)


def timezone_preference(request: HttpRequest) -> HttpResponse:
    """Choose the time zone pages show times in (Hong Kong time unless chosen otherwise)."""
    initial = {"timezone": timezone.get_current_timezone_name(), "next": request.GET.get("next", "")}
    form = TimezoneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["next"]
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
            target = "/"
        response = redirect(target)
        response.set_cookie(
            COOKIE,
            form.cleaned_data["timezone"],
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        messages.success(request, _("Times are now shown in %(zone)s.") % {"zone": form.cleaned_data["timezone"]})
        return response
    return render(request, "cases/timezone.html", {"form": form}, status=400 if form.errors else 200)


def language_preference(request: HttpRequest) -> HttpResponse:
    """The language menu: for everyone a cookie; for a signed-in person also their account's choice."""
    from cases.languages import SUPPORTED, language_remember, set_language_cookie

    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/"
    if request.method != "POST":
        return redirect(target)
    code = request.POST.get("language", "")
    response = redirect(target)
    if code not in SUPPORTED:
        messages.error(request, _("That language is not offered. Choose English or 繁體中文."))
        return response
    translation.activate(code)
    if request.user.is_authenticated:
        language_remember(user_id=request.user.pk, language=code)
    set_language_cookie(response, code)
    return response
