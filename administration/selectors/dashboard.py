"""The caseload at a glance, for case administrators: a fixed number of queries whatever the number of
cases (each figure is one aggregate in the database, never a loop over cases)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from cases.models import (
    OPEN_STATUSES,
    Case,
    CaseAssignment,
    CaseOutcome,
    CaseResponse,
    CaseSettlement,
    CaseStatus,
    Obligation,
    ObligationStatus,
    SettlementSource,
)

WEEKS = 12
DUE_SOON = timedelta(hours=48)
# Age of open cases since filing, in days: [lower, upper) with None for "and more".
AGEING_BUCKETS: list[tuple[int, int | None]] = [(0, 7), (7, 30), (30, 90), (90, None)]


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int | Decimal
    key: str = ""


@dataclass(frozen=True, slots=True)
class WeekRow:
    week: datetime
    filed: int
    closed: int


@dataclass(frozen=True, slots=True)
class TierRate:
    tier: str
    reached: int
    resolved: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.resolved / self.reached) if self.reached else None


@dataclass(frozen=True, slots=True)
class NeutralLoad:
    name: str
    email: str
    role: str
    open_cases: int


@dataclass(slots=True)
class Caseload:
    by_status: list[Bar]
    by_outcome: list[Bar]
    weeks: list[WeekRow]
    open_total: int
    overdue: int
    due_soon: int
    ageing: list[Bar]
    neutrals: list[NeutralLoad]
    tiers: list[TierRate]
    median_days_to_resolution: float | None
    fees_collected: Decimal
    fees_outstanding: Decimal
    payments_overdue: int
    generated_at: datetime = field(default_factory=timezone.now)


def _tier_rates(awards: int) -> list[TierRate]:
    """Of the cases that reached each tier, how many it resolved: settled in negotiation or mediation,
    an award issued in arbitration. Each tier leaves one row per case that reached it (the response, the
    mediation's and the arbitration's state), so reaching a tier is a count of those rows."""
    from arbitration.models import ArbitrationState
    from mediation.models import MediationState

    settled = dict(
        CaseSettlement.objects.filter(case__outcome=CaseOutcome.SETTLED)
        .values("source")
        .annotate(n=Count("pk"))
        .values_list("source", "n")
        .order_by()
    )
    in_negotiation = settled.get(SettlementSource.OFFER, 0) + settled.get(SettlementSource.BLIND_BID, 0)
    return [
        TierRate("negotiation", CaseResponse.objects.count(), in_negotiation),
        TierRate("mediation", MediationState.objects.count(), settled.get(SettlementSource.MEDIATION, 0)),
        TierRate("arbitration", ArbitrationState.objects.count(), awards),
    ]


class Median(Aggregate):
    """PostgreSQL's exact median of an interval (the 0.5 continuous percentile)."""

    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def median_days_to_resolution() -> float | None:
    """Median days from filing to closing, over cases closed with a resolution (settled or awarded).
    One query on PostgreSQL; elsewhere two (the count, then the middle rows in order)."""
    resolved = Case.objects.filter(
        outcome__in=(CaseOutcome.SETTLED, CaseOutcome.AWARD_ISSUED), filed_at__isnull=False, closed_at__isnull=False
    ).annotate(duration=ExpressionWrapper(F("closed_at") - F("filed_at"), output_field=DurationField()))
    if connection.vendor == "postgresql":
        median = resolved.aggregate(median=Median("duration"))["median"]
        return round(median.total_seconds() / 86400, 1) if median is not None else None
    count = resolved.count()
    if not count:
        return None
    middle = resolved.order_by("duration").values_list("duration", flat=True)
    if count % 2:
        value = middle[count // 2]
        return round(value.total_seconds() / 86400, 1)
    low, high = list(middle[count // 2 - 1 : count // 2 + 1])
    return round((low + high).total_seconds() / 2 / 86400, 1)


def caseload(now: datetime | None = None) -> Caseload:
    now = now or timezone.now()
    filed = Case.objects.exclude(status=CaseStatus.DRAFT)
    by_status, by_outcome = _counts_by_status_and_outcome(filed)
    totals = _open_case_totals(filed, now)
    weeks = _weekly_filed_and_closed(filed, now)
    neutrals = _neutral_loads()
    fees_collected = _fees_collected()
    fees_outstanding = _fees_outstanding()
    payments_overdue = _payments_overdue(now)
    return Caseload(
        by_status=_status_bars(by_status),
        by_outcome=_outcome_bars(by_outcome),
        weeks=weeks,
        open_total=totals["open_total"],
        overdue=totals["overdue"],
        due_soon=totals["due_soon"],
        ageing=_ageing_bars(totals),
        neutrals=neutrals,
        tiers=_tier_rates(by_outcome.get(CaseOutcome.AWARD_ISSUED, 0)),
        median_days_to_resolution=median_days_to_resolution(),
        fees_collected=fees_collected,
        fees_outstanding=fees_outstanding,
        payments_overdue=payments_overdue,
        generated_at=now,
    )


def _counts_by_status_and_outcome(filed: QuerySet[Case]) -> tuple[dict[str, int], dict[str, int]]:
    """The filed cases by status, and the closed ones by outcome, from one grouped count."""
    by_status: dict[str, int] = {}
    by_outcome: dict[str, int] = {}
    for row in filed.values("status", "outcome").annotate(n=Count("pk")).order_by():
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        if row["status"] == CaseStatus.CLOSED:
            by_outcome[row["outcome"]] = by_outcome.get(row["outcome"], 0) + row["n"]
    return by_status, by_outcome


def _status_bars(by_status: dict[str, int]) -> list[Bar]:
    labels = dict(CaseStatus.choices)
    return [Bar(str(labels[s]), by_status.get(s, 0), s) for s in CaseStatus.values if s != CaseStatus.DRAFT]


def _outcome_bars(by_outcome: dict[str, int]) -> list[Bar]:
    labels = dict(CaseOutcome.choices)
    return [Bar(str(labels[o]), by_outcome.get(o, 0), o) for o in CaseOutcome.values]


def _open_case_totals(filed: QuerySet[Case], now: datetime) -> dict[str, int]:
    """The open cases: how many, how many overdue or due soon, and how many in each age bucket
    (``age_<low>``), in one aggregate."""
    ageing_filters = {
        f"age_{low}": Count(
            "pk",
            filter=Q(filed_at__lte=now - timedelta(days=low))
            & (Q(filed_at__gt=now - timedelta(days=high)) if high is not None else Q()),
        )
        for low, high in AGEING_BUCKETS
    }
    totals: dict[str, int] = filed.filter(status__in=OPEN_STATUSES).aggregate(
        open_total=Count("pk"),
        overdue=Count("pk", filter=Q(deadline_at__lt=now)),
        due_soon=Count("pk", filter=Q(deadline_at__gte=now, deadline_at__lt=now + DUE_SOON)),
        **ageing_filters,
    )
    return totals


def _ageing_bars(totals: dict[str, int]) -> list[Bar]:
    return [
        Bar(f"{low}-{high - 1}" if high is not None else f"{low}+", totals[f"age_{low}"], f"age_{low}")
        for low, high in AGEING_BUCKETS
    ]


def _weekly_filed_and_closed(filed: QuerySet[Case], now: datetime) -> list[WeekRow]:
    """Cases filed and closed in each of the last ``WEEKS`` weeks, oldest first, the current week last."""
    since = now - timedelta(weeks=WEEKS)
    weekly_filed = _per_week(filed.filter(filed_at__gte=since), "filed_at")
    weekly_closed = _per_week(filed.filter(closed_at__gte=since), "closed_at")
    this_week = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    this_week -= timedelta(days=this_week.weekday())
    weeks = []
    for back in range(WEEKS - 1, -1, -1):
        start = this_week - timedelta(weeks=back)
        weeks.append(WeekRow(start, _at_week(weekly_filed, start), _at_week(weekly_closed, start)))
    return weeks


def _per_week(cases: QuerySet[Case], date_field: str) -> dict[datetime, int]:
    return {
        row["week"]: row["n"]
        for row in cases.annotate(week=TruncWeek(date_field)).values("week").annotate(n=Count("pk")).order_by()
    }


def _at_week(counts: dict[datetime, int], start: datetime) -> int:
    """TruncWeek gives the Monday of each week in the current time zone."""
    return next((n for week, n in counts.items() if timezone.localtime(week).date() == start.date()), 0)


def _neutral_loads() -> list[NeutralLoad]:
    """Each mediator's and arbitrator's number of open cases, the busiest first."""
    return [
        NeutralLoad(
            name=f"{row['user__first_name']} {row['user__last_name']}".strip() or row["user__email"],
            email=row["user__email"],
            role=row["role"],
            open_cases=row["n"],
        )
        for row in CaseAssignment.objects.filter(active=True, case__status__in=OPEN_STATUSES)
        .values("user__first_name", "user__last_name", "user__email", "role")
        .annotate(n=Count("case", distinct=True))
        .order_by("-n", "user__email")
    ]


def _fees_collected() -> Decimal:
    """Received less refunded, over the payments that went through."""
    from payments.models import PAID_STATUSES, Payment

    money = Payment.objects.filter(status__in=PAID_STATUSES).aggregate(
        received=Coalesce(Sum(Coalesce("amount_received", "amount")), Decimal("0")),
        refunded=Coalesce(Sum("amount_refunded"), Decimal("0")),
    )
    collected: Decimal = money["received"] - money["refunded"]
    return collected


def _fees_outstanding() -> Decimal:
    from payments.models import Charge, ChargeStatus

    outstanding: Decimal = Charge.objects.filter(status=ChargeStatus.DUE).aggregate(
        total=Coalesce(Sum("amount_due"), Decimal("0"))
    )["total"]
    return outstanding


def _payments_overdue(now: datetime) -> int:
    """Sums a settlement or an award requires, still owed (or disputed) after the day they were due."""
    return Obligation.objects.filter(
        status__in=(ObligationStatus.DUE, ObligationStatus.DISPUTED), due_by__lt=timezone.localdate(now)
    ).count()


@dataclass(frozen=True, slots=True)
class PublicFigures:
    filed: int
    closed: int
    tiers: list[TierRate]
    median_days_to_resolution: float | None
    # Fewer cases than this in a figure and it is not shown, so that no single dispute can be recognised.
    minimum: int = 5


def public_figures() -> PublicFigures:
    filed = Case.objects.exclude(status=CaseStatus.DRAFT)
    counts = filed.aggregate(
        filed=Count("pk"),
        closed=Count("pk", filter=Q(status=CaseStatus.CLOSED)),
        awards=Count("pk", filter=Q(outcome=CaseOutcome.AWARD_ISSUED)),
    )
    return PublicFigures(
        filed=counts["filed"],
        closed=counts["closed"],
        tiers=_tier_rates(counts["awards"]),
        median_days_to_resolution=median_days_to_resolution(),
    )
