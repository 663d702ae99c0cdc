"""Case administration: the dashboard's numbers against a hand-built caseload, the case list's filters,
search, sorting and CSV, the audit trail, the staff actions on a case, the public statistics, who may see
any of it, and query counts that do not grow with the number of cases."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from administration.selectors.caselist import CaseFilter, filtered_cases
from administration.selectors.dashboard import caseload, median_days_to_resolution
from administration.services import staff_case_close, staff_case_reopen, staff_deadline_extend
from cases.lifecycle import TransitionError
from cases.models import (
    AuditEntry,
    Case,
    CaseAssignment,
    CaseParty,
    CaseResponse,
    CaseSettlement,
    CaseStatus,
    NeutralRole,
)
from cases.services import ServiceError
from tests.conftest import make_organisation


@pytest.fixture
def build(claimant, respondent, claimant_org, respondent_org):
    """Cases made directly in the database, with exactly the dates and states a test needs."""
    counter = iter(range(1, 10_000))
    now = timezone.now()

    def make(
        status="negotiation",
        *,
        outcome="",
        filed_days=10,
        closed_days=None,
        deadline_hours=None,
        amount="10000.00",
        category="services",
        settled_by="",
        reached=("negotiation",),
        respondent_name="Bravo Services Limited",
    ):
        case = Case.objects.create(
            reference=f"ODR-2026-{next(counter):06d}",
            status=status,
            outcome=outcome,
            category=category,
            amount_claimed=Decimal(amount),
            respondent_name=respondent_name,
            respondent_email="bob@example.com",
            created_by=claimant,
            filed_at=now - timedelta(days=filed_days),
            closed_at=now - timedelta(days=closed_days) if closed_days is not None else None,
            deadline_at=now + timedelta(hours=deadline_hours) if deadline_hours is not None else None,
        )
        CaseParty.objects.create(case=case, role="claimant", organisation=claimant_org, user=claimant)
        CaseParty.objects.create(case=case, role="respondent", organisation=respondent_org, user=respondent)
        if "negotiation" in reached:
            CaseResponse.objects.create(case=case, response_text="We dispute it.", submitted_by=respondent)
        if "mediation" in reached:
            from mediation.models import MediationState

            MediationState.objects.create(case=case, ranking_deadline_at=now)
        if "arbitration" in reached:
            from arbitration.models import ArbitrationState

            ArbitrationState.objects.create(case=case, ranking_deadline_at=now)
        if settled_by:
            CaseSettlement.objects.create(case=case, amount=Decimal("1.00"), source=settled_by)
        return case

    return make


@pytest.fixture
def caseload_set(build, mediator, arbitrator):
    """Eight cases whose every dashboard figure is known by hand."""
    overdue = build("negotiation", deadline_hours=-5, filed_days=3)
    build("negotiation", deadline_hours=20, filed_days=40)  # due within 48 h
    mediation = build("mediation", deadline_hours=24 * 10, filed_days=100, reached=("negotiation", "mediation"))
    CaseAssignment.objects.create(case=mediation, user=mediator, role=NeutralRole.MEDIATOR)
    arbitration = build(
        "arbitration", deadline_hours=24 * 20, filed_days=50, reached=("negotiation", "mediation", "arbitration")
    )
    CaseAssignment.objects.create(case=arbitration, user=arbitrator, role=NeutralRole.ARBITRATOR)
    build("closed", outcome="settled", filed_days=20, closed_days=10, settled_by="offer")  # 10 days
    build(
        "closed",
        outcome="settled",
        filed_days=40,
        closed_days=10,
        settled_by="mediation",
        reached=("negotiation", "mediation"),
    )  # 30 days
    build(
        "closed",
        outcome="award_issued",
        filed_days=60,
        closed_days=0,
        reached=("negotiation", "mediation", "arbitration"),
    )  # 60 days
    build("closed", outcome="declined", filed_days=5, closed_days=4, reached=())
    return overdue


def test_every_dashboard_number_matches_the_hand_built_caseload(caseload_set, mediator):
    figures = caseload()
    status = {bar.key: bar.value for bar in figures.by_status}
    assert status["negotiation"] == 2
    assert status["mediation"] == 1
    assert status["arbitration"] == 1
    assert status["closed"] == 4
    outcomes = {bar.key: bar.value for bar in figures.by_outcome}
    assert outcomes["settled"] == 2
    assert outcomes["award_issued"] == 1
    assert outcomes["declined"] == 1
    assert (figures.open_total, figures.overdue, figures.due_soon) == (4, 1, 1)
    ageing = {bar.key: bar.value for bar in figures.ageing}
    assert ageing == {"age_0": 1, "age_7": 0, "age_30": 2, "age_90": 1}
    rates = {tier.tier: (tier.reached, tier.resolved) for tier in figures.tiers}
    assert rates == {"negotiation": (7, 1), "mediation": (4, 1), "arbitration": (2, 1)}
    assert figures.median_days_to_resolution == 30.0
    loads = {(load.email, load.role): load.open_cases for load in figures.neutrals}
    assert loads == {("mia@example.com", "mediator"): 1, ("arthur@example.com", "arbitrator"): 1}
    assert sum(week.filed for week in figures.weeks) == 7  # filed within the last 12 weeks (not the 100-day one)
    assert sum(week.closed for week in figures.weeks) == 4


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two(build):
    build("closed", outcome="settled", filed_days=20, closed_days=10, settled_by="offer")
    build("closed", outcome="settled", filed_days=40, closed_days=20, settled_by="offer")
    assert median_days_to_resolution() == 15.0


def test_fees_collected_and_outstanding(negotiation_case, claimant, fee_schedule):
    from negotiation.services.escalation import mediation_request
    from payments.models import Charge
    from payments.services.payments import manual_payment_confirm, payment_execute, payment_start

    mediation_request(case=negotiation_case, user=claimant)
    charge = Charge.objects.get(case=negotiation_case, party__role="claimant")
    payment = payment_execute(
        payment=payment_start(charge=charge, user=claimant, provider="manual"), user=claimant, data={"reference": "T1"}
    )
    from cases.roles_setup import ADMINISTRATOR_GROUP
    from tests.conftest import make_user

    admin = make_user("ada2", ADMINISTRATOR_GROUP, mfa=True)
    manual_payment_confirm(payment=payment, actor=admin, amount_received=Decimal("1000.00"))
    figures = caseload()
    assert figures.fees_collected == Decimal("1000.00")
    assert figures.fees_outstanding == Decimal("1000.00")  # the respondent's mediation fee


def test_the_dashboard_needs_the_same_queries_for_3_or_30_cases(build, administrator, client_for):
    client = client_for(administrator)
    url = reverse("administration:dashboard")
    for _ in range(3):
        build("negotiation", deadline_hours=5)
    build("closed", outcome="settled", closed_days=1, settled_by="offer")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(27):
        build("closed", outcome="settled", closed_days=1, settled_by="offer")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_the_case_list_needs_the_same_queries_for_any_number_of_cases(build, administrator, client_for, mediator):
    client = client_for(administrator)
    url = reverse("administration:case_list") + "?status=open&sort=deadline"
    for _ in range(2):
        CaseAssignment.objects.create(case=build(deadline_hours=5), user=mediator, role=NeutralRole.MEDIATOR)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(40):
        CaseAssignment.objects.create(case=build(deadline_hours=5), user=mediator, role=NeutralRole.MEDIATOR)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert "42 cases" in response.text
    assert len(many) == len(few)


def test_filters_search_and_sorting(build, mediator, claimant, outsider):
    small = build(amount="500.00", category="travel", deadline_hours=-1)
    big = build(amount="90000.00", category="services", deadline_hours=30)
    CaseAssignment.objects.create(case=big, user=mediator, role=NeutralRole.MEDIATOR)
    other_org = make_organisation(outsider, "Zeta Printing Limited")
    odd = build(amount="7000.00", respondent_name="Zeta Printing Limited")
    CaseParty.objects.filter(case=odd, role="respondent").update(organisation=other_org, user=outsider)

    def refs(**spec):
        return [case.reference for case in filtered_cases(CaseFilter(**spec))]

    assert refs(category="travel") == [small.reference]
    assert refs(amount_min=Decimal("1000"), amount_max=Decimal("10000")) == [odd.reference]
    assert refs(neutral=mediator.pk) == [big.reference]
    assert refs(overdue=True) == [small.reference]
    assert refs(q="zeta") == [odd.reference]
    assert refs(q="charlie@example.com") == [odd.reference]
    assert refs(q=small.reference.lower()) == [small.reference]
    assert refs(sort="-amount") == [big.reference, odd.reference, small.reference]


def test_the_csv_export_streams_the_filtered_cases(build, administrator, client_for):
    build(amount="500.00", category="travel")
    build(amount="900.00", category="services", respondent_name="=HYPERLINK(1)")
    response = client_for(administrator).get(reverse("administration:case_list") + "?category=services&export=csv")
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("reference,status,outcome,category,amount_claimed_hkd")
    assert len(lines) == 2
    assert "900.00" in lines[1]
    assert "'=HYPERLINK(1)" in lines[1]  # never a formula in a spreadsheet


def test_the_audit_trail_filters_and_exports(negotiation_case, claimant, administrator, client_for):
    url = reverse("administration:audit")
    client = client_for(administrator)
    page = client.get(url + "?actor=alice@example.com")
    assert "<code>case.file</code>" in page.text
    assert "<code>case.respond</code>" not in page.text
    page = client.get(url + "?actor=system&action=case.")
    assert "<code>case.invite</code>" in page.text
    response = client.get(url + "?action=case.respond&export=csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 2
    assert "bob@example.com" in lines[1]
    case_page = client.get(reverse("administration:case_audit", kwargs={"case_id": negotiation_case.public_id}))
    assert negotiation_case.reference in case_page.text


def test_staff_actions_need_a_reason_and_are_audited(negotiation_case, administrator, claimant):
    until = negotiation_case.deadline_at + timedelta(days=2)
    with pytest.raises(ServiceError, match="reason"):
        staff_deadline_extend(case=negotiation_case, user=administrator, until=until, reason=" ")
    with pytest.raises(ServiceError, match="Only a case administrator"):
        staff_deadline_extend(case=negotiation_case, user=claimant, until=until, reason="Because")
    staff_deadline_extend(case=negotiation_case, user=administrator, until=until, reason="Typhoon signal 8")
    entry = AuditEntry.objects.get(case=negotiation_case, action="case.deadline_extended")
    assert entry.actor == administrator
    assert entry.data["reason"] == "Typhoon signal 8"
    with pytest.raises(ServiceError, match="cannot be closed that way"):
        staff_case_close(case=negotiation_case, user=administrator, action="settle", reason="x")
    staff_case_close(case=negotiation_case, user=administrator, action="expire", reason="Parties stopped replying")
    negotiation_case.refresh_from_db()
    assert (negotiation_case.status, negotiation_case.outcome) == ("closed", "expired")


def test_a_case_closed_in_error_reopens_where_it_was(negotiation_case, administrator, settings):
    staff_case_close(case=negotiation_case, user=administrator, action="withdraw", reason="Clicked by mistake")
    with pytest.raises(TransitionError, match="reason"):
        staff_case_reopen(case=negotiation_case, user=administrator, reason="")
    staff_case_reopen(case=negotiation_case, user=administrator, reason="Withdrawn by mistake, says the claimant")
    negotiation_case.refresh_from_db()
    assert (negotiation_case.status, negotiation_case.outcome, negotiation_case.closed_at) == ("negotiation", "", None)
    assert negotiation_case.deadline_at > timezone.now() + timedelta(days=settings.ODR_REOPENED_DEADLINE_DAYS - 1)
    entry = AuditEntry.objects.get(case=negotiation_case, action="case.reopen")
    assert (entry.from_status, entry.to_status) == ("closed", "negotiation")


def test_a_settled_case_is_never_reopened(build, administrator):
    settled = build("closed", outcome="settled", closed_days=1, settled_by="offer")
    with pytest.raises(TransitionError, match="Only a case closed as withdrawn"):
        staff_case_reopen(case=settled, user=administrator, reason="Second thoughts")


def test_staff_actions_from_the_case_page(negotiation_case, administrator, client_for):
    client = client_for(administrator)
    detail = client.get(reverse("cases:detail", kwargs={"case_id": negotiation_case.public_id}))
    assert "Case administration" in detail.text
    url = reverse("administration:case_extend", kwargs={"case_id": negotiation_case.public_id})
    refused = client.post(url, {"until": "2020-01-01T10:00", "reason": "Late"})
    assert refused.status_code == 400
    assert "must be in the future" in refused.text or "later" in refused.text
    until = timezone.localtime(negotiation_case.deadline_at + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(url, {"until": until, "reason": "Bank holiday"}).status_code == 302
    assert AuditEntry.objects.filter(case=negotiation_case, action="case.deadline_extended").exists()


STAFF_PAGES = ["administration:dashboard", "administration:case_list", "administration:audit"]


def test_nobody_but_administrators_reaches_the_staff_pages(
    negotiation_case, client_for, claimant, respondent, mediator, arbitrator, outsider, administrator, assign
):
    assign(negotiation_case, mediator, NeutralRole.MEDIATOR)
    case_kwargs = {"case_id": negotiation_case.public_id}
    gets = [reverse(name) for name in STAFF_PAGES] + [reverse("administration:case_audit", kwargs=case_kwargs)]
    posts = [
        reverse(name, kwargs=case_kwargs)
        for name in ("administration:case_extend", "administration:case_close", "administration:case_reopen")
    ]
    for user in (claimant, respondent, mediator, arbitrator, outsider):
        for url in gets:
            assert client_for(user).get(url).status_code == 404, (user, url)
        for url in posts:
            assert client_for(user).post(url, {"reason": "x"}).status_code == 404, (user, url)
    for url in gets:
        assert client_for(administrator).get(url).status_code == 200, url
        assert client_for(None).get(url).status_code == 302


def test_public_statistics_need_no_sign_in_and_hide_small_numbers(caseload_set, client_for):
    page = client_for(None).get(reverse("administration:statistics"))
    assert page.status_code == 200
    assert "How disputes end here" in page.text
    assert "fewer than 5" in page.text  # 4 cases reached mediation: too few to show a rate
    assert "ODR-2026" not in page.text
    assert "Alpha Trading" not in page.text


def test_every_case_status_is_a_filter_option(administrator, client_for):
    page = client_for(administrator).get(reverse("administration:case_list"))
    for status in CaseStatus.values:
        if status != CaseStatus.DRAFT:
            assert f'value="{status}"' in page.text


def test_the_seed_command_makes_realistic_cases_the_pages_can_show(administrator, client_for, fee_schedule):
    from django.core.management import call_command

    from payments.models import Charge

    call_command("seed_caseload", "300", "--seed", "3")
    cases = Case.objects.exclude(status=CaseStatus.DRAFT)
    assert cases.count() == 300
    assert set(cases.values_list("status", flat=True)) == set(CaseStatus.values) - {"draft", "filed"}
    assert CaseParty.objects.filter(case__in=cases).count() >= 300
    assert Charge.objects.exists()
    figures = caseload()
    assert sum(bar.value for bar in figures.by_status) == 300
    assert all(tier.reached >= tier.resolved > 0 for tier in figures.tiers)
    client = client_for(administrator)
    assert client.get(reverse("administration:dashboard")).status_code == 200
    assert "300 cases" in client.get(reverse("administration:case_list")).text


def test_payments_overdue_under_a_settlement_or_award_show_on_the_dashboard(build, administrator, client_for):
    from cases.models import Obligation

    awarded = build("closed", outcome="award_issued", closed_days=30)
    settled = build("closed", outcome="settled", closed_days=30, settled_by="offer")
    today = timezone.localdate()
    Obligation.objects.create(
        case=awarded,
        source="award",
        payer_role="respondent",
        payee_role="claimant",
        amount=Decimal("5000.00"),
        due_by=today - timedelta(days=3),
    )
    Obligation.objects.create(
        case=settled,
        source="settlement",
        payer_role="respondent",
        payee_role="claimant",
        amount=Decimal("900.00"),
        due_by=today + timedelta(days=3),
    )
    assert caseload().payments_overdue == 1
    page = client_for(administrator).get(reverse("administration:dashboard"))
    assert "Payments overdue under a settlement or award" in page.text
