"""After a settlement: the payer reports payment with evidence, the payee confirms or disputes, and an
unpaid sum past its date is overdue (both parties told once)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.lifecycle import Action, case_transition
from cases.models import Obligation, ObligationStatus
from cases.services import ServiceError
from cases.services.compliance import payment_report, report_answer
from cases.services.deadlines import deadlines_sweep
from negotiation.services.offers import offer_accept, offer_make


@pytest.fixture
def settled_case(negotiation_case, claimant, respondent, settings):
    offer = offer_make(case=negotiation_case, user=respondent, amount=Decimal("8000.00"), terms="Within 14 days")
    offer_accept(case=negotiation_case, user=claimant, offer_id=offer.pk)
    case_transition(case=negotiation_case, action=Action.SETTLE, actor=None)  # the agreement was executed
    return negotiation_case


def test_closing_as_settled_creates_the_obligation(settled_case, settings):
    obligation = Obligation.objects.get(case=settled_case)
    assert (obligation.payer_role, obligation.payee_role, obligation.amount) == (
        "respondent",
        "claimant",
        Decimal("8000.00"),
    )
    assert obligation.due_by == timezone.localdate() + timedelta(days=settings.ODR_SETTLEMENT_PAYMENT_DAYS)


def test_the_payer_reports_with_evidence_and_the_payee_confirms(
    settled_case, claimant, respondent, client_for, run_tasks
):
    obligation = Obligation.objects.get(case=settled_case)
    url = reverse("cases:payment_report", kwargs={"case_id": settled_case.public_id, "obligation_id": obligation.pk})
    # The claimant cannot report the respondent's payment.
    client_for(claimant).post(url, {"amount": "8000", "paid_on": timezone.localdate().isoformat(), "reference": "X"})
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.DUE
    response = client_for(respondent).post(
        url,
        {
            "amount": "8000.00",
            "paid_on": timezone.localdate().isoformat(),
            "reference": "HSBC FT 123",
            "evidence": SimpleUploadedFile("slip.txt", b"Transfer HK$8,000 to Harbour Events"),
        },
    )
    assert response.status_code == 302
    obligation.refresh_from_db()
    report = obligation.reports.get()
    assert (obligation.status, report.reference) == (ObligationStatus.REPORTED, "HSBC FT 123")
    assert report.evidence is not None  # stored in the evidence store, though the case is closed
    assert any("Payment reported" in m.subject for m in run_tasks())
    page = client_for(claimant).get(reverse("cases:detail", kwargs={"case_id": settled_case.public_id}))
    assert "The money arrived: confirm" in page.text
    answer = reverse("cases:payment_answer", kwargs={"case_id": settled_case.public_id, "report_id": report.pk})
    client_for(respondent).post(answer, {"answer": "confirm"})  # not the payee's to answer
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.REPORTED
    client_for(claimant).post(answer, {"answer": "confirm"})
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.CONFIRMED


def test_a_disputed_report_needs_a_reason_and_the_payer_may_report_again(settled_case, claimant, respondent):
    obligation = Obligation.objects.get(case=settled_case)
    report = payment_report(
        obligation=obligation, user=respondent, amount=Decimal("8000"), paid_on=timezone.localdate(), reference="R1"
    )
    with pytest.raises(ServiceError, match="why"):
        report_answer(report=report, user=claimant, confirm=False)
    report_answer(report=report, user=claimant, confirm=False, reason="Nothing arrived")
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.DISPUTED
    with pytest.raises(ServiceError, match="future"):
        payment_report(
            obligation=obligation,
            user=respondent,
            amount=Decimal("8000"),
            paid_on=timezone.localdate() + timedelta(days=2),
            reference="R2",
        )
    payment_report(
        obligation=obligation, user=respondent, amount=Decimal("8000"), paid_on=timezone.localdate(), reference="R2"
    )
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.REPORTED


def test_an_unpaid_sum_past_its_date_is_overdue_and_both_are_told_once(settled_case, client_for, claimant, run_tasks):
    obligation = Obligation.objects.get(case=settled_case)
    later = timezone.now() + timedelta(days=30)
    assert deadlines_sweep(now=later)["obligations_overdue"] == 1
    assert deadlines_sweep(now=later)["obligations_overdue"] == 0
    sent = [m for m in run_tasks() if "Payment overdue" in m.subject]
    assert len(sent) == 2
    Obligation.objects.filter(pk=obligation.pk).update(due_by=timezone.localdate() - timedelta(days=1))
    page = client_for(claimant).get(reverse("cases:detail", kwargs={"case_id": settled_case.public_id}))
    assert "Overdue" in page.text
