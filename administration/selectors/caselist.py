"""The administrators' case list: filters, search, sorting, one page at a time, and the same filtered set
as a CSV that streams (never held in memory). The number of queries does not depend on how many cases
there are or how many a page shows."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from administration.csvstream import Echo, csv_cell
from cases.models import OPEN_STATUSES, Case, CaseAssignment, CaseParty, CaseStatus, Organisation, PartyRole

SORTS = {
    "filed": "filed_at",
    "-filed": "-filed_at",
    "deadline": "deadline_at",
    "-deadline": "-deadline_at",
    "amount": "amount_claimed",
    "-amount": "-amount_claimed",
    "reference": "reference",
    "-reference": "-reference",
}
DEFAULT_SORT = "-filed"


@dataclass(frozen=True, slots=True)
class CaseFilter:
    status: str = ""
    category: str = ""
    filed_from: date | None = None
    filed_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    neutral: int | None = None  # a user id
    overdue: bool = False
    q: str = ""
    sort: str = DEFAULT_SORT


def _party_name(role: str) -> Subquery:
    return Subquery(CaseParty.objects.filter(case=OuterRef("pk"), role=role).values("organisation__name")[:1])


def filtered_cases(spec: CaseFilter, *, now: datetime | None = None) -> QuerySet[Case]:
    now = now or timezone.now()
    cases = Case.objects.exclude(status=CaseStatus.DRAFT)
    if spec.status == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif spec.status:
        cases = cases.filter(status=spec.status)
    if spec.category:
        cases = cases.filter(category=spec.category)
    # Day boundaries in the user's time zone, as ranges on the column itself (so its index serves).
    if spec.filed_from:
        cases = cases.filter(filed_at__gte=_start_of(spec.filed_from))
    if spec.filed_to:
        cases = cases.filter(filed_at__lt=_start_of(spec.filed_to + timedelta(days=1)))
    if spec.amount_min is not None:
        cases = cases.filter(amount_claimed__gte=spec.amount_min)
    if spec.amount_max is not None:
        cases = cases.filter(amount_claimed__lte=spec.amount_max)
    if spec.neutral:
        cases = cases.filter(
            Exists(CaseAssignment.objects.filter(case=OuterRef("pk"), user_id=spec.neutral, active=True))
        )
    if spec.overdue:
        cases = cases.filter(status__in=OPEN_STATUSES, deadline_at__lt=now)
    term = spec.q.strip()
    if term:
        # A reference, or a party's business name or the email of the person acting for it. The
        # matching parties are found first (few businesses match), then their cases.
        businesses = Organisation.objects.filter(name__icontains=term).values("pk")
        people = User.objects.filter(email__iexact=term).values("pk")
        parties = CaseParty.objects.filter(Q(organisation_id__in=businesses) | Q(user_id__in=people))
        cases = cases.filter(
            Q(reference__iexact=term)
            | Q(respondent_email__iexact=term)
            | Q(respondent_name__icontains=term)
            | Q(pk__in=parties.values("case_id"))
        )
    return cases.order_by(SORTS.get(spec.sort, SORTS[DEFAULT_SORT]), "-pk")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def with_party_names(cases: QuerySet[Case]) -> QuerySet[Case]:
    """For the CSV, which streams rows without loading related objects: each party's business name."""
    return cases.annotate(
        claimant_name=_party_name(PartyRole.CLAIMANT),
        respondent_party_name=_party_name(PartyRole.RESPONDENT),
    )


CSV_COLUMNS = [
    ("reference", "reference"),
    ("status", "status"),
    ("outcome", "outcome"),
    ("category", "category"),
    ("amount_claimed", "amount_claimed_hkd"),
    ("claimant_name", "claimant"),
    ("respondent_party_name", "respondent"),
    ("respondent_name", "respondent_as_named_by_claimant"),
    ("filed_at", "filed_at"),
    ("deadline_at", "deadline_at"),
    ("closed_at", "closed_at"),
]


def csv_lines(cases: QuerySet[Case], *, chunk_size: int = 2000) -> Iterator[str]:
    """The header, then one line per case, read from the database in chunks (server-side cursor on
    PostgreSQL), so 100,000 rows never sit in memory together."""
    writer = csv.writer(Echo())
    yield writer.writerow([header for _field, header in CSV_COLUMNS])
    fields = [field for field, _header in CSV_COLUMNS]
    for row in with_party_names(cases).values_list(*fields).iterator(chunk_size=chunk_size):
        yield writer.writerow([csv_cell(value) for value in row])
