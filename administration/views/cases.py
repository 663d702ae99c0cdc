"""The administrators' case list (filters, search, sorting, pages, CSV export) and the staff actions on
one case (extend its deadline, close it, reopen it), each with a reason."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from administration.forms import CaseFilterForm, StaffCloseForm, StaffExtendForm, StaffReopenForm
from administration.selectors.caselist import csv_lines, filtered_cases
from administration.services import closing_actions, staff_case_close, staff_case_reopen, staff_deadline_extend
from cases.access import AccessRefused, AuthenticatedRequest, administrator_view, case_view
from cases.audit import RequestMeta
from cases.forms import add_service_error
from cases.lifecycle import ACTION_LABELS, TransitionError
from cases.models import Case
from cases.roles import Role
from cases.services import ServiceError
from cases.views.case import render_case_page

PAGE_SIZE = 50


@administrator_view
def case_list(request: AuthenticatedRequest) -> HttpResponseBase:
    form = CaseFilterForm(request.GET or None)
    cases = filtered_cases(form.spec())
    if request.GET.get("export") == "csv":
        response = StreamingHttpResponse(csv_lines(cases), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.csv"'
        return response
    rows = cases.prefetch_related(
        "parties__organisation", "assignments__user__mediator_profile", "assignments__user__arbitrator_profile"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "now": timezone.now()}
    return render(request, "administration/case_list.html", context, status=400 if form.errors else 200)


def staff_forms(case: Case, user: Any, **bound: Any) -> dict[str, Any]:
    actions = [(str(action), ACTION_LABELS[action]) for action in closing_actions(case, user)]
    return {
        "extend_form": bound.get("extend") or StaffExtendForm(),
        "close_form": bound.get("close") or StaffCloseForm(actions=actions),
        "reopen_form": bound.get("reopen") or StaffReopenForm(),
        "closing_actions": actions,
    }


def _staff_action(request: AuthenticatedRequest, case: Case, roles: frozenset[Role], name: str) -> HttpResponse:
    if Role.ADMINISTRATOR not in roles:
        raise AccessRefused
    meta = RequestMeta.from_request(request)
    if name == "extend":
        form: Any = StaffExtendForm(request.POST)
    elif name == "close":
        form = StaffCloseForm(request.POST, actions=staff_forms(case, request.user)["closing_actions"])
    else:
        form = StaffReopenForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if name == "extend":
                staff_deadline_extend(
                    case=case, user=request.user, until=data["until"], reason=data["reason"], meta=meta
                )
                messages.success(request, _("The deadline is extended."))
            elif name == "close":
                staff_case_close(case=case, user=request.user, action=data["action"], reason=data["reason"], meta=meta)
                messages.success(request, _("The case is closed."))
            else:
                staff_case_reopen(case=case, user=request.user, reason=data["reason"], meta=meta)
                messages.success(request, _("The case is reopened."))
        except (ServiceError, TransitionError) as exc:
            add_service_error(form, exc.message, getattr(exc, "field", None))
        else:
            return redirect("cases:detail", case_id=case.public_id)
    return render_case_page(request, case, roles, **{f"staff_{name}": form})


@require_POST
@case_view
def case_extend(request: AuthenticatedRequest, case: Case, roles: frozenset[Role]) -> HttpResponse:
    return _staff_action(request, case, roles, "extend")


@require_POST
@case_view
def case_close(request: AuthenticatedRequest, case: Case, roles: frozenset[Role]) -> HttpResponse:
    return _staff_action(request, case, roles, "close")


@require_POST
@case_view
def case_reopen_view(request: AuthenticatedRequest, case: Case, roles: frozenset[Role]) -> HttpResponse:
    return _staff_action(request, case, roles, "reopen")
