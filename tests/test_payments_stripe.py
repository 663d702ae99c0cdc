"""Card payments against localstripe: the SDK, signed webhooks to a live server, refunds, outages."""

import hashlib
import hmac
import json
import time
import urllib.parse
import urllib.request
from decimal import Decimal

import pytest
import stripe
from django.urls import reverse

from cases.models import AuditEntry, CaseStatus
from payments.models import Charge, ChargeStatus, Payment, PaymentStatus, WebhookEvent
from payments.providers.stripe import client as stripe_api
from tests.conftest import STRIPE_TEST_KEYS


@pytest.fixture
def charge(fee_schedule, filed_case):
    return Charge.objects.get(case=filed_case)


def pay_url(charge, name="payments:pay_card"):
    return reverse(name, kwargs={"case_id": charge.case.public_id, "charge_id": charge.public_id})


def test_a_card_payment_settles_the_fee_and_the_claim_goes_out(charge, claimant, client_for, card_token):
    # The browser also sends an amount: the server ignores it and charges what is due.
    response = client_for(claimant).post(pay_url(charge), {"token": card_token(), "amount": "1.00"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "succeeded"
    payment = Payment.objects.get(charge=charge)
    assert body["next"] == reverse(
        "payments:payment", kwargs={"case_id": charge.case.public_id, "payment_id": payment.public_id}
    )
    intent = stripe_api().v1.payment_intents.retrieve(payment.provider_reference)
    assert (intent.amount, intent.currency, intent.status) == (20000, "hkd", "succeeded")
    assert intent.metadata["payment"] == str(payment.public_id)
    assert (payment.status, payment.amount_received, payment.mismatch) == (
        PaymentStatus.SUCCEEDED,
        Decimal("200.00"),
        False,
    )
    charge.refresh_from_db()
    charge.case.refresh_from_db()
    assert charge.status == ChargeStatus.PAID
    assert charge.case.status == CaseStatus.AWAITING_RESPONSE
    page = client_for(claimant).get(body["next"])
    assert "Payment received" in page.text


def test_a_declined_card_is_a_clear_error_and_the_fee_stays_payable(charge, claimant, client_for, card_token):
    response = client_for(claimant).post(pay_url(charge), {"token": card_token("4000000000000341")})
    assert response.status_code == 402
    assert "declined" in response.json()["message"].lower()
    failed = Payment.objects.get(charge=charge)
    assert failed.status == PaymentStatus.FAILED
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.DUE
    retry = client_for(claimant).post(pay_url(charge), {"token": card_token()})
    assert retry.json()["status"] == "succeeded"
    assert Payment.objects.filter(charge=charge).count() == 2


def test_stripe_unreachable_tells_the_payer_and_leaves_the_payment_retryable(
    charge, claimant, client_for, card_token, settings, localstripe_url
):
    token = card_token()
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    response = client_for(claimant).post(pay_url(charge), {"token": token})
    assert response.status_code == 502
    assert "could not reach the card processor" in response.json()["message"]
    waiting = Payment.objects.get(charge=charge)
    assert (waiting.status, waiting.provider_reference) == (PaymentStatus.PENDING, "")
    settings.STRIPE_API_BASE = localstripe_url
    retry = client_for(claimant).post(pay_url(charge), {"token": token})
    assert retry.json()["status"] == "succeeded"
    assert list(Payment.objects.filter(charge=charge).values_list("pk", flat=True)) == [waiting.pk]


def test_someone_else_cannot_pay_or_see_a_partys_fee(charge, respondent, outsider, administrator, client_for):
    for user in (respondent, outsider, administrator):
        assert client_for(user).get(pay_url(charge, "payments:pay")).status_code == 404
        assert client_for(user).post(pay_url(charge), {"token": "tok_x"}).status_code == 404
    assert not Payment.objects.exists()


def test_paying_twice_is_refused(charge, claimant, client_for, card_token):
    assert client_for(claimant).post(pay_url(charge), {"token": card_token()}).json()["status"] == "succeeded"
    again = client_for(claimant).post(pay_url(charge), {"token": card_token()})
    assert again.status_code == 409
    assert "already settled" in again.json()["message"]
    assert Payment.objects.filter(charge=charge).count() == 1


def _signed(payload: bytes, *, secret: str = STRIPE_TEST_KEYS["STRIPE_WEBHOOK_SECRET"], at: int | None = None):
    stamp = int(time.time()) if at is None else at
    signature = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return {"HTTP_STRIPE_SIGNATURE": f"t={stamp},v1={signature}"}


def _event(event_id: str, kind: str, obj: dict) -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}).encode()


@pytest.fixture
def three_d_secure_payment(charge, claimant, client_for, card_token):
    """A payment waiting for the cardholder to authenticate (3-D Secure)."""
    response = client_for(claimant).post(pay_url(charge), {"token": card_token("4000002500003155")})
    assert response.json()["client_secret"].startswith("pi_")
    payment = Payment.objects.get(charge=charge)
    assert payment.status == PaymentStatus.PENDING
    return payment, response.json()["client_secret"]


