"""Provider events: verified, stored by id so each is handled once, and never trusted for state.

The event only says which payment to look at; its state is read again from the provider.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction

from payments.models import Payment, PaymentStatus, WebhookEvent
from payments.providers import ProviderError
from payments.providers.stripe import StripeProvider
from payments.services.payments import payment_apply_result, payment_record_stray, payment_refund_reconcile

logger = logging.getLogger(__name__)

HANDLED_STRIPE_EVENTS = frozenset(
    {
        "payment_intent.succeeded",
        "payment_intent.processing",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "payment_intent.requires_action",
    }
)


class WebhookRejected(Exception):
    """Not a genuine event from the provider (bad or stale signature, unreadable body): answer 400."""


class WebhookRetryLater(Exception):
    """Genuine, but we could not act on it now (the provider could not be asked): answer 5xx so it retries."""


def stripe_event_verify(*, payload: bytes, signature: str) -> Any:
    try:
        return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise WebhookRejected(str(exc)) from None


def stripe_event_handle(*, event: Any) -> str:
    """Handle one verified Stripe event once. Returns what happened, for the log and the response."""
    event_id, event_type = str(event["id"]), str(event["type"])
    if WebhookEvent.objects.filter(provider="stripe", event_id=event_id).exists():
        return "duplicate"
    payment = None
    stray_of = None
    result = None
    refunded_total = None
    if event_type == "charge.refunded":
        charge = event["data"]["object"]
        payment = Payment.objects.filter(provider="stripe", provider_reference=str(charge["payment_intent"])).first()
        if payment is not None:
            try:
                refunded_total = StripeProvider().refunded_total(charge_id=str(charge["id"]))
            except ProviderError as exc:
                raise WebhookRetryLater(exc.message) from None
            if payment.status in (PaymentStatus.PENDING, PaymentStatus.PROCESSING):
                # The refund overtook the success it follows (events arrive in any order): take the
                # payment's own state from Stripe first, so the refund has a payment to apply to.
                try:
                    result = StripeProvider().fetch(payment=payment)
                except ProviderError as exc:
                    if exc.retryable:
                        raise WebhookRetryLater(exc.message) from None
    elif event_type in HANDLED_STRIPE_EVENTS:
        intent = event["data"]["object"].to_dict() if hasattr(event["data"]["object"], "to_dict") else {}
        intent_id = str(intent.get("id", ""))
        payment = Payment.objects.filter(provider="stripe", provider_reference=intent_id).first()
        if payment is None:
            # Stripe took the money but we never stored the intent's id (the answer to our request was
            # lost): the intent's metadata names our payment. Stripe itself confirms it below. If that
            # payment went on with another intent (the payer tried again), this one is a payment of its own.
            claimed = str((intent.get("metadata") or {}).get("payment", ""))
            if _is_uuid(claimed):
                payment = Payment.objects.filter(provider="stripe", public_id=claimed).first()
                if payment is not None and payment.provider_reference:
                    stray_of = payment
        if payment is not None:
            try:
                result = StripeProvider().fetch_intent(intent_id=intent_id, payment=payment)
            except ProviderError as exc:
                if exc.retryable:
                    raise WebhookRetryLater(exc.message) from None
                payment, result = None, None
    try:
        with transaction.atomic():
            record = WebhookEvent.objects.create(provider="stripe", event_id=event_id, event_type=event_type)
            if event_type == "charge.refunded":
                outcome = "unknown payment"
                if payment is not None and refunded_total is not None:
                    if result is not None:
                        payment_apply_result(payment=payment, result=result, source=f"webhook {event_type}")
                    refund = payment_refund_reconcile(
                        payment=payment, refunded_total=refunded_total, reference=str(event["data"]["object"]["id"])
                    )
                    outcome = f"recorded refund {refund.public_id}" if refund else "refund already recorded"
            elif event_type not in HANDLED_STRIPE_EVENTS:
                outcome = "ignored"
            elif payment is None or result is None:
                outcome = "unknown payment"
            elif stray_of is not None and result.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.PROCESSING):
                outcome = f"another intent of payment {stray_of.public_id}, which took no money"
            else:
                if stray_of is not None:
                    payment = payment_record_stray(original=stray_of, reference=result.reference)
                updated = payment_apply_result(payment=payment, result=result, source=f"webhook {event_type}")
                outcome = f"payment {updated.public_id} is {updated.status}"
            record.outcome = outcome
            record.save(update_fields=["outcome"])
    except IntegrityError:
        # The same event delivered twice at once: the other delivery handled it.
        return "duplicate"
    logger.info("stripe event %s (%s): %s", event_id, event_type, outcome)
    return outcome


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
