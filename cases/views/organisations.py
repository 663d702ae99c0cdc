from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from cases.access import AuthenticatedRequest
from cases.audit import RequestMeta
from cases.forms import OrganisationForm
from cases.selectors import organisations_of
from cases.services.organisations import organisation_create, organisation_update
from cases.views import form_data


def _safe_next(request: AuthenticatedRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@login_required
def organisation_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "cases/organisation_list.html", {"organisations": organisations_of(request.user)})


@login_required
def organisation_create_view(request: AuthenticatedRequest) -> HttpResponse:
    form = OrganisationForm(*form_data(request), initial={"contact_email": request.user.email})
    if request.method == "POST" and form.is_valid():
        organisation_create(user=request.user, meta=RequestMeta.from_request(request), **form.cleaned_data)
        messages.success(request, _("Business profile saved."))
        return redirect(_safe_next(request, "cases:organisation_list"))
    return render(
        request, "cases/organisation_form.html", {"form": form, "next": request.GET.get("next", ""), "creating": True}
    )


@login_required
def organisation_edit(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    organisation = get_object_or_404(organisations_of(request.user), pk=organisation_id)
    form = OrganisationForm(*form_data(request), instance=organisation)
    if request.method == "POST" and form.is_valid():
        organisation_update(
            organisation=organisation, user=request.user, meta=RequestMeta.from_request(request), **form.cleaned_data
        )
        messages.success(request, _("Business profile saved."))
        return redirect("cases:organisation_list")
    return render(request, "cases/organisation_form.html", {"form": form, "creating": False})
