"""Deal-making in figures, for the caseload dashboard and the public statistics: deals started and executed,
the median time from starting a deal to its execution, and of the executed contracts the share that kept
the Centre's ODR clause and the share later disputed (a claim about it filed, ``DealDispute``); overall
and for each of the last ``MONTHS`` months. No deal, business or person is named.

A fixed number of queries whatever the number of deals: three on PostgreSQL (the medians are aggregates
there), four elsewhere (the executed deals' two dates, read once, give every median)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any

from django.db import connection
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from administration.selectors.dashboard import Median
from deals.models import Deal, DealDispute

MONTHS = 12
EXECUTED = Q(executed_at__isnull=False)


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


@dataclass(frozen=True, slots=True)
class DealCounts:
    """Deals started in a period, and of the deals executed in it: how many, how many kept the ODR clause
    and were later disputed, and the median days from start to execution."""

    started: int
    executed: int
    kept_clause: int
    disputed: int
    median_days: float | None

    @property
    def kept_percent(self) -> int | None:
        return _percent(self.kept_clause, self.executed)

    @property
    def disputed_percent(self) -> int | None:
        return _percent(self.disputed, self.executed)


@dataclass(frozen=True, slots=True)
class DealMonth(DealCounts):
    month: date = date.min


@dataclass(frozen=True, slots=True)
class DealFigures:
    total: DealCounts
    months: list[DealMonth]  # oldest first, the current month last


def _days(value: timedelta | None) -> float | None:
    return round(value.total_seconds() / 86400, 1) if value is not None else None


def _month_of(value: datetime | date) -> date:
    day = timezone.localtime(value).date() if isinstance(value, datetime) else value
    return day.replace(day=1)


def _last_months(now: datetime) -> list[date]:
    first = timezone.localtime(now).date().replace(day=1)
    months = [first]
    while len(months) < MONTHS:
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    return months


def _executed_counts() -> dict[str, object]:
    """The aggregates of executed deals, for ``aggregate`` or a grouped ``annotate``."""
    counts: dict[str, object] = {
        "executed": Count("pk", filter=EXECUTED),
        "kept_clause": Count("pk", filter=EXECUTED & Q(odr_clause_kept=True)),
        "disputed": Count("pk", filter=EXECUTED & Q(was_disputed=True)),
    }
    if connection.vendor == "postgresql":
        counts["median"] = Median("to_execute", filter=EXECUTED)
    return counts


def _deals() -> QuerySet[Deal]:
    return Deal.objects.annotate(
        # A dispute counts once its claim is filed: the one-step dispute only drafts it.
        was_disputed=Exists(DealDispute.objects.filter(deal=OuterRef("pk"), case__filed_at__isnull=False)),
        to_execute=ExpressionWrapper(F("executed_at") - F("created_at"), output_field=DurationField()),
    )


def _median_days(seconds: list[float]) -> float | None:
    return round(median(seconds) / 86400, 1) if seconds else None


def _medians(months: list[date]) -> tuple[float | None, dict[date, float | None]]:
    """Elsewhere than on PostgreSQL: the median days overall and per month, from one read of the executed
    deals' dates (the figures are for development databases there, not the Centre's)."""
    by_month: dict[date, list[float]] = {}
    every: list[float] = []
    for created_at, executed_at in Deal.objects.filter(EXECUTED).values_list("created_at", "executed_at"):
        assert executed_at is not None  # EXECUTED
        every.append((executed_at - created_at).total_seconds())
        by_month.setdefault(_month_of(executed_at), []).append(every[-1])
    return _median_days(every), {month: _median_days(by_month.get(month, [])) for month in months}


def deal_figures(now: datetime | None = None) -> DealFigures:
    months = _last_months(now or timezone.now())
    since = timezone.make_aware(datetime.combine(months[0], time.min))
    total = _deals().aggregate(started=Count("pk"), **_executed_counts())
    started = {
        _month_of(row["month"]): row["n"]
        for row in Deal.objects.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    }
    executed: dict[date, dict[str, Any]] = {
        _month_of(row["month"]): dict(row)
        for row in _deals()
        .filter(executed_at__gte=since)
        .annotate(month=TruncMonth("executed_at"))
        .values("month")
        .annotate(**_executed_counts())
        .order_by()
    }
    if connection.vendor == "postgresql":
        overall = _days(total["median"])
        by_month = {month: _days(executed[month]["median"]) if month in executed else None for month in months}
    else:
        overall, by_month = _medians(months) if total["executed"] else (None, dict.fromkeys(months))
    empty = {"executed": 0, "kept_clause": 0, "disputed": 0}
    return DealFigures(
        total=DealCounts(total["started"], total["executed"], total["kept_clause"], total["disputed"], overall),
        months=[
            DealMonth(
                started=started.get(month, 0),
                executed=executed.get(month, empty)["executed"],
                kept_clause=executed.get(month, empty)["kept_clause"],
                disputed=executed.get(month, empty)["disputed"],
                median_days=by_month[month],
                month=month,
            )
            for month in months
        ],
    )
