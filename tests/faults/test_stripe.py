"""Stripe down during a payment and during a refund, and its webhooks repeated, out of order or late.

"Down" is real: a localstripe process of this test's own (not the session's) is killed with SIGKILL and
started again on the same port, with its state kept in a file of the test (localstripe saves its store
after every write; the launcher below only moves that file out of the shared /tmp).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from cases.models import AuditEntry, CaseStatus
from payments.models import Charge, ChargeStatus, Payment, PaymentStatus, WebhookEvent
from payments.providers.stripe import client as stripe_api
from tests.conftest import STRIPE_TEST_KEYS, stripe_card_token
from tests.processes import free_port, stop, wait_for_port
from tests.test_payments_stripe import _authenticate, _event, _signed, pay_url

LAUNCHER = """
import os, pickle, sys
from localstripe import resources
path = sys.argv[1]

def load(self):
    try:
        with open(path, "rb") as handle:
            old = pickle.load(handle)
    except FileNotFoundError:
        return
    self.clear()
    dict.update(self, old)

def dump(self):
    with open(path + ".tmp", "wb") as handle:
        pickle.dump(dict(self), handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(path + ".tmp", path)

resources.Store.try_load_from_disk = load
resources.Store.dump_to_disk = dump
sys.argv = ["localstripe", "--port", sys.argv[2]]
from localstripe.server import start
start()
"""


@dataclass
class OwnStripe:
    """A localstripe this test may kill and bring back."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = (self.folder / "localstripe.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(self.folder / "store.pickle"), str(self.port)],
            stdout=log,
            stderr=log,
        )
        log.close()
        wait_for_port(self.port, self.process, what="localstripe")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def token(self, number: str = "4242424242424242") -> str:
        """What Stripe.js does in the payer's browser."""
        return stripe_card_token(self.url, number)

    def intents(self) -> list[dict]:
        return [intent.to_dict() for intent in stripe_api().v1.payment_intents.list().data]


@pytest.fixture
def own_stripe(settings, tmp_path) -> Iterator[OwnStripe]:
    stripe = OwnStripe(folder=tmp_path)
    stripe.start()
    for name, value in STRIPE_TEST_KEYS.items():
        setattr(settings, name, value)
    settings.STRIPE_API_BASE = stripe.url
    settings.STRIPE_JS_URL = f"{stripe.url}/js.stripe.com/v3"
    settings.STRIPE_TIMEOUT_SECONDS = 5
    yield stripe
    if stripe.process is not None:
        stop(stripe.process)


@pytest.fixture
def charge(fee_schedule, filed_case) -> Charge:
    return Charge.objects.get(case=filed_case)


def receipt_tasks() -> int:
    return DBTaskResult.objects.filter(task_path="payments.services.payments.issue_receipt_task").count()


def test_stripe_down_during_a_payment_then_back_charges_once(charge, claimant, client_for, own_stripe):
    client = client_for(claimant)
    token = own_stripe.token()  # the card reached Stripe from the browser; then Stripe went down
    own_stripe.kill()

    down = client.post(pay_url(charge), {"token": token})
    assert down.status_code == 502
    assert down.json()["message"] == (
        "Card payments are not available right now: we could not reach the card processor. "
        "Nothing was charged. Please try again in a few minutes, or pay by bank transfer."
    )
    payment = Payment.objects.get(charge=charge)
    assert (payment.status, payment.provider_reference) == (PaymentStatus.PENDING, "")
    charge.refresh_from_db()
    charge.case.refresh_from_db()
    assert (charge.status, charge.case.status) == (ChargeStatus.DUE, CaseStatus.FILED)
    assert not AuditEntry.objects.filter(case=charge.case, action="payment.succeeded").exists()
    assert receipt_tasks() == 0
    page = client.get(pay_url(charge, "payments:pay"))
    assert page.status_code == 200  # the fee is still there to pay

    own_stripe.start()  # back, with what it knew before
    retry = client.post(pay_url(charge), {"token": token})
    assert retry.status_code == 200
    assert retry.json()["status"] == "succeeded"
    assert list(Payment.objects.filter(charge=charge).values_list("pk", "status")) == [
        (payment.pk, PaymentStatus.SUCCEEDED)
    ]
    charged = [intent for intent in own_stripe.intents() if intent["status"] == "succeeded"]
    assert [(intent["amount"], intent["metadata"]["payment"]) for intent in charged] == [
        (20000, str(payment.public_id))
    ]
    assert AuditEntry.objects.filter(case=charge.case, action="payment.succeeded").count() == 1
    assert receipt_tasks() == 1
    charge.refresh_from_db()
    charge.case.refresh_from_db()
    assert (charge.status, charge.case.status) == (ChargeStatus.PAID, CaseStatus.AWAITING_RESPONSE)


