"""Fees gate stages: charges from the schedule in force, waivers, the manual provider, refunds, receipts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.lifecycle import Action
from cases.models import AuditEntry, CaseStatus, Invitation, PendingStage
from cases.services import ServiceError
from cases.services.deadlines import deadlines_sweep
from cases.services.invitations import invitation_send
from cases.services.responses import case_respond
from documents.models import IssuedDocument, IssuedKind
from documents.sealing import check_seal
from negotiation.services.escalation import mediation_request
from negotiation.services.offers import offer_accept, offer_make
from payments.models import Charge, ChargeStatus, FeeSchedule, Payment, PaymentStatus
from payments.services.fees import fee_schedule_create
from payments.services.payments import (
    manual_payment_confirm,
    manual_payment_reject,
    payment_execute,
    payment_refund,
    payment_start,
)
from payments.services.waivers import charge_waive
from tests.conftest import make_organisation


def pay_by_transfer(charge, user, administrator, amount=None):
    payment = payment_start(charge=charge, user=user, provider="manual")
    payment = payment_execute(payment=payment, user=user, data={"reference": "HSBC-TT-0001"})
    return manual_payment_confirm(
        payment=payment, actor=administrator, amount_received=amount if amount is not None else charge.amount_due
    )


def test_the_claim_reaches_the_respondent_only_once_the_registration_fee_is_paid(
    fee_schedule, filed_case, claimant, administrator, run_tasks, seal
):
    assert filed_case.status == CaseStatus.FILED
    charge = Charge.objects.get(case=filed_case)
    assert (charge.kind, charge.amount_due, charge.status, charge.party.role) == (
        "registration",
        Decimal("200.00"),
        ChargeStatus.DUE,
        "claimant",
    )
    assert not Invitation.objects.filter(case=filed_case).exists()
    assert PendingStage.objects.get(case=filed_case).action == Action.INVITE

    payment = pay_by_transfer(charge, claimant, administrator)

    assert payment.status == PaymentStatus.SUCCEEDED
    charge.refresh_from_db()
    filed_case.refresh_from_db()
    assert charge.status == ChargeStatus.PAID
    assert filed_case.status == CaseStatus.AWAITING_RESPONSE
    assert Invitation.objects.filter(case=filed_case).count() == 1
    assert not PendingStage.objects.filter(case=filed_case).exists()
    sent = run_tasks()
    assert any(filed_case.respondent_email in m.to for m in sent)
    actions = list(AuditEntry.objects.filter(case=filed_case).values_list("action", flat=True))
    for expected in ("stage.held", "fee.charged", "payment.processing", "payment.succeeded", "fee.paid", "case.invite"):
        assert expected in actions


def test_a_standing_waiver_lets_a_micro_enterprise_through_at_once(fee_schedule, make_draft, claimant):
    from cases.services.filing import claim_file

    micro = make_organisation(claimant, "Tiny Tea Stall")
    micro.size_band = "micro"
    micro.save()
    case = claim_file(
        case=make_draft(organisation=micro), user=claimant, terms_accepted=True, consents_to_arbitration=True
    )
    charge = Charge.objects.get(case=case)
    assert (charge.status, charge.amount_due, charge.waived_percent) == (ChargeStatus.WAIVED, Decimal("0.00"), 100)
    assert charge.waiver_reason == "Micro enterprises"
    assert case.status == CaseStatus.AWAITING_RESPONSE


def test_no_schedule_no_fees(filed_case):
    assert filed_case.status == CaseStatus.AWAITING_RESPONSE
    assert not Charge.objects.exists()


def test_administrator_waives_with_a_reason_and_the_stage_starts(fee_schedule, filed_case, administrator):
    charge = Charge.objects.get(case=filed_case)
    with pytest.raises(ServiceError, match="reason"):
        charge_waive(charge=charge, actor=administrator, percent=Decimal("100"), reason=" ")
    charge = charge_waive(charge=charge, actor=administrator, percent=Decimal("50"), reason="Hardship")
    assert (charge.amount_due, charge.status) == (Decimal("100.00"), ChargeStatus.DUE)
    filed_case.refresh_from_db()
    assert filed_case.status == CaseStatus.FILED
    charge = charge_waive(charge=charge, actor=administrator, percent=Decimal("100"), reason="Hardship, in full")
    filed_case.refresh_from_db()
    assert charge.status == ChargeStatus.WAIVED
    assert filed_case.status == CaseStatus.AWAITING_RESPONSE
    entry = AuditEntry.objects.filter(case=filed_case, action="fee.waived").last()
    assert entry.actor == administrator
    assert entry.data["reason"] == "Hardship, in full"


def test_a_new_schedule_does_not_change_what_a_case_already_owes(fee_schedule, filed_case, administrator):
    fee_schedule_create(
        actor=administrator,
        name="Dearer",
        effective_from=timezone.now(),
        registration_fee=Decimal("999.99"),
        mediation_fee=Decimal("0"),
        arbitration_fee=Decimal("0"),
    )
    charge = Charge.objects.get(case=filed_case)
    assert (charge.amount_due, charge.schedule) == (Decimal("200.00"), fee_schedule)
    assert FeeSchedule.objects.count() == 2


def test_a_schedule_cannot_start_in_the_past_or_hold_fractions_of_a_cent(administrator, db):
    with pytest.raises(ServiceError, match="past"):
        fee_schedule_create(
            actor=administrator,
            name="Backdated",
            effective_from=timezone.now() - timedelta(days=1),
            registration_fee=Decimal("200"),
            mediation_fee=Decimal("0"),
            arbitration_fee=Decimal("0"),
        )
    with pytest.raises(ServiceError, match="two decimal"):
        fee_schedule_create(
            actor=administrator,
            name="Odd",
            effective_from=timezone.now(),
            registration_fee=Decimal("200.001"),
            mediation_fee=Decimal("0"),
            arbitration_fee=Decimal("0"),
        )
    assert not FeeSchedule.objects.exists()


@pytest.fixture
def paid_up_negotiation(fee_schedule, filed_case, claimant, respondent, respondent_org, administrator):
    """A case in negotiation with both registration fees paid by bank transfer."""
    pay_by_transfer(Charge.objects.get(case=filed_case), claimant, administrator)
    token = invitation_send(case=filed_case, actor=claimant)
    case = case_respond(
        token=token,
        user=respondent,
        organisation=respondent_org,
        terms_accepted=True,
        consents_to_arbitration=True,
        response_text="We dispute the amount.",
    )
    assert case.status == CaseStatus.AWAITING_RESPONSE  # held for the respondent's fee
    pay_by_transfer(Charge.objects.get(case=case, party__role="respondent"), respondent, administrator)
    case.refresh_from_db()
    assert case.status == CaseStatus.NEGOTIATION
    return case


def test_mediation_waits_for_both_parties_mediation_fees(paid_up_negotiation, claimant, respondent, administrator):
    case = paid_up_negotiation
    mediation_request(case=case, user=claimant)
    case.refresh_from_db()
    assert case.status == CaseStatus.NEGOTIATION
    fees = {c.party.role: c for c in Charge.objects.filter(case=case, kind="mediation")}
    assert {role: c.amount_due for role, c in fees.items()} == {
        "claimant": Decimal("1000.00"),
        "respondent": Decimal("1000.00"),
    }
    pay_by_transfer(fees["claimant"], claimant, administrator)
    case.refresh_from_db()
    assert case.status == CaseStatus.NEGOTIATION
    pay_by_transfer(fees["respondent"], respondent, administrator)
    case.refresh_from_db()
    assert case.status == CaseStatus.MEDIATION
    # The move is recorded as made by the party who asked for it, after the wait.
    move = AuditEntry.objects.get(case=case, action="case.escalate_to_mediation")
    assert move.actor == claimant
    assert "held_since" in move.data


def test_settling_while_mediation_fees_are_due_drops_the_stage_and_its_unpaid_fees(
    paid_up_negotiation, claimant, respondent, administrator
):
    case = paid_up_negotiation
    mediation_request(case=case, user=claimant)
    paid = Charge.objects.get(case=case, kind="mediation", party__role="claimant")
    pay_by_transfer(paid, claimant, administrator)
    offer = offer_make(case=case, user=respondent, amount=Decimal("10000"), terms="Full and final")
    offer_accept(case=case, user=claimant, offer_id=offer.pk)
    case.refresh_from_db()
    assert case.status == CaseStatus.SETTLEMENT
    assert not PendingStage.objects.filter(case=case).exists()
    unpaid = Charge.objects.get(case=case, kind="mediation", party__role="respondent")
    paid.refresh_from_db()
    assert unpaid.status == ChargeStatus.CANCELLED
    assert paid.status == ChargeStatus.PAID  # money received stays until an administrator refunds it
    assert AuditEntry.objects.filter(case=case, action="stage.dropped").exists()


def test_the_sweep_closes_a_case_whose_next_stage_fees_went_unpaid(paid_up_negotiation, claimant, settings):
    case = paid_up_negotiation
    case.deadline_at = timezone.now() - timedelta(minutes=1)
    case.save()
    deadlines_sweep()  # negotiation ran out: mediation is next, held for its fees, with time to pay
    case.refresh_from_db()
    assert case.status == CaseStatus.NEGOTIATION
    assert case.deadline_at > timezone.now() + timedelta(days=settings.ODR_FEE_PAYMENT_DAYS - 1)
    deadlines_sweep(now=case.deadline_at + timedelta(minutes=1))
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "expired")
    assert not Charge.objects.filter(case=case, kind="mediation", status=ChargeStatus.DUE).exists()


def test_paying_rules(fee_schedule, filed_case, claimant, respondent, administrator):
    charge = Charge.objects.get(case=filed_case)
    with pytest.raises(ServiceError, match="Only the party"):
        payment_start(charge=charge, user=respondent, provider="manual")
    with pytest.raises(ServiceError, match="not available"):
        payment_start(charge=charge, user=claimant, provider="stripe")  # no Stripe keys here
    payment = payment_start(charge=charge, user=claimant, provider="manual")
    with pytest.raises(Exception, match="reference"):
        payment_execute(payment=payment, user=claimant, data={"reference": ""})
    payment_execute(payment=payment, user=claimant, data={"reference": "TT-9"})
    with pytest.raises(ServiceError, match="already being processed"):
        payment_start(charge=charge, user=claimant, provider="manual")
    manual_payment_confirm(payment=payment, actor=administrator, amount_received=Decimal("200.00"))
    with pytest.raises(ServiceError, match="already settled"):
        payment_start(charge=charge, user=claimant, provider="manual")
    assert Payment.objects.filter(charge=charge, status=PaymentStatus.SUCCEEDED).count() == 1


def test_a_short_transfer_is_flagged_and_does_not_settle_the_fee(fee_schedule, filed_case, claimant, administrator):
    charge = Charge.objects.get(case=filed_case)
    payment = pay_by_transfer(charge, claimant, administrator, amount=Decimal("150.00"))
    charge.refresh_from_db()
    filed_case.refresh_from_db()
    assert payment.mismatch is True
    assert charge.status == ChargeStatus.DUE
    assert filed_case.status == CaseStatus.FILED


def test_a_transfer_that_never_arrived_is_rejected_and_the_fee_is_due_again(
    fee_schedule, filed_case, claimant, administrator
):
    charge = Charge.objects.get(case=filed_case)
    payment = payment_start(charge=charge, user=claimant, provider="manual")
    payment_execute(payment=payment, user=claimant, data={"reference": "TT-404"})
    payment = manual_payment_reject(payment=payment, actor=administrator, reason="Not on the statement")
    assert (payment.status, payment.failure_message) == (PaymentStatus.FAILED, "Not on the statement")
    again = payment_start(charge=charge, user=claimant, provider="manual")
    assert again.pk != payment.pk


def test_refunds_have_limits_and_reasons_and_each_gets_a_sealed_receipt(
    fee_schedule, filed_case, claimant, administrator, run_tasks, seal
):
    charge = Charge.objects.get(case=filed_case)
    payment = pay_by_transfer(charge, claimant, administrator)
    with pytest.raises(ServiceError, match="reason"):
        payment_refund(payment=payment, actor=administrator, amount=Decimal("50"), reason="")
    with pytest.raises(ServiceError, match=r"At most HK\$200\.00"):
        payment_refund(payment=payment, actor=administrator, amount=Decimal("200.01"), reason="Too much")
    payment_refund(payment=payment, actor=administrator, amount=Decimal("50.00"), reason="Early settlement rebate")
    payment.refresh_from_db()
    assert (payment.status, payment.refundable) == (PaymentStatus.PARTLY_REFUNDED, Decimal("150.00"))
    payment_refund(
        payment=payment, actor=administrator, amount=Decimal("150.00"), reason="Respondent declined", reference="R-1"
    )
    payment.refresh_from_db()
    charge.refresh_from_db()
    assert (payment.status, charge.status) == (PaymentStatus.REFUNDED, ChargeStatus.REFUNDED)
    run_tasks()
    receipts = IssuedDocument.objects.filter(
        case=filed_case, kind__in=(IssuedKind.FEE_RECEIPT, IssuedKind.REFUND_RECEIPT)
    )
    assert sorted(receipts.values_list("kind", flat=True)) == ["fee_receipt", "refund_receipt", "refund_receipt"]
    from io import BytesIO

    from pypdf import PdfReader

    fee_receipt = receipts.get(kind=IssuedKind.FEE_RECEIPT)
    with fee_receipt.pdf.open("rb") as file:
        content = file.read()
    assert check_seal(content).ok
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    assert filed_case.reference in text
    assert "HK$200.00" in text
    assert "Hong Kong Dollars Two Hundred Only" in text.replace("\n", " ")
    assert "港幣" not in text  # the payer reads English: the receipt is in English only
    assert "HSBC-TT-0001" in text
    run_tasks()  # running again issues nothing new
    assert receipts.count() == 3
