"""The audit trail: every case's (staff page) or one case's, filtered, paged and exportable as CSV."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from administration.forms import AuditFilterForm
from administration.selectors.audit import action_names, audit_csv_lines, audit_entries, audit_rows
from cases.access import AccessRefused, AuthenticatedRequest, administrator_view, case_view
from cases.models import Case
from cases.roles import Role

PAGE_SIZE = 100


def _trail(request: AuthenticatedRequest, case: Case | None) -> HttpResponseBase:
    form = AuditFilterForm(request.GET or None)
    entries = audit_entries(form.spec(), case=case)
    if request.GET.get("export") == "csv":
        response = StreamingHttpResponse(audit_csv_lines(entries, case=case), content_type="text/csv; charset=utf-8")
        name = f"audit-{case.reference if case else 'all'}-{timezone.localtime():%Y%m%d-%H%M}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": audit_rows(page, case=case),
        "case": case,
        "query": query.urlencode(),
        "actions": action_names(),
    }
    return render(request, "administration/audit.html", context, status=400 if form.errors else 200)


@administrator_view
def audit_trail(request: AuthenticatedRequest) -> HttpResponseBase:
    return _trail(request, None)


@case_view
def case_audit_trail(request: AuthenticatedRequest, case: Case, roles: frozenset[Role]) -> HttpResponseBase:
    if Role.ADMINISTRATOR not in roles:
        raise AccessRefused
    return _trail(request, case)
