"""The caseload dashboard (staff) and the public statistics page (anyone)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.views.decorators.cache import cache_page

from administration.charts import bars, height
from administration.selectors.dashboard import caseload, public_figures
from administration.selectors.deals import deal_figures
from cases.access import AuthenticatedRequest, administrator_view


@administrator_view
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    figures = caseload()
    charts = {
        "status": bars([(bar.label, bar.value) for bar in figures.by_status]),
        "outcome": bars([(bar.label, bar.value) for bar in figures.by_outcome]),
        "ageing": bars([(bar.label, bar.value) for bar in figures.ageing]),
        "filed": bars([(date_format(week.week, "MONTH_DAY_FORMAT"), week.filed) for week in figures.weeks]),
        "closed": bars([(date_format(week.week, "MONTH_DAY_FORMAT"), week.closed) for week in figures.weeks]),
        "neutrals": bars([(f"{load.name} ({load.role})", load.open_cases) for load in figures.neutrals]),
    }
    heights = {name: height(chart) for name, chart in charts.items()}
    context = {"figures": figures, "charts": charts, "heights": heights, "deals": deal_figures(figures.generated_at)}
    return render(request, "administration/dashboard.html", context)


@cache_page(300)
def public_statistics(request: HttpRequest) -> HttpResponse:
    """Aggregate, anonymised figures: no case, party or person can be picked out. Cached five minutes."""
    return render(request, "administration/statistics.html", {"figures": public_figures(), "deals": deal_figures()})
