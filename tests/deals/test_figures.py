"""Deal-making in the administrators' dashboard, the public statistics and the audit trail: exact figures
on a known set of deals, in a fixed number of queries.

The deals are built through the services (``demo.builder``): the two later disputed are signed and sealed,
the others locked, then ``tests/deals/executed.py`` sets the dates the figures are about (see there); the
disputes are opened from the deals in one step and filed through the services (``builder.deal_disputed``).
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from administration.selectors.deals import DealCounts, DealMonth, deal_figures
from cases.models import AuditEntry
from deals.models import Deal, DealDispute
from deals.services.disputes import deal_dispute_open
from demo import builder
from tests.conftest import PASSWORD
from tests.deals.executed import dated, executed_by_update

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seal")]  # the disputed deals are sealed when signed


def _month_start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day.replace(day=1), time.min))


@pytest.fixture
def months() -> tuple[datetime, datetime]:
    """The first moment of this month and of the one before, in the Centre's time."""
    this = _month_start(timezone.localdate())
    return this, _month_start((this - timedelta(days=1)).date())


@pytest.fixture
def known(claimant: Any, claimant_org: Any, respondent: Any, respondent_org: Any, months: Any) -> dict[str, Deal]:
    """Seven deals between Alice's and Bob's businesses: one waiting for Bob, one in negotiation, and five
    executed (days from start to execution, ODR clause, disputed): last month A (2, kept, disputed) and
    B (8, kept; a dispute drafted, not filed); this month C (1, kept) and D (6, struck, disputed); E more than
    a year ago (10, kept)."""
    this, last = months

    def deal(*, locked: bool = True) -> Deal:
        started = builder.deal_started(
            initiator=claimant, initiator_org=claimant_org, counterparty_email=respondent.email
        )
        if not locked:
            return started
        joined = builder.deal_in_negotiation(deal=started, counterparty=respondent, counterparty_org=respondent_org)
        return builder.deal_locked(deal=joined)

    day, hour = timedelta(days=1), timedelta(hours=1)
    deals = {"waiting": deal(locked=False)}
    deals["negotiating"] = builder.deal_in_negotiation(
        deal=deal(locked=False), counterparty=respondent, counterparty_org=respondent_org
    )
    for name, started, days, kept in (
        ("A", last + day, 2, True),
        ("B", last + 2 * day, 8, True),
        ("C", this + hour, 1, True),
        ("D", this + 2 * hour, 6, False),
        ("E", this - 400 * day, 10, True),
    ):
        ended = started + days * day
        if name in ("A", "B", "D"):  # a dispute is opened from a contract really signed and sealed
            signed = builder.deal_executed(deal=deal(), password=PASSWORD)
            deals[name] = dated(signed, started=started, executed=ended, odr_clause_kept=kept)
        else:
            deals[name] = executed_by_update(deal(), started=started, executed=ended, odr_clause_kept=kept)
    for name in ("A", "D"):
        builder.deal_disputed(deal=deals[name], claimant=claimant)
    # Opened from B but not filed, still a draft: not a dispute yet.
    deal_dispute_open(deal=deals["B"], user=claimant)
    assert DealDispute.objects.count() == 3
    return deals


def test_the_figures_are_exact(known: dict[str, Deal], months: Any) -> None:
    this, last = months
    figures = deal_figures()
    assert figures.total == DealCounts(started=7, executed=5, kept_clause=4, disputed=2, median_days=6.0)
    assert (figures.total.kept_percent, figures.total.disputed_percent) == (80, 40)
    assert len(figures.months) == 12
    assert figures.months[-1] == DealMonth(
        started=4, executed=2, kept_clause=1, disputed=1, median_days=3.5, month=this.date()
    )
    assert figures.months[-2] == DealMonth(
        started=2, executed=2, kept_clause=2, disputed=1, median_days=5.0, month=last.date()
    )
    assert (figures.months[-2].kept_percent, figures.months[-2].disputed_percent) == (100, 50)
    earlier = figures.months[:-2]
    assert [(m.started, m.executed, m.median_days) for m in earlier] == [(0, 0, None)] * 10
    assert [m.month for m in figures.months] == sorted({m.month for m in figures.months})