def _authenticate(base: str, payment: Payment, client_secret: str) -> None:
    """What the fake Stripe.js does when the cardholder completes 3-D Secure."""
    request = urllib.request.Request(
        f"{base}/v1/payment_intents/{payment.provider_reference}/_authenticate?success=true",
        data=json.dumps({"key": STRIPE_TEST_KEYS["STRIPE_PUBLISHABLE_KEY"], "client_secret": client_secret}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _configure_webhook(endpoint: str, url: str) -> None:
    body = urllib.parse.urlencode({"url": url, "secret": STRIPE_TEST_KEYS["STRIPE_WEBHOOK_SECRET"]}).encode()
    urllib.request.urlopen(urllib.request.Request(endpoint, data=body, method="POST"), timeout=10).close()


@pytest.mark.django_db(transaction=True)
def test_the_webhook_from_stripe_completes_a_payment_on_a_live_server(
    fee_schedule, filed_case, claimant, client_for, card_token, live_server, stripe_settings
):
    charge = Charge.objects.get(case=filed_case)
    response = client_for(claimant).post(pay_url(charge), {"token": card_token("4000002500003155")})
    client_secret = response.json()["client_secret"]
    payment = Payment.objects.get(charge=charge)
    # localstripe delivers signed events to the live server, as Stripe would.
    hook = f"{stripe_settings}/_config/webhooks/odr-live-test"
    _configure_webhook(hook, live_server.url + reverse("payments:stripe_webhook"))
    try:
        _authenticate(stripe_settings, payment, client_secret)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            payment.refresh_from_db()
            if payment.status == PaymentStatus.SUCCEEDED:
                break
            time.sleep(0.2)
    finally:
        # Later tests' events must not reach this server (localstripe cannot remove a webhook).
        _configure_webhook(hook, "http://127.0.0.1:9/")
    assert payment.status == PaymentStatus.SUCCEEDED
    assert WebhookEvent.objects.filter(
        event_type="payment_intent.succeeded", outcome=f"payment {payment.public_id} is succeeded"
    ).exists()
    filed_case.refresh_from_db()
    assert filed_case.status == CaseStatus.AWAITING_RESPONSE
    assert AuditEntry.objects.filter(case=filed_case, action="payment.succeeded", data__source__startswith="webhook")


def test_a_duplicate_webhook_is_handled_once(three_d_secure_payment, client, stripe_settings):
    payment, secret = three_d_secure_payment
    _authenticate(stripe_settings, payment, secret)
    payload = _event("evt_dup_1", "payment_intent.succeeded", {"id": payment.provider_reference})
    url = reverse("payments:stripe_webhook")
    first = client.post(url, payload, content_type="application/json", **_signed(payload))
    second = client.post(url, payload, content_type="application/json", **_signed(payload))
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.text == "duplicate"
    assert WebhookEvent.objects.filter(event_id="evt_dup_1").count() == 1
    assert AuditEntry.objects.filter(action="payment.succeeded").count() == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED


def test_the_webhook_trusts_stripe_not_the_event_body(three_d_secure_payment, client):
    payment, _secret = three_d_secure_payment
    # A genuine event about an intent that has not in fact succeeded (yet): the state is read again.
    payload = _event("evt_early", "payment_intent.succeeded", {"id": payment.provider_reference, "status": "succeeded"})
    response = client.post(
        reverse("payments:stripe_webhook"), payload, content_type="application/json", **_signed(payload)
    )
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda p: _signed(p, secret="whsec_wrong"), id="wrong secret"),
        pytest.param(lambda p: _signed(p, at=int(time.time()) - 3600), id="stale (replayed an hour later)"),
        pytest.param(lambda p: {}, id="no signature"),
    ],
)
def test_a_bad_signature_gets_400_and_changes_nothing(headers, three_d_secure_payment, client, stripe_settings):
    payment, secret = three_d_secure_payment
    _authenticate(stripe_settings, payment, secret)
    payload = _event("evt_forged", "payment_intent.succeeded", {"id": payment.provider_reference})
    response = client.post(
        reverse("payments:stripe_webhook"), payload, content_type="application/json", **headers(payload)
    )
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_unknown_intents_and_other_events_get_200_and_are_recorded(stripe_settings, client, db):
    url = reverse("payments:stripe_webhook")
    unknown = _event("evt_unknown", "payment_intent.succeeded", {"id": "pi_not_ours"})
    other = _event("evt_other", "customer.created", {"id": "cus_1"})
    assert client.post(url, unknown, content_type="application/json", **_signed(unknown)).text == "unknown payment"
    assert client.post(url, other, content_type="application/json", **_signed(other)).text == "ignored"
    assert WebhookEvent.objects.count() == 2


