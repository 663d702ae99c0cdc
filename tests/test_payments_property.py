"""The payment state machine, property-tested against localstripe: whatever the order of the payer's
starts and 3-D Secure, lost answers, webhooks and syncs, a fee's money is kept once.

Each example is a sequence of events on one HK$200 registration fee; the database is rolled back between
examples (localstripe keeps its intents, each example only looks at its own). After the events, every
webhook Stripe would still deliver is delivered; then the money kept, as the card processor and as our
books say, is the fee's amount if it is paid and nothing if it is not.
"""

import contextlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.services import ServiceError
from payments.models import PAID_STATUSES, Charge, ChargeStatus, Payment
from payments.providers import ProviderError
from payments.providers.stripe import client as stripe_api
from payments.services.payments import payment_attempt, payment_start, payment_sync
from tests.conftest import STRIPE_TEST_KEYS, stripe_card_token
from tests.test_payments_once import kept_at_stripe
from tests.test_payments_stripe import _event, _signed

GOOD = "4242424242424242"
THREE_D_SECURE = "4000002500003155"
CARDS = st.sampled_from([GOOD, THREE_D_SECURE])

EVENTS = st.one_of(
    st.tuples(st.just("pay"), CARDS),
    st.tuples(st.just("lost answer"), CARDS),
    st.tuples(st.just("authenticate"), st.integers(0, 5)),
    st.tuples(st.just("webhook"), st.integers(0, 5)),
    st.tuples(st.just("sync"), st.integers(0, 5)),
)


@dataclass
class Payer:
    """The payer's browser tabs and Stripe's side, as far as this example goes."""

    charge: Charge
    user: object
    stripe_url: str
    intents: list[tuple[str, str]] = field(default_factory=list)  # (id, client secret), in order made
    events_sent: int = 0

    def pay(self, card: str) -> None:
        try:
            payment = payment_start(charge=self.charge, user=self.user, provider="stripe")
            payment, answer = payment_attempt(
                payment=payment, user=self.user, data={"token": stripe_card_token(self.stripe_url, card)}
            )
        except (ServiceError, ProviderError):
            return  # refused (settled, already submitted) or Stripe refused: the payer sees why
        if payment.provider_reference:
            self.intents.append((payment.provider_reference, answer.client_secret))

    def lose_answer(self, card: str) -> None:
        """The payer submits; Stripe makes (and may take) the payment; its answer never reaches us."""
        try:
            payment = payment_start(charge=self.charge, user=self.user, provider="stripe")
        except (ServiceError, ProviderError):
            return
        token = stripe_card_token(self.stripe_url, card)
        api = stripe_api()
        intent = api.v1.payment_intents.create(
            params={
                "amount": 20000,
                "currency": "hkd",
                "payment_method": api.v1.tokens.retrieve(token)["card"]["id"],
                "confirm": True,
                "metadata": {"payment": str(payment.public_id)},
            }
        )
        self.intents.append((intent.id, intent.client_secret))

    def authenticate(self, index: int) -> None:
        if not self.intents:
            return
        intent_id, secret = self.intents[index % len(self.intents)]
        body = json.dumps({"key": STRIPE_TEST_KEYS["STRIPE_PUBLISHABLE_KEY"], "client_secret": secret}).encode()
        url = f"{self.stripe_url}/v1/payment_intents/{intent_id}/_authenticate?success=true"
        # Stripe refuses one cancelled or not waiting for authentication: the payer's tab shows an error.
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST"), timeout=10).close()

    def webhook(self, index: int) -> None:
        if not self.intents:
            return
        intent_id, _secret = self.intents[index % len(self.intents)]
        intent = stripe_api().v1.payment_intents.retrieve(intent_id).to_dict()
        self.events_sent += 1
        payload = _event(
            f"evt_{intent_id}_{self.events_sent}",
            "payment_intent.succeeded",
            {"id": intent_id, "object": "payment_intent", "metadata": intent.get("metadata") or {}},
        )
        response = Client().post(
            reverse("payments:stripe_webhook"), payload, content_type="application/json", **_signed(payload)
        )
        assert response.status_code == 200, response.content

    def sync(self, index: int) -> None:
        payments = list(self.charge.payments.order_by("pk"))
        if payments:
            payment_sync(payment=payments[index % len(payments)])


def kept_in_our_books(charge: Charge) -> Decimal:
    paid = Payment.objects.filter(charge=charge, status__in=PAID_STATUSES)
    return sum((p.amount_received - p.amount_refunded for p in paid), Decimal("0"))


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(EVENTS, min_size=1, max_size=8))
def test_money_kept_for_a_fee_is_its_amount_whatever_happens(
    events, fee_schedule, filed_case, claimant, stripe_settings
):
    with transaction.atomic():
        charge = Charge.objects.get(case=filed_case)
        payer = Payer(charge=charge, user=claimant, stripe_url=stripe_settings)
        for kind, argument in events:
            {
                "pay": payer.pay,
                "lost answer": payer.lose_answer,
                "authenticate": payer.authenticate,
                "webhook": payer.webhook,
                "sync": payer.sync,
            }[kind](argument)
        # Eventually Stripe delivers an event about every intent (and the payer's page syncs).
        for index in range(len(payer.intents)):
            payer.webhook(index)

        charge.refresh_from_db()
        expected = charge.amount_due if charge.status == ChargeStatus.PAID else Decimal("0")
        assert kept_at_stripe(intent_id for intent_id, _secret in payer.intents) == expected, events
        assert kept_in_our_books(charge) == expected, events
        transaction.set_rollback(True)