def test_stripe_down_during_a_refund_then_back_refunds_once(charge, claimant, administrator, client_for, own_stripe):
    assert client_for(claimant).post(pay_url(charge), {"token": own_stripe.token()}).json()["status"] == "succeeded"
    payment = Payment.objects.get(charge=charge)
    staff = client_for(administrator)
    url = reverse("payments:staff_payment_action", kwargs={"payment_id": payment.public_id, "action": "refund"})
    own_stripe.kill()

    down = staff.post(url, {"amount": "200.00", "reason": "Respondent declined ODR"})
    assert down.status_code == 400
    assert "We could not reach the card processor: nothing was refunded. Try again shortly." in down.text
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded, payment.refunds.count()) == (PaymentStatus.SUCCEEDED, 0, 0)
    assert not AuditEntry.objects.filter(action="payment.refunded").exists()
    assert receipt_tasks() == 1  # the payment's receipt only, none for a refund
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.PAID

    own_stripe.start()
    again = staff.post(url, {"amount": "200.00", "reason": "Respondent declined ODR"})
    assert again.status_code == 302
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == (PaymentStatus.REFUNDED, Decimal("200.00"))
    refund = payment.refunds.get()
    latest = own_stripe.intents()[0]["latest_charge"]
    stripe_charge = stripe_api().v1.charges.retrieve(latest if isinstance(latest, str) else latest["id"])
    assert stripe_charge["amount_refunded"] == 20000  # refunded once at Stripe, not twice
    assert stripe_api().v1.refunds.retrieve(refund.provider_reference)["amount"] == 20000
    assert AuditEntry.objects.filter(action="payment.refunded").count() == 1
    assert receipt_tasks() == 2


def deliver(client, event_id: str, kind: str, obj: dict):
    payload = _event(event_id, kind, obj)
    return client.post(reverse("payments:stripe_webhook"), payload, content_type="application/json", **_signed(payload))


@pytest.fixture
def authenticated_3ds_payment(charge, claimant, client_for, card_token, stripe_settings) -> Payment:
    """A card payment that needed 3-D Secure: the cardholder completed it at Stripe, our record still says
    pending (the browser never came back); only webhooks will tell us."""
    response = client_for(claimant).post(pay_url(charge), {"token": card_token("4000002500003155")})
    payment = Payment.objects.get(charge=charge)
    _authenticate(stripe_settings, payment, response.json()["client_secret"])
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    return payment


@pytest.mark.parametrize("older", ["payment_intent.processing", "payment_intent.requires_action"])
def test_an_older_event_after_the_success_does_not_move_the_payment_back(older, authenticated_3ds_payment, client):
    payment = authenticated_3ds_payment
    intent = {"id": payment.provider_reference, "object": "payment_intent"}
    newer = deliver(client, "evt_2_succeeded", "payment_intent.succeeded", intent)
    assert (newer.status_code, newer.text) == (200, f"payment {payment.public_id} is succeeded")
    late = deliver(client, "evt_1_older", older, {**intent, "status": "processing"})
    assert (late.status_code, late.text) == (200, f"payment {payment.public_id} is succeeded")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert list(AuditEntry.objects.filter(action__startswith="payment.").values_list("action", flat=True)) == [
        "payment.started",
        "payment.succeeded",
    ]
    assert WebhookEvent.objects.count() == 2
    assert receipt_tasks() == 1


