"""Card payments with Stripe PaymentIntents.

The browser turns the card into a token with Stripe.js (the card number never reaches us); the server
creates and confirms the PaymentIntent for the amount it decides, so the browser cannot change it.
When the bank asks for 3-D Secure, Stripe.js finishes the payment with the intent's client secret and
the server asks Stripe again. The same code runs against localstripe when ``STRIPE_API_BASE`` is set.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import stripe
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.money import CENT
from payments.models import Payment, PaymentStatus
from payments.providers import PaymentProvider, ProviderError, ProviderEvent, ProviderResult

if TYPE_CHECKING:
    from payments.models import Refund

# The events the webhook acts on besides "charge.refunded": each names a PaymentIntent to read again.
INTENT_EVENTS = frozenset(
    {
        "payment_intent.succeeded",
        "payment_intent.processing",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "payment_intent.requires_action",
    }
)

UNREACHABLE = gettext_lazy(
    "Card payments are not available right now: we could not reach the card processor. "
    "Nothing was charged. Please try again in a few minutes, or pay by bank transfer."
)


def to_minor_units(amount: Decimal) -> int:
    """HK$ to cents, which is how Stripe counts HKD."""
    return int((amount * 100).to_integral_value())


def from_minor_units(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def event_verify(*, payload: bytes, signature: str) -> Any:
    """The event Stripe signed, or ValueError / stripe.SignatureVerificationError."""
    return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)


def client() -> stripe.StripeClient:
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base,  # type: ignore[arg-type]
        max_network_retries=1,
        # Stripe's own default waits 80 s; a payer should hear sooner that the processor is not answering.
        http_client=stripe.new_default_http_client(timeout=settings.STRIPE_TIMEOUT_SECONDS),
    )


def result_from_intent(intent: Any) -> ProviderResult:
    """Our view of a PaymentIntent, whatever told us about it."""
    intent = intent.to_dict() if hasattr(intent, "to_dict") else dict(intent)
    status = intent["status"]
    reference = intent["id"]
    if status == "succeeded":
        received = intent.get("amount_received") or intent["amount"]
        return ProviderResult(
            status=PaymentStatus.SUCCEEDED,
            reference=reference,
            amount_received=from_minor_units(received),
            currency_received=str(intent["currency"]).upper(),
        )
    if status == "processing":
        return ProviderResult(status=PaymentStatus.PROCESSING, reference=reference)
    if status == "requires_action":
        return ProviderResult(status=PaymentStatus.PENDING, reference=reference, client_secret=intent["client_secret"])
    if status in ("requires_payment_method", "canceled"):
        error = intent.get("last_payment_error") or {}
        message = error.get("message") or _("The payment did not go through.")
        return ProviderResult(status=PaymentStatus.FAILED, reference=reference, failure_message=str(message)[:300])
    # requires_confirmation / requires_capture: not finished yet.
    return ProviderResult(status=PaymentStatus.PENDING, reference=reference)


class StripeProvider(PaymentProvider):
    identifier = "stripe"
    verbose_name = gettext_lazy("Card")
    refunds_automatically = True

    def is_available(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY)

    def prepare(self, *, payment: Payment) -> dict[str, Any]:
        return {"publishable_key": settings.STRIPE_PUBLISHABLE_KEY, "stripe_js_url": settings.STRIPE_JS_URL + "/"}

    def execute(self, *, payment: Payment, data: Mapping[str, str]) -> ProviderResult:
        token = (data.get("token") or "").strip()
        if not token.startswith("tok_"):
            raise ProviderError(_("The card details did not reach us. Please enter them again."), retryable=True)
        api = client()
        try:
            card = api.v1.tokens.retrieve(token)["card"]
            intent = api.v1.payment_intents.create(
                params={
                    "amount": to_minor_units(payment.amount),
                    "currency": payment.currency.lower(),
                    "payment_method": card["id"],
                    # Cards only, confirmed here: no redirect-based methods needing a return URL.
                    "payment_method_types": ["card"],  # type: ignore[typeddict-unknown-key]
                    "confirm": True,
                    "metadata": {
                        "payment": str(payment.public_id),
                        # A case's reference, or the subject's (a deal's): what the centre's staff look up.
                        "case": payment.charge.record_reference,
                        "fee": payment.charge.kind,
                    },
                },
                # A retry of the same submission (same token) can never charge twice.
                options={"idempotency_key": f"odr-payment-{payment.public_id}-{token}"},
            )
        except stripe.CardError as exc:
            # A declined confirmation carries the PaymentIntent: a StripeObject (not a dict), or only its id.
            declined = getattr(exc.error, "payment_intent", None)
            intent_id = declined if isinstance(declined, str) else getattr(declined, "id", "")
            return ProviderResult(
                status=PaymentStatus.FAILED,
                reference=str(intent_id or "")[:100],
                failure_message=(exc.user_message or _("Your card was declined."))[:300],
            )
        except stripe.APIConnectionError:
            raise ProviderError(str(UNREACHABLE), retryable=True) from None
        except stripe.InvalidRequestError:
            raise ProviderError(
                _("The card details were not accepted. Please check them and try again."), retryable=True
            ) from None
        except stripe.StripeError:
            raise ProviderError(str(UNREACHABLE), retryable=True) from None
        return result_from_intent(intent)

    def fetch(self, *, payment: Payment) -> ProviderResult:
        if not payment.provider_reference:
            return ProviderResult(status=PaymentStatus(payment.status))
        return self.fetch_intent(intent_id=payment.provider_reference, payment=payment)

    def fetch_intent(self, *, intent_id: str, payment: Payment) -> ProviderResult:
        """Read a PaymentIntent, and refuse one that was not made for ``payment`` (its metadata says), unless
        the payment already holds it (a second intent of one attempt, recorded as a payment of its own)."""
        try:
            intent = client().v1.payment_intents.retrieve(intent_id).to_dict()
        except stripe.StripeError:
            raise ProviderError(str(UNREACHABLE), retryable=True) from None
        ours = intent_id == payment.provider_reference
        if not ours and (intent.get("metadata") or {}).get("payment") != str(payment.public_id):
            raise ProviderError("This PaymentIntent belongs to another payment.", retryable=False)
        return result_from_intent(intent)

    def cancel(self, *, payment: Payment) -> ProviderResult:
        if not payment.provider_reference:
            return ProviderResult(status=PaymentStatus(payment.status))
        try:
            intent = client().v1.payment_intents.cancel(payment.provider_reference)
        except stripe.InvalidRequestError:
            # Stripe cancels only an intent that has not succeeded or started processing: say which it is.
            return self.fetch(payment=payment)
        except stripe.StripeError:
            raise ProviderError(str(UNREACHABLE), retryable=True) from None
        result = result_from_intent(intent)
        if result.status == PaymentStatus.FAILED:
            return ProviderResult(
                status=PaymentStatus.FAILED,
                reference=result.reference,
                failure_message=_("Cancelled: another payment for the same fee was started."),
            )
        return result

    def refunded_total(self, *, charge_id: str) -> Decimal:
        """How much of a card charge Stripe says has been refunded, however it was refunded."""
        try:
            charge = client().v1.charges.retrieve(charge_id)
        except stripe.StripeError:
            raise ProviderError(str(UNREACHABLE), retryable=True) from None
        return from_minor_units(int(charge["amount_refunded"]))

    def refund(self, *, payment: Payment, refund: Refund) -> str:
        try:
            made = client().v1.refunds.create(
                params={
                    "payment_intent": payment.provider_reference,
                    "amount": to_minor_units(refund.amount),
                    "metadata": {"refund": str(refund.public_id), "reason": refund.reason[:450]},
                },
                options={"idempotency_key": f"odr-refund-{refund.public_id}"},
            )
        except stripe.APIConnectionError:
            raise ProviderError(
                _("We could not reach the card processor: nothing was refunded. Try again shortly."), retryable=True
            ) from None
        except stripe.StripeError as exc:
            raise ProviderError(
                _("The card processor refused the refund: %(reason)s") % {"reason": exc.user_message or exc},
                retryable=False,
            ) from None
        return str(made["id"])

    def read_event(self, event: Any) -> ProviderEvent:
        """Which payment a verified event is about, and its state asked of Stripe again. Raises
        ProviderError (retryable) when Stripe cannot be asked now, so the event is delivered again."""
        event_type = str(event["type"])
        if event_type == "charge.refunded":
            return self._read_refund(event["data"]["object"])
        if event_type in INTENT_EVENTS:
            intent = event["data"]["object"].to_dict() if hasattr(event["data"]["object"], "to_dict") else {}
            return self._read_intent(intent)
        return ProviderEvent(handled=False)

    def _read_refund(self, charge: Any) -> ProviderEvent:
        payment = Payment.objects.filter(provider="stripe", provider_reference=str(charge["payment_intent"])).first()
        seen = ProviderEvent(handled=True, is_refund=True, refund_reference=str(charge["id"]))
        if payment is None:
            return seen
        try:
            refunded_total = self.refunded_total(charge_id=str(charge["id"]))
        except ProviderError as exc:
            raise ProviderError(exc.message, retryable=True) from None
        result = None
        if payment.status in (PaymentStatus.PENDING, PaymentStatus.PROCESSING):
            # The refund overtook the success it follows (events arrive in any order): take the payment's
            # own state from Stripe first, so the refund has a payment to apply to.
            try:
                result = self.fetch(payment=payment)
            except ProviderError as exc:
                if exc.retryable:
                    raise
        return ProviderEvent(
            handled=True,
            payment=payment,
            result=result,
            is_refund=True,
            refunded_total=refunded_total,
            refund_reference=str(charge["id"]),
        )

    def _read_intent(self, intent: dict[str, Any]) -> ProviderEvent:
        intent_id = str(intent.get("id", ""))
        payment = Payment.objects.filter(provider="stripe", provider_reference=intent_id).first()
        stray_of = None
        if payment is None:
            # Stripe took the money but we never stored the intent's id (the answer to our request was
            # lost): the intent's metadata names our payment. Stripe itself confirms it below. If that
            # payment went on with another intent (the payer tried again), this one is a payment of its own.
            claimed = str((intent.get("metadata") or {}).get("payment", ""))
            if _is_uuid(claimed):
                payment = Payment.objects.filter(provider="stripe", public_id=claimed).first()
                if payment is not None and payment.provider_reference:
                    stray_of = payment
        if payment is None:
            return ProviderEvent(handled=True)
        try:
            result = self.fetch_intent(intent_id=intent_id, payment=payment)
        except ProviderError as exc:
            if exc.retryable:
                raise
            return ProviderEvent(handled=True)
        return ProviderEvent(handled=True, payment=payment, result=result, stray_of=stray_of)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
