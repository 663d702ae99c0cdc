"""A fee is paid once, whatever the payer does: one open card payment per fee at Stripe, and any success
that still arrives for a settled fee recorded, flagged as a duplicate and refunded, never kept."""

import csv
import io
import urllib.error
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from cases.models import AuditEntry
from cases.services import ServiceError
from documents.models import IssuedDocument, IssuedKind
from payments.models import Charge, ChargeStatus, Payment, PaymentStatus
from payments.providers.stripe import client as stripe_api
from payments.services.payments import manual_payment_confirm, payment_execute, payment_refund, payment_start
from payments.services.waivers import charge_waive
from tests.test_payments_stripe import _authenticate, _event, _signed, pay_url

THREE_D_SECURE = "4000002500003155"


@pytest.fixture
def charge(fee_schedule, filed_case):
    return Charge.objects.get(case=filed_case)


def kept_at_stripe(intent_ids) -> Decimal:
    """What the card processor holds for these intents: received less refunded, in HK$."""
    api = stripe_api()
    cents = 0
    for intent_id in intent_ids:
        intent = api.v1.payment_intents.retrieve(intent_id).to_dict()
        if intent["status"] == "succeeded":
            latest = intent["latest_charge"]
            charge = api.v1.charges.retrieve(latest if isinstance(latest, str) else latest["id"])
            cents += charge["amount"] - charge["amount_refunded"]
    return Decimal(cents) / 100


def pdf_text(document: IssuedDocument) -> str:
    with document.pdf.open("rb") as handle:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


def test_a_new_card_payment_cancels_the_one_left_waiting_for_3d_secure(charge, claimant, client_for, card_token):
    payer = client_for(claimant)
    first = payer.post(pay_url(charge), {"token": card_token(THREE_D_SECURE)}).json()
    waiting = Payment.objects.get(charge=charge)
    assert waiting.status == PaymentStatus.PENDING

    second = payer.post(pay_url(charge), {"token": card_token()})
    assert second.json()["status"] == "succeeded"

    # Stripe no longer lets the first tab finish: its intent was cancelled before the second was made.
    assert stripe_api().v1.payment_intents.retrieve(waiting.provider_reference).status == "canceled"
    with pytest.raises(urllib.error.HTTPError):
        _authenticate(stripe_api_base(), waiting, first["client_secret"])
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.FAILED
    assert "another payment" in waiting.failure_message
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.PAID
    assert kept_at_stripe(Payment.objects.values_list("provider_reference", flat=True)) == Decimal("200.00")


def stripe_api_base() -> str:
    from django.conf import settings

    return settings.STRIPE_API_BASE


@pytest.fixture
def lost_intent(charge, claimant, card_token):
    """The payer's first attempt reached Stripe (3-D Secure asked) but its answer never reached us: the
    payment has no intent id, and Stripe holds an intent for it that can still be completed."""
    payment = payment_start(charge=charge, user=claimant, provider="stripe")
    card = stripe_api().v1.tokens.retrieve(card_token(THREE_D_SECURE))["card"]
    intent = stripe_api().v1.payment_intents.create(
        params={
            "amount": 20000,
            "currency": "hkd",
            "payment_method": card["id"],
            "confirm": True,
            "metadata": {"payment": str(payment.public_id)},
        }
    )
    assert intent.status == "requires_action"
    return payment, intent