def test_a_refund_event_before_the_success_event_records_both_once(authenticated_3ds_payment, client):
    """Someone refunds HK$50 at Stripe's dashboard; Stripe's ``charge.refunded`` overtakes the
    ``payment_intent.succeeded`` it sent earlier. Stripe is asked for both states, in order."""
    payment = authenticated_3ds_payment
    intent = stripe_api().v1.payment_intents.retrieve(payment.provider_reference)
    charge_id = intent.latest_charge if isinstance(intent.latest_charge, str) else intent.latest_charge.id
    stripe_api().v1.refunds.create(params={"payment_intent": intent.id, "amount": 5000})

    first = deliver(
        client, "evt_refunded", "charge.refunded", {"id": charge_id, "object": "charge", "payment_intent": intent.id}
    )
    assert first.status_code == 200
    assert first.text.startswith("recorded refund")
    payment.refresh_from_db()
    assert (payment.status, payment.amount_received, payment.amount_refunded) == (
        PaymentStatus.PARTLY_REFUNDED,
        Decimal("200.00"),
        Decimal("50.00"),
    )
    late = deliver(client, "evt_succeeded", "payment_intent.succeeded", {"id": intent.id, "object": "payment_intent"})
    assert (late.status_code, late.text) == (200, f"payment {payment.public_id} is partly_refunded")
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded, payment.refunds.count()) == (
        PaymentStatus.PARTLY_REFUNDED,
        Decimal("50.00"),
        1,
    )
    assert list(AuditEntry.objects.filter(action__startswith="payment.").values_list("action", flat=True)) == [
        "payment.started",
        "payment.succeeded",
        "payment.refunded",
    ]
    payment.charge.refresh_from_db()
    assert payment.charge.status == ChargeStatus.PAID
    assert receipt_tasks() == 2  # the payment's receipt and the refund's


@pytest.mark.parametrize("kind", ["payment_intent.succeeded", "payment_intent.processing"])
def test_a_late_event_for_a_payment_the_browser_settled_changes_nothing(
    kind, charge, claimant, client_for, card_token, client
):
    assert client_for(claimant).post(pay_url(charge), {"token": card_token()}).json()["status"] == "succeeded"
    payment = Payment.objects.get(charge=charge)
    audit_before = list(AuditEntry.objects.values_list("pk", flat=True))
    updated_at = payment.updated_at
    late = deliver(client, "evt_late", kind, {"id": payment.provider_reference, "object": "payment_intent"})
    assert (late.status_code, late.text) == (200, f"payment {payment.public_id} is succeeded")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == audit_before
    assert receipt_tasks() == 1
    charge.refresh_from_db()
    charge.case.refresh_from_db()
    assert (charge.status, charge.case.status) == (ChargeStatus.PAID, CaseStatus.AWAITING_RESPONSE)
    assert updated_at <= payment.updated_at


def test_a_webhook_that_arrives_while_stripe_is_down_is_refused_for_a_retry(
    charge, claimant, client_for, own_stripe, client
):
    """The event cannot be checked against Stripe: 503, nothing stored, so Stripe delivers it again; the
    redelivery, once Stripe answers, is handled."""
    response = client_for(claimant).post(pay_url(charge), {"token": own_stripe.token("4000002500003155")})
    payment = Payment.objects.get(charge=charge)
    _authenticate(own_stripe.url, payment, response.json()["client_secret"])
    own_stripe.kill()
    intent = {"id": payment.provider_reference, "object": "payment_intent"}
    refused = deliver(client, "evt_while_down", "payment_intent.succeeded", intent)
    assert refused.status_code == 503
    assert not WebhookEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING

    own_stripe.start()
    redelivered = deliver(client, "evt_while_down", "payment_intent.succeeded", intent)
    assert (redelivered.status_code, redelivered.text) == (200, f"payment {payment.public_id} is succeeded")
    assert AuditEntry.objects.filter(action="payment.succeeded").count() == 1
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.PAID