def test_an_administrator_refunds_a_card_payment_through_stripe(
    charge, claimant, administrator, client_for, card_token
):
    client_for(claimant).post(pay_url(charge), {"token": card_token()})
    payment = Payment.objects.get(charge=charge)
    staff = client_for(administrator)
    url = reverse("payments:staff_payment_action", kwargs={"payment_id": payment.public_id, "action": "refund"})
    refused = staff.post(url, {"amount": "250.00", "reason": "Too much"})
    assert refused.status_code == 400
    assert "At most HK$200.00" in refused.text
    done = staff.post(url, {"amount": "200.00", "reason": "Respondent declined ODR"})
    assert done.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    refund = payment.refunds.get()
    made = stripe_api().v1.refunds.retrieve(refund.provider_reference)
    assert (made.amount, made.payment_intent, made.status) == (20000, payment.provider_reference, "succeeded")


def test_a_refund_stripe_cannot_make_records_nothing(charge, claimant, administrator, client_for, card_token, settings):
    client_for(claimant).post(pay_url(charge), {"token": card_token()})
    payment = Payment.objects.get(charge=charge)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    url = reverse("payments:staff_payment_action", kwargs={"payment_id": payment.public_id, "action": "refund"})
    response = client_for(administrator).post(url, {"amount": "200.00", "reason": "Declined"})
    assert response.status_code == 400
    assert "nothing was refunded" in response.text
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded, payment.refunds.count()) == (PaymentStatus.SUCCEEDED, 0, 0)


def test_stripe_errors_are_not_swallowed_as_success(charge, claimant, client_for, stripe_settings):
    response = client_for(claimant).post(pay_url(charge), {"token": "tok_does_not_exist"})
    assert response.status_code == 502
    assert Payment.objects.get(charge=charge).status == PaymentStatus.PENDING
    with pytest.raises(stripe.InvalidRequestError):
        stripe_api().v1.tokens.retrieve("tok_does_not_exist")


def test_a_refund_made_in_the_stripe_dashboard_is_recorded_from_its_webhook(
    charge, claimant, client_for, card_token, client
):
    client_for(claimant).post(pay_url(charge), {"token": card_token()})
    payment = Payment.objects.get(charge=charge)
    intent = stripe_api().v1.payment_intents.retrieve(payment.provider_reference)
    charge_id = intent.latest_charge if isinstance(intent.latest_charge, str) else intent.latest_charge.id
    stripe_api().v1.refunds.create(params={"payment_intent": intent.id, "amount": 5000})  # someone at the dashboard
    payload = _event(
        "evt_dashboard_refund",
        "charge.refunded",
        {"id": charge_id, "object": "charge", "payment_intent": intent.id, "amount_refunded": 99999},
    )
    url = reverse("payments:stripe_webhook")
    first = client.post(url, payload, content_type="application/json", **_signed(payload))
    assert first.status_code == 200
    assert first.text.startswith("recorded refund")
    payment.refresh_from_db()
    # What Stripe says (HK$50), not what the event body claimed.
    assert (payment.status, payment.amount_refunded) == (PaymentStatus.PARTLY_REFUNDED, Decimal("50.00"))
    again = _event("evt_dashboard_refund_2", "charge.refunded", {"id": charge_id, "payment_intent": intent.id})
    assert client.post(url, again, content_type="application/json", **_signed(again)).text == "refund already recorded"
    assert payment.refunds.count() == 1


def test_a_lost_answer_from_stripe_is_recovered_from_the_webhook(charge, claimant, client, stripe_settings):
    """Stripe took the money but our request's answer never arrived: the payment has no intent id yet.
    The succeeded event names our payment in the intent's metadata; Stripe confirms it on re-reading."""
    from payments.services.payments import payment_start

    payment = payment_start(charge=charge, user=claimant, provider="stripe")
    intent = stripe_api().v1.payment_intents.create(
        params={
            "amount": 20000,
            "currency": "hkd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": {"payment": str(payment.public_id)},
        }
    )
    forged = _event("evt_forged_meta", "payment_intent.succeeded", {"id": "pi_other", "metadata": {"payment": "x"}})
    url = reverse("payments:stripe_webhook")
    assert client.post(url, forged, content_type="application/json", **_signed(forged)).text == "unknown payment"
    payload = _event(
        "evt_recovered",
        "payment_intent.succeeded",
        {"id": intent.id, "object": "payment_intent", "metadata": {"payment": str(payment.public_id)}},
    )
    response = client.post(url, payload, content_type="application/json", **_signed(payload))
    assert response.text == f"payment {payment.public_id} is succeeded"
    payment.refresh_from_db()
    charge.refresh_from_db()
    assert (payment.provider_reference, payment.status, charge.status) == (intent.id, "succeeded", "paid")