def test_a_late_success_for_a_settled_fee_is_recorded_flagged_and_refunded(
    charge, claimant, administrator, client_for, card_token, client, lost_intent, run_tasks, seal
):
    first, lost = lost_intent
    # The payer tries again in another tab, with a card that needs no 3-D Secure: the fee is settled.
    assert client_for(claimant).post(pay_url(charge), {"token": card_token()}).json()["status"] == "succeeded"
    kept = Payment.objects.get(charge=charge, status=PaymentStatus.SUCCEEDED)
    # Then the first tab's 3-D Secure is completed, and Stripe's webhook about it arrives late.
    _authenticate(stripe_api_base(), Payment(provider_reference=lost.id), lost.client_secret)
    payload = _event(
        "evt_late_success",
        "payment_intent.succeeded",
        {"id": lost.id, "object": "payment_intent", "metadata": {"payment": str(first.public_id)}},
    )
    response = client.post(
        reverse("payments:stripe_webhook"), payload, content_type="application/json", **_signed(payload)
    )
    assert response.status_code == 200

    duplicate = Payment.objects.get(provider_reference=lost.id)
    assert duplicate.pk != kept.pk
    assert (duplicate.status, duplicate.duplicate, duplicate.amount_received, duplicate.amount_refunded) == (
        PaymentStatus.REFUNDED,
        True,
        Decimal("200.00"),
        Decimal("200.00"),
    )
    refund = duplicate.refunds.get()
    assert "already" in refund.reason
    made = stripe_api().v1.refunds.retrieve(refund.provider_reference)
    assert (made.amount, made.payment_intent) == (20000, lost.id)
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.PAID
    assert kept_at_stripe([kept.provider_reference, lost.id]) == Decimal("200.00")
    actions = set(AuditEntry.objects.filter(case=charge.case).values_list("action", flat=True))
    assert {"payment.duplicate", "payment.refunded"} <= actions

    sent = run_tasks()
    notice = next(m for m in sent if m.to == [claimant.email] and "refund" in m.subject.lower())
    assert "HK$200.00" in notice.body
    assert charge.case.reference in notice.body
    receipt = IssuedDocument.objects.get(case=charge.case, kind=IssuedKind.REFUND_RECEIPT)
    assert receipt.subject == f"refund:{refund.public_id}"

    # The reconciliation list and its CSV say so.
    staff = client_for(administrator)
    listing = staff.get(reverse("payments:reconciliation"))
    assert "Duplicate" in listing.text
    export = staff.get(reverse("payments:reconciliation") + "?format=csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert {row["provider_reference"]: row["duplicate"] for row in rows} == {
        kept.provider_reference: "no",
        lost.id: "yes",
    }
    only = staff.get(reverse("payments:reconciliation"), {"duplicate_only": "on"})
    assert lost.id in only.text
    assert kept.provider_reference not in only.text
    assert mail.outbox


@pytest.mark.parametrize(
    ("language", "refunded_to", "received_from"),
    [("en", "Refunded to", "Received from"), ("zh-hant", "退款予", "付款人")],
)
def test_a_refund_receipt_says_to_whom_the_money_went_back(
    language, refunded_to, received_from, charge, claimant, administrator, run_tasks, seal
):
    # Receipts are issued in the case's document language: the language its parties joined it in.
    charge.case.parties.update(language=language)
    payment = manual_payment_confirm(
        payment=declared_transfer(charge, claimant), actor=administrator, amount_received=Decimal("200.00")
    )
    payment_refund(payment=payment, actor=administrator, amount=Decimal("200.00"), reason="Declined", reference="R-9")
    run_tasks()
    refund_receipt = pdf_text(IssuedDocument.objects.get(case=charge.case, kind=IssuedKind.REFUND_RECEIPT))
    fee_receipt = pdf_text(IssuedDocument.objects.get(case=charge.case, kind=IssuedKind.FEE_RECEIPT))
    assert f"{refunded_to} Alpha Trading Limited" in refund_receipt
    assert received_from not in refund_receipt
    assert f"{received_from} Alpha Trading Limited" in fee_receipt


def declared_transfer(charge, user):
    payment = payment_start(charge=charge, user=user, provider="manual")
    return payment_execute(payment=payment, user=user, data={"reference": "HSBC-TT-77"})


