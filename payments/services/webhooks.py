"""Provider events: verified, stored by id so each is handled once, and never trusted for state.

The event only says which payment to look at; the provider reads it (``read_event``: which payment, and its
state asked again), and this module applies what it found, once.
"""

from __future__ import annotations

import logging
from typing import Any

import stripe
from django.db import IntegrityError, transaction

from payments.models import PaymentStatus, WebhookEvent
from payments.providers import ProviderError, ProviderEvent
from payments.providers.stripe import StripeProvider, event_verify
from payments.services.payments import payment_apply_result, payment_record_stray, payment_refund_reconcile

logger = logging.getLogger(__name__)


class WebhookRejected(Exception):
    """Not a genuine event from the provider (bad or stale signature, unreadable body): answer 400."""


class WebhookRetryLater(Exception):
    """Genuine, but we could not act on it now (the provider could not be asked): answer 5xx so it retries."""


def stripe_event_verify(*, payload: bytes, signature: str) -> Any:
    try:
        return event_verify(payload=payload, signature=signature)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise WebhookRejected(str(exc)) from None


def stripe_event_handle(*, event: Any) -> str:
    """Handle one verified Stripe event once. Returns what happened, for the log and the response."""
    event_id, event_type = str(event["id"]), str(event["type"])
    if WebhookEvent.objects.filter(provider="stripe", event_id=event_id).exists():
        return "duplicate"
    try:
        seen = StripeProvider().read_event(event)
    except ProviderError as exc:
        raise WebhookRetryLater(exc.message) from None
    try:
        with transaction.atomic():
            record = WebhookEvent.objects.create(provider="stripe", event_id=event_id, event_type=event_type)
            record.outcome = _event_apply(seen, source=f"webhook {event_type}")
            record.save(update_fields=["outcome"])
    except IntegrityError:
        # The same event delivered twice at once: the other delivery handled it.
        return "duplicate"
    logger.info("stripe event %s (%s): %s", event_id, event_type, record.outcome)
    return record.outcome


def _event_apply(seen: ProviderEvent, *, source: str) -> str:
    """Apply what the provider says about the event's payment, in the caller's transaction."""
    if not seen.handled:
        return "ignored"
    payment, result = seen.payment, seen.result
    if seen.is_refund:
        if payment is None or seen.refunded_total is None:
            return "unknown payment"
        if result is not None:
            payment_apply_result(payment=payment, result=result, source=source)
        refund = payment_refund_reconcile(
            payment=payment, refunded_total=seen.refunded_total, reference=seen.refund_reference
        )
        return f"recorded refund {refund.public_id}" if refund else "refund already recorded"
    if payment is None or result is None:
        return "unknown payment"
    if seen.stray_of is not None:
        if result.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.PROCESSING):
            return f"another intent of payment {seen.stray_of.public_id}, which took no money"
        payment = payment_record_stray(original=seen.stray_of, reference=result.reference)
    updated = payment_apply_result(payment=payment, result=result, source=source)
    return f"payment {updated.public_id} is {updated.status}"
