"""Payment providers behind one interface (pretix's ``BasePaymentProvider``): prepare, execute, refund.

Cases never see a provider; services pick one by its identifier. Adding one (e.g. Hong Kong's FPS)
means a new subclass registered in ``PROVIDERS``, nothing else.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

from payments.models import PaymentStatus

StrOrPromise = str | Promise

if TYPE_CHECKING:
    from payments.models import Payment, Refund


class ProviderError(Exception):
    """The provider could not be asked, or refused. ``message`` is safe to show; ``retryable`` says
    whether the same payment may simply be tried again (e.g. the provider was unreachable)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class ProviderResult:
    """What the provider says about a payment, after an attempt or when asked again."""

    status: PaymentStatus
    reference: str = ""
    amount_received: Decimal | None = None
    currency_received: str = ""
    failure_message: str = ""
    # Set when the payer's browser must finish the payment (3-D Secure): Stripe.js takes it from here.
    client_secret: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """What a provider's event (a webhook) means for us, once the provider has been asked again: the event
    itself only says which payment to look at, never what state it is in."""

    # A kind of event we act on; anything else is recorded and ignored.
    handled: bool
    # The payment it concerns, when we know it; its state read again from the provider.
    payment: Payment | None = None
    result: ProviderResult | None = None
    # An attempt made for ``stray_of`` that we never recorded (our request's answer was lost and the payer
    # went on with another): a payment of its own if it took money.
    stray_of: Payment | None = None
    # For a refund: how much the provider says is refunded in all, and the provider's reference for it.
    is_refund: bool = False
    refunded_total: Decimal | None = None
    refund_reference: str = ""


class PaymentProvider(ABC):
    identifier: str
    verbose_name: StrOrPromise
    # Whether ``refund`` returns the money by itself (a card), so a duplicate can be refunded with no one
    # acting; otherwise (a bank transfer) an administrator makes the refund and records its reference.
    refunds_automatically: bool = False

    @abstractmethod
    def is_available(self) -> bool:
        """Whether this provider is configured and may be offered."""

    @abstractmethod
    def prepare(self, *, payment: Payment) -> dict[str, Any]:
        """What the payment page needs to take this payment (e.g. a publishable key, bank details)."""

    @abstractmethod
    def execute(self, *, payment: Payment, data: Mapping[str, str]) -> ProviderResult:
        """Take the payment with what the payer submitted. Raises ProviderError."""

    @abstractmethod
    def fetch(self, *, payment: Payment) -> ProviderResult:
        """Ask the provider again for the payment's state (never trust a browser or a webhook body)."""

    @abstractmethod
    def cancel(self, *, payment: Payment) -> ProviderResult:
        """Stop a payment that has not succeeded, so it never can; its state afterwards (succeeded when the
        payer finished first). Raises ProviderError when the provider could not be asked."""

    @abstractmethod
    def refund(self, *, payment: Payment, refund: Refund) -> str:
        """Return ``refund.amount`` of the payment; the provider's refund reference. Raises ProviderError."""


def _providers() -> tuple[PaymentProvider, ...]:
    """Every provider, in the order payers see them (card first). A new provider is added here."""
    from payments.providers.manual import ManualProvider
    from payments.providers.stripe import StripeProvider

    return (StripeProvider(), ManualProvider())


def get_provider(identifier: str) -> PaymentProvider:
    for provider in _providers():
        if provider.identifier == identifier:
            return provider
    raise ProviderError("Unknown payment provider.", retryable=False)


def available_providers() -> list[PaymentProvider]:
    """Offered to payers, card first when configured."""
    return [provider for provider in _providers() if provider.is_available()]