def test_confirming_a_transfer_for_a_settled_fee_asks_to_refund_or_reapply_it(
    charge, claimant, administrator, client_for
):
    transfer = declared_transfer(charge, claimant)
    charge_waive(charge=charge, actor=administrator, percent=Decimal("100"), reason="Hardship")
    # The transfer arrives after all: confirming it as usual would settle the fee a second time.
    with pytest.raises(ServiceError, match="already settled"):
        manual_payment_confirm(payment=transfer, actor=administrator, amount_received=Decimal("200.00"))
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.PROCESSING

    staff = client_for(administrator)
    page = staff.get(reverse("payments:staff_payment", kwargs={"payment_id": transfer.public_id}))
    assert "This fee is already settled" in page.text
    assert "Refund it to the payer" in page.text
    url = reverse("payments:staff_payment_action", kwargs={"payment_id": transfer.public_id, "action": "surplus"})
    refused = staff.post(url, {"amount_received": "200.00", "use": "refund", "refund_reference": ""})
    assert refused.status_code == 400
    assert "Enter the bank reference of the refund." in refused.text
    done = staff.post(
        url, {"amount_received": "200.00", "reference": "STMT-1", "use": "refund", "refund_reference": "OUT-5"}
    )
    assert done.status_code == 302
    transfer.refresh_from_db()
    charge.refresh_from_db()
    assert (transfer.status, transfer.duplicate, transfer.amount_refunded) == (
        PaymentStatus.REFUNDED,
        True,
        Decimal("200.00"),
    )
    assert transfer.refunds.get().provider_reference == "OUT-5"
    assert charge.status == ChargeStatus.WAIVED


def test_a_transfer_for_a_settled_fee_can_pay_another_fee_the_payer_owes(charge, claimant, administrator, client_for):
    from django.utils import timezone

    from cases.lifecycle import Action
    from payments.services.fees import charges_for_stage, fee_schedule_create

    transfer = declared_transfer(charge, claimant)
    charge_waive(charge=charge, actor=administrator, percent=Decimal("100"), reason="Hardship")
    fee_schedule_create(
        actor=administrator,
        name="Scheme 2027",
        effective_from=timezone.now(),
        registration_fee=Decimal("200.00"),
        mediation_fee=Decimal("200.00"),
        arbitration_fee=Decimal("2500.00"),
    )
    (mediation,) = charges_for_stage(case=charge.case, action=Action.ESCALATE_TO_MEDIATION)
    staff = client_for(administrator)
    page = staff.get(reverse("payments:staff_payment", kwargs={"payment_id": transfer.public_id}))
    assert "Apply it to the Mediation fee of HK$200.00 due on this case" in page.text
    url = reverse("payments:staff_payment_action", kwargs={"payment_id": transfer.public_id, "action": "surplus"})
    wrong = staff.post(url, {"amount_received": "150.00", "use": str(mediation.public_id)})
    assert wrong.status_code == 400
    assert "is not the amount of that fee" in wrong.text
    done = staff.post(url, {"amount_received": "200.00", "use": str(mediation.public_id)})
    assert done.status_code == 302
    transfer.refresh_from_db()
    mediation.refresh_from_db()
    charge.refresh_from_db()
    assert (transfer.charge_id, transfer.status, transfer.duplicate) == (mediation.pk, PaymentStatus.SUCCEEDED, False)
    assert (mediation.status, charge.status) == (ChargeStatus.PAID, ChargeStatus.WAIVED)
    assert AuditEntry.objects.filter(action="payment.reapplied", data__to=str(mediation.public_id)).exists()


def test_a_fee_settled_another_way_cancels_the_card_payment_left_at_3d_secure(
    charge, claimant, administrator, client_for, card_token, run_tasks
):
    first = client_for(claimant).post(pay_url(charge), {"token": card_token(THREE_D_SECURE)}).json()
    waiting = Payment.objects.get(charge=charge)
    charge_waive(charge=charge, actor=administrator, percent=Decimal("100"), reason="Hardship")
    run_tasks()
    assert stripe_api().v1.payment_intents.retrieve(waiting.provider_reference).status == "canceled"
    with pytest.raises(urllib.error.HTTPError):
        _authenticate(stripe_api_base(), waiting, first["client_secret"])
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.FAILED