def test_the_figures_take_a_fixed_number_of_queries(
    known: dict[str, Deal], django_assert_num_queries: Any, claimant: Any, claimant_org: Any
) -> None:
    """Three queries on PostgreSQL (the medians are aggregates there), four elsewhere."""
    expected = 3 if connection.vendor == "postgresql" else 4
    with django_assert_num_queries(expected):
        deal_figures()
    builder.deal_started(initiator=claimant, initiator_org=claimant_org, counterparty_email="dora@example.com")
    with django_assert_num_queries(expected):
        assert deal_figures().total.started == 8


def test_no_deals_no_figures(db: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(3):
        figures = deal_figures()
    assert figures.total == DealCounts(0, 0, 0, 0, None)
    assert (figures.total.kept_percent, figures.total.disputed_percent) == (None, None)


def _section(html: str, heading_id: str) -> str:
    """The text of the page's section labelled by ``heading_id``, tags dropped and spaces collapsed."""
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html, re.S)
    assert match, heading_id
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


def test_the_dashboard_shows_the_deal_figures(known: Any, months: Any, administrator: Any, client_for: Any) -> None:
    this, last = months
    page = client_for(administrator).get(reverse("administration:dashboard"))
    text = _section(page.text, "deals-heading")
    for figure in (
        "Deals started 7",
        "Contracts executed 5",
        "Median days from start to execution 6.0",
        "Executed contracts that kept the ODR clause 80% (4)",
        "Executed contracts later disputed 40% (2)",
        f"{date_format(this.date(), 'YEAR_MONTH_FORMAT')} 4 2 3.5 50% 50%",
        f"{date_format(last.date(), 'YEAR_MONTH_FORMAT')} 2 2 5.0 100% 50%",
    ):
        assert figure in text


def test_the_public_statistics_show_the_same_figures_without_small_numbers(
    known: Any, months: Any, client: Any
) -> None:
    this, _last = months
    text = _section(client.get(reverse("administration:statistics")).text, "deals-heading")
    for figure in ("Deals started 7", "Contracts executed 5", "Median days from start to execution 6.0"):
        assert figure in text
    assert "Kept the ODR clause 80%" in text
    assert "Later disputed 40%" in text
    # Two contracts executed this month: fewer than five, so no share or median for the month.
    dash = "\N{EN DASH}"
    assert f"{date_format(this.date(), 'YEAR_MONTH_FORMAT')} 4 2 {dash} {dash} {dash}" in text
    assert "Alpha Trading" not in text
    assert known["A"].reference not in text


def test_the_audit_trail_lists_deal_entries_and_filters_one_deal(
    known: Any, administrator: Any, client_for: Any
) -> None:
    staff = client_for(administrator)
    url = reverse("administration:audit")
    deal = known["negotiating"]
    one = staff.get(url, {"deal": deal.reference})
    assert one.status_code == 200
    shown = re.findall(r"<code>([\w.]+)</code>", one.text)
    assert sorted(set(shown)) == ["deal.invitation_sent", "deal.joined", "deal.started"]
    assert len(shown) == AuditEntry.objects.filter(subject=f"deal:{deal.public_id}").count()
    assert f'<a href="?deal={deal.reference}">{deal.reference}</a>' in one.text
    only = re.findall(r"<code>([\w.]+)</code>", staff.get(url, {"deals_only": "on"}).text)
    assert only
    assert all(action.startswith(("deal.", "fee.", "payment.")) for action in only)
    assert "<code>case.draft_started</code>" in staff.get(url).text
    assert re.findall(r"<code>", staff.get(url, {"deal": "DL-1999-000001"}).text) == []
    # Administrators read a deal's trail here; its own pages stay the two businesses'.
    assert staff.get(reverse("deals:detail", kwargs={"deal_id": deal.public_id})).status_code == 404
