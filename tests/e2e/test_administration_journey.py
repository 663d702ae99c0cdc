"""A case administrator in a real browser: reads the caseload dashboard, filters the cases past their
deadline, extends the overdue one's deadline with a reason and finds the extension on its audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case
from cases.services.filing import claim_file
from tests.e2e.conftest import sign_in_with_code, totp_secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "The respondent was in hospital; both parties agreed three more days."


@pytest.fixture
def overdue_case(negotiation_case: Case) -> Case:
    Case.objects.filter(pk=negotiation_case.pk).update(deadline_at=timezone.now() - timedelta(hours=2))
    return Case.objects.get(pk=negotiation_case.pk)


@pytest.fixture
def timely_case(make_draft: Any, claimant: Any) -> Case:
    case = claim_file(case=make_draft(), user=claimant, terms_accepted=True, consents_to_arbitration=True)
    Case.objects.filter(pk=case.pk).update(deadline_at=timezone.now() + timedelta(days=5))
    return Case.objects.get(pk=case.pk)


def test_administrator_filters_overdue_cases_extends_a_deadline_and_audits_it(
    overdue_case, timely_case, administrator, live_server, new_page
):
    base = live_server.url
    secret = totp_secret(administrator)  # read before the browser opens
    page = new_page()
    sign_in_with_code(page, base, administrator.email, secret)

    # The caseload dashboard: two open cases, one past its deadline, and charts readable as tables.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Caseload").click()
    expect(page.get_by_role("heading", name="Caseload", level=1)).to_be_visible()
    now = page.get_by_role("region", name="Open cases")
    expect(now.locator("div", has=page.get_by_text("Open", exact=True)).get_by_role("link")).to_have_text("2")
    expect(now.locator("div", has=page.get_by_text("Past their deadline")).get_by_role("link")).to_have_text("1")
    stages = page.get_by_role("figure", name="Cases by stage")
    expect(stages.get_by_role("table")).to_be_hidden()
    stages.get_by_text("Show the numbers as a table").click()
    expect(stages.get_by_role("row", name="Negotiation 1")).to_be_visible()
    expect(stages.get_by_role("row", name="Awaiting response 1")).to_be_visible()

    # All cases, only those past their deadline: the box is ticked by keyboard (Tab from Sort, Space).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="All cases").click()
    expect(page.get_by_role("heading", name="All cases", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="2 cases")).to_be_visible()
    page.get_by_label("Sort").focus()
    page.keyboard.press("Tab")
    overdue_box = page.get_by_label("Only cases past their deadline")
    expect(overdue_box).to_be_focused()
    page.keyboard.press("Space")
    expect(overdue_box).to_be_checked()
    page.get_by_role("button", name="Show cases").click()
    results = page.get_by_role("region", name="1 case")
    expect(results).to_be_visible()
    row = results.get_by_role("row").filter(has=page.get_by_role("link", name=overdue_case.reference))
    expect(row.get_by_text("Overdue", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=timely_case.reference)).to_have_count(0)
    expect(page.get_by_label("Only cases past their deadline")).to_be_checked()  # the filter stays shown

    # Enter in Search submits too, keeping the overdue filter: the timely case is not past its deadline.
    search = page.get_by_label("Search")
    search.fill(timely_case.reference)
    search.press("Enter")
    expect(page.get_by_role("heading", name="0 cases")).to_be_visible()
    expect(page.get_by_text("No case matches.")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("heading", name="1 case")).to_be_visible()

    # The administrator opens the overdue case and extends its deadline by three days, with a reason.
    page.get_by_role("link", name=overdue_case.reference).click()
    deadline = page.get_by_role("region", name="Negotiation: current deadline")
    expect(deadline).to_contain_text("Deadline passed")
    staff = page.get_by_role("region", name="Case administration")
    expect(staff).to_be_visible()
    staff.get_by_text("Extend the deadline").click()
    until = timezone.localtime(timezone.now() + timedelta(days=3), ZoneInfo("Asia/Hong_Kong")).replace(
        second=0, microsecond=0
    )
    staff.get_by_label("New deadline").fill(until.strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_label("Reason (the parties see it in the case timeline)").fill(REASON)
    staff.get_by_role("button", name="Extend", exact=True).click()
    expect(page.get_by_text("The deadline is extended.")).to_be_visible()
    expect(deadline).to_contain_text(f"Due {until.day} {until:%B %Y, %H:%M} (Hong Kong time).")
    expect(deadline).not_to_contain_text("Deadline passed")
    assert Case.objects.get(pk=overdue_case.pk).deadline_at == until  # the form read Hong Kong time

    # The case is no longer past its deadline...
    page.goto(base + "/staff/cases/?overdue=on")
    expect(page.get_by_role("heading", name="0 cases")).to_be_visible()

    # ... and the case's audit trail records who extended it and why.
    page.go_back()
    page.get_by_role("region", name="Case administration").get_by_role(
        "link", name="Full audit trail of this case"
    ).click()
    expect(page.get_by_role("heading", name=f"Audit trail: {overdue_case.reference}")).to_be_visible()
    entry = page.get_by_role("row").filter(has=page.get_by_text("case.deadline_extended", exact=True))
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(administrator.email)
    expect(entry).to_contain_text(f"reason: {REASON}")
