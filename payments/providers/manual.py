"""Bank transfer or cheque: the payer says how and with which reference; a case administrator confirms
receipt against the bank statement (``payments.services.manual_payment_confirm``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from payments.models import PaymentStatus
from payments.providers import PaymentProvider, ProviderError, ProviderResult

if TYPE_CHECKING:
    from payments.models import Payment, Refund


class ManualProvider(PaymentProvider):
    identifier = "manual"
    verbose_name = gettext_lazy("Bank transfer or cheque")

    def is_available(self) -> bool:
        return True

    def prepare(self, *, payment: Payment) -> dict[str, Any]:
        return {"bank_details": settings.PAYMENTS_BANK_DETAILS, "quote": payment_quote(payment)}

    def execute(self, *, payment: Payment, data: Mapping[str, str]) -> ProviderResult:
        reference = (data.get("reference") or "").strip()
        if not reference:
            raise ProviderError(_("Enter the reference of your transfer or the cheque number."), retryable=True)
        # Nothing has arrived yet as far as we know: it waits for the centre to confirm receipt.
        return ProviderResult(status=PaymentStatus.PROCESSING, reference=reference[:100])

    def fetch(self, *, payment: Payment) -> ProviderResult:
        return ProviderResult(
            status=PaymentStatus(payment.status),
            reference=payment.provider_reference,
            amount_received=payment.amount_received,
            currency_received=payment.currency_received,
        )

    def cancel(self, *, payment: Payment) -> ProviderResult:
        # Nothing is held anywhere for a transfer not yet declared; a declared one may be in the post.
        if payment.status == PaymentStatus.PENDING:
            return ProviderResult(status=PaymentStatus.FAILED, failure_message=_("Replaced by another payment."))
        return self.fetch(payment=payment)

    def refund(self, *, payment: Payment, refund: Refund) -> str:
        # The centre pays the money back by bank transfer; the administrator records its reference.
        return refund.provider_reference


def payment_quote(payment: Payment) -> str:
    """The reference a payer writes on the transfer, so the centre can match it to the charge."""
    return f"{payment.charge.record_reference}-{str(payment.charge.public_id)[:8].upper()}"
