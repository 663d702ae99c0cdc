"""The pages: what a party owes on the case page, the staff's reconciliation, fee schedules, receipts."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from cases.models import CaseStatus, NeutralRole
from cases.services.invitations import invitation_send
from cases.services.responses import case_respond
from documents.models import IssuedDocument, IssuedKind
from payments.models import Charge, ChargeStatus, FeeSchedule, Payment
from payments.services.payments import manual_payment_confirm, payment_execute, payment_start

STAFF_URLS = ["payments:reconciliation", "payments:fee_schedules"]


@pytest.fixture
def charge(fee_schedule, filed_case):
    return Charge.objects.get(case=filed_case)


def declare(charge, user, reference="TT-77"):
    payment = payment_start(charge=charge, user=user, provider="manual")
    return payment_execute(payment=payment, user=user, data={"reference": reference})


def test_the_case_page_shows_what_a_party_owes_and_how_to_pay(charge, claimant, respondent, client_for):
    page = client_for(claimant).get(reverse("cases:detail", kwargs={"case_id": charge.case.public_id}))
    assert "You owe HK$200.00" in page.text
    assert "Before the case can invite the respondent, the fees for it must be paid or waived." in page.text
    assert "Registration fee of HK$200.00 due from the claimant" in page.text  # the timeline
    assert (
        reverse("payments:pay", kwargs={"case_id": charge.case.public_id, "charge_id": charge.public_id}) in page.text
    )
    pay_page = client_for(claimant).get(
        reverse("payments:pay", kwargs={"case_id": charge.case.public_id, "charge_id": charge.public_id})
    )
    assert "Pay by bank transfer or cheque" in pay_page.text
    assert "Pay by card" not in pay_page.text  # no Stripe keys: the manual provider only
    assert charge.case.reference in pay_page.text  # the reference to quote


def test_declaring_a_transfer_needs_a_reference_and_then_waits_for_the_centre(charge, claimant, client_for):
    url = reverse("payments:pay_manual", kwargs={"case_id": charge.case.public_id, "charge_id": charge.public_id})
    refused = client_for(claimant).post(url, {"reference": ""})
    assert refused.status_code == 400
    assert "This field is required" in refused.text
    assert not Payment.objects.exists()
    done = client_for(claimant).post(url, {"reference": "HSBC 123"}, follow=True)
    assert "once it reaches the centre" in done.text
    assert "waiting for the centre to confirm receipt" in done.text
    assert Payment.objects.get().provider_reference == "HSBC 123"


def test_staff_pages_are_for_case_administrators_only(claimant, mediator, outsider, administrator, client_for, db):
    for name in STAFF_URLS:
        for user in (claimant, mediator, outsider):
            assert client_for(user).get(reverse(name)).status_code == 404, (name, user)
        assert client_for(administrator).get(reverse(name)).status_code == 200
        anonymous = client_for(None).get(reverse(name))
        assert anonymous.status_code == 302


def test_reconciliation_filters_flags_and_exports(charge, claimant, administrator, client_for):
    payment = declare(charge, claimant)
    manual_payment_confirm(payment=payment, actor=administrator, amount_received=Decimal("180.00"))
    staff = client_for(administrator)
    listing = staff.get(reverse("payments:reconciliation"))
    assert charge.case.reference in listing.text
    assert "Amount differs" in listing.text
    assert staff.get(reverse("payments:reconciliation"), {"status": "failed"}).text.count("Amount differs") == 0
    flagged = staff.get(reverse("payments:reconciliation"), {"mismatch_only": "on", "search": charge.case.reference})
    assert "1 payment" in flagged.text
    export = staff.get(reverse("payments:reconciliation"), {"mismatch_only": "on", "format": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert len(rows) == 1
    assert rows[0]["case"] == charge.case.reference
    assert (rows[0]["amount_charged"], rows[0]["amount_received"], rows[0]["mismatch"]) == ("200.00", "180.00", "yes")
    bad = staff.get(reverse("payments:reconciliation"), {"since": "not a date"})
    assert bad.status_code == 400
    assert "Enter a valid date" in bad.text


def test_an_administrator_confirms_a_transfer_from_the_payment_page(charge, claimant, administrator, client_for):
    payment = declare(charge, claimant)
    url = reverse("payments:staff_payment_action", kwargs={"payment_id": payment.public_id, "action": "confirm"})
    refused = client_for(administrator).post(url, {"amount_received": "-5"})
    assert refused.status_code == 400
    done = client_for(administrator).post(url, {"amount_received": "200.00", "reference": "STMT-1"})
    assert done.status_code == 302
    charge.refresh_from_db()
    charge.case.refresh_from_db()
    assert charge.status == ChargeStatus.PAID
    assert charge.case.status == CaseStatus.AWAITING_RESPONSE


def test_an_administrator_waives_from_the_case_page(charge, administrator, claimant, client_for):
    url = reverse("payments:charge_waive", kwargs={"case_id": charge.case.public_id, "charge_id": charge.public_id})
    assert client_for(claimant).post(url, {"percent": "100", "reason": "me"}).status_code == 404
    refused = client_for(administrator).post(url, {"percent": "150", "reason": "x"})
    assert refused.status_code == 400
    client_for(administrator).post(url, {"percent": "100", "reason": "Charity"})
    charge.refresh_from_db()
    assert (charge.status, charge.waiver_reason) == (ChargeStatus.WAIVED, "Charity")


def test_the_fee_schedule_page_creates_a_schedule_and_says_what_is_wrong(administrator, client_for, db):
    url = reverse("payments:fee_schedules")
    bad = client_for(administrator).post(
        url,
        {
            "name": "2027",
            "effective_from": "2099-01-01T00:00",
            "registration_fee": "200",
            "mediation_fee": "-1",
            "arbitration_fee": "0",
            "waiver_size_band": "micro",
        },
    )
    assert bad.status_code == 400
    assert "greater than or equal to 0" in bad.text
    assert "Enter the waiver as a percentage" in bad.text
    assert not FeeSchedule.objects.exists()
    good = client_for(administrator).post(
        url,
        {
            "name": "2027",
            "effective_from": "2099-01-01T00:00",
            "registration_fee": "200",
            "mediation_fee": "500.50",
            "arbitration_fee": "0",
            "waiver_size_band": "micro",
            "waiver_percent": "50",
            "waiver_reason": "Subsidy",
        },
        follow=True,
    )
    assert "The new fee schedule is saved." in good.text
    schedule = FeeSchedule.objects.get()
    assert schedule.mediation_fee == Decimal("500.50")
    assert schedule.waiver_rules.get().percent == Decimal("50")


def test_a_receipt_is_for_the_payer_and_staff_only(
    charge, claimant, respondent, respondent_org, mediator, assign, administrator, client_for, run_tasks, seal
):
    payment = declare(charge, claimant)
    manual_payment_confirm(payment=payment, actor=administrator, amount_received=Decimal("200.00"))
    # The other party and the case's mediator can see the case, but not the claimant's receipt.
    case_respond(
        token=invitation_send(case=charge.case, actor=claimant),
        user=respondent,
        organisation=respondent_org,
        terms_accepted=True,
        consents_to_arbitration=True,
        response_text="No.",
    )
    assign(charge.case, mediator, NeutralRole.MEDIATOR)
    run_tasks()
    receipt = IssuedDocument.objects.get(kind=IssuedKind.FEE_RECEIPT)
    url = reverse("payments:receipt", kwargs={"case_id": charge.case.public_id, "document_id": receipt.pk})
    for user, expected in ((claimant, 200), (administrator, 200), (respondent, 404), (mediator, 404)):
        response = client_for(user).get(url)
        if response.streaming:
            assert response["Content-Disposition"].startswith("attachment")
            assert response["X-Content-Type-Options"] == "nosniff"
            assert b"".join(response.streaming_content).startswith(b"%PDF-")
            for close in response._resource_closers:  # the file a FileResponse holds open
                close()
        assert response.status_code == expected, user
    # The case's other document download answers by the same rule: not to the other party or the mediator.
    agreement_url = reverse(
        "documents:agreement_pdf", kwargs={"case_id": charge.case.public_id, "document_id": receipt.pk}
    )
    for user in (respondent, mediator):
        assert client_for(user).get(agreement_url).status_code == 404, user
