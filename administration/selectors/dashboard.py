"""The caseload at a glance, for case administrators: a fixed number of queries whatever the number of
cases (each figure is one aggregate in the database, never a loop over cases)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, Sum
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
    from payments.models import PAID_STATUSES, Charge, ChargeStatus, Payment

    now = now or timezone.now()
    filed = Case.objects.exclude(status=CaseStatus.DRAFT)
    status_labels = dict(CaseStatus.choices)
    outcome_labels = dict(CaseOutcome.choices)
    by_status: dict[str, int] = {}
    by_outcome: dict[str, int] = {}
    for row in filed.values("status", "outcome").annotate(n=Count("pk")).order_by():
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        if row["status"] == CaseStatus.CLOSED:
            by_outcome[row["outcome"]] = by_outcome.get(row["outcome"], 0) + row["n"]
    open_cases = filed.filter(status__in=OPEN_STATUSES)
    ageing_filters = {
        f"age_{low}": Count(
            "pk",
            filter=Q(filed_at__lte=now - timedelta(days=low))
            & (Q(filed_at__gt=now - timedelta(days=high)) if high is not None else Q()),
        )
        for low, high in AGEING_BUCKETS
    }
    totals = open_cases.aggregate(
        open_total=Count("pk"),
        overdue=Count("pk", filter=Q(deadline_at__lt=now)),
        due_soon=Count("pk", filter=Q(deadline_at__gte=now, deadline_at__lt=now + DUE_SOON)),
        **ageing_filters,
    )
    since = now - timedelta(weeks=WEEKS)
    weekly_filed = {
        row["week"]: row["n"]
        for row in filed.filter(filed_at__gte=since)
        .annotate(week=TruncWeek("filed_at"))
        .values("week")
        .annotate(n=Count("pk"))
        .order_by()
    }
    weekly_closed = {
        row["week"]: row["n"]
        for row in filed.filter(closed_at__gte=since)
        .annotate(week=TruncWeek("closed_at"))
        .values("week")
        .annotate(n=Count("pk"))
        .order_by()
    }
    this_week = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    this_week -= timedelta(days=this_week.weekday())
    weeks = []
    for back in range(WEEKS - 1, -1, -1):
        start = this_week - timedelta(weeks=back)
        weeks.append(WeekRow(start, _at_week(weekly_filed, start), _at_week(weekly_closed, start)))
    neutrals = [
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
    money = Payment.objects.filter(status__in=PAID_STATUSES).aggregate(
        received=Coalesce(Sum(Coalesce("amount_received", "amount")), Decimal("0")),
        refunded=Coalesce(Sum("amount_refunded"), Decimal("0")),
    )
    outstanding = Charge.objects.filter(status=ChargeStatus.DUE).aggregate(
        total=Coalesce(Sum("amount_due"), Decimal("0"))
    )["total"]
    payments_overdue = Obligation.objects.filter(
        status__in=(ObligationStatus.DUE, ObligationStatus.DISPUTED), due_by__lt=timezone.localdate(now)
    ).count()
    return Caseload(
        by_status=[
            Bar(str(status_labels[s]), by_status.get(s, 0), s) for s in CaseStatus.values if s != CaseStatus.DRAFT
        ],
        by_outcome=[Bar(str(outcome_labels[o]), by_outcome.get(o, 0), o) for o in CaseOutcome.values],
        weeks=weeks,
        open_total=totals["open_total"],
        overdue=totals["overdue"],
        due_soon=totals["due_soon"],
        ageing=[
            Bar(f"{low}-{high - 1}" if high is not None else f"{low}+", totals[f"age_{low}"], f"age_{low}")
            for low, high in AGEING_BUCKETS
        ],
        neutrals=neutrals,
        tiers=_tier_rates(by_outcome.get(CaseOutcome.AWARD_ISSUED, 0)),
        median_days_to_resolution=median_days_to_resolution(),
        fees_collected=money["received"] - money["refunded"],
        fees_outstanding=outstanding,
        payments_overdue=payments_overdue,
        generated_at=now,
    )


def _at_week(counts: dict[datetime, int], start: datetime) -> int:
    """TruncWeek gives the Monday of each week in the current time zone."""
    return next((n for week, n in counts.items() if timezone.localtime(week).date() == start.date()), 0)


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
