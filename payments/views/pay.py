"""The payer's pages: what is owed, paying it by card or bank transfer, the payment's outcome, receipts.

Every page here is a case page (``case_view``) and, on top, only the party who owes the fee reaches it:
anyone else gets 404, administrators included (they act from the staff pages). The same pages serve a
subject's fee (a deal's) from its own app's views, through ``pay_page``, ``pay_by_card``,
``pay_by_transfer`` and ``payment_outcome`` with that app's ``PayPlace``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import AuthenticatedRequest, case_view
from cases.audit import RequestMeta
from cases.forms import add_service_error
from cases.models import Case
from cases.roles import Role
from cases.services import ServiceError
from documents.access import may_download
from documents.models import IssuedDocument, IssuedKind
from documents.responses import issued_pdf
from odr.security import allow_stripe
from payments.forms import ManualPaymentForm
from payments.models import Charge, ChargeStatus, Payment, PaymentStatus
from payments.providers import ProviderError, available_providers
from payments.receipts import receipt_for
from payments.services.payments import payment_attempt, payment_execute, payment_start, payment_sync


def _own_charge(request: AuthenticatedRequest, case: Case, charge_id: object) -> Charge:
    return get_object_or_404(
        Charge.objects.select_related("party__organisation", "organisation", "schedule", "case"),
        case=case,
        public_id=charge_id,
        party__user=request.user,
    )


def _own_payment(request: AuthenticatedRequest, case: Case, payment_id: object) -> Payment:
    return get_object_or_404(
        Payment.objects.select_related("charge__party", "charge__case"),
        charge__case=case,
        public_id=payment_id,
        charge__party__user=request.user,
    )


@dataclass(frozen=True, slots=True)
class PayPlace:
    """Where a charge is paid from: the page the payer comes back to, and the addresses of the pay page, its
    card and transfer forms and a payment's outcome. A case's fees are paid under the case's pages; an app
    above payments (deal-making) gives the addresses under its own pages, which check who may see them."""

    back_url: str
    back_label: str
    pay_url: str
    card_url: str
    manual_url: str
    outcome: Callable[[Payment], str]


def _case_place(case: Case, charge: Charge) -> PayPlace:
    ids = {"case_id": case.public_id, "charge_id": charge.public_id}
    return PayPlace(
        back_url=reverse("cases:detail", kwargs={"case_id": case.public_id}),
        back_label=_("Back to case %(reference)s") % {"reference": case.reference},
        pay_url=reverse("payments:pay", kwargs=ids),
        card_url=reverse("payments:pay_card", kwargs=ids),
        manual_url=reverse("payments:pay_manual", kwargs=ids),
        outcome=lambda p: reverse("payments:payment", kwargs={"case_id": case.public_id, "payment_id": p.public_id}),
    )


def pay_page(
    request: AuthenticatedRequest,
    charge: Charge,
    place: PayPlace,
    *,
    manual_form: ManualPaymentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The pay page of a charge the payer owes (the caller has checked that), or, when nothing is left to
    pay, back to where the payer came from."""
    if charge.status != ChargeStatus.DUE and manual_form is None:
        messages.info(request, _("This fee is settled: there is nothing to pay."))
        return redirect(place.back_url)
    # What each provider's part of the page needs, for a payment of this charge not yet started.
    prospective = Payment(charge=charge, amount=charge.amount_due, currency=charge.currency)
    prepared = {provider.identifier: provider.prepare(payment=prospective) for provider in available_providers()}
    context = {
        "charge": charge,
        "place": place,
        "card": prepared.get("stripe"),
        "manual_form": manual_form or ManualPaymentForm(),
        "bank_details": prepared["manual"]["bank_details"],
        "quote": prepared["manual"]["quote"],
        "payments": list(charge.payments.all()),
    }
    page = render(request, "payments/pay.html", context, status=status)
    return allow_stripe(page) if context["card"] else page


def pay_by_card(request: AuthenticatedRequest, charge: Charge, place: PayPlace) -> JsonResponse:
    """Stripe.js posts the card token here; the answer says what the page should do next (JSON)."""
    meta = RequestMeta.from_request(request)
    try:
        payment = payment_start(charge=charge, user=request.user, provider="stripe", meta=meta)
        payment, answer = payment_attempt(
            payment=payment, user=request.user, data={"token": request.POST.get("token", "")}
        )
    except ServiceError as exc:
        return JsonResponse({"status": "error", "message": exc.message}, status=409)
    except ProviderError as exc:
        # Nothing was charged and the payment stays pending: the payer may simply try again.
        return JsonResponse({"status": "error", "message": exc.message, "retryable": exc.retryable}, status=502)
    body: dict[str, object] = {"status": payment.status, "next": place.outcome(payment)}
    if payment.status == PaymentStatus.FAILED:
        body["message"] = payment.failure_message or _("The payment did not go through.")
    elif payment.status == PaymentStatus.PENDING and answer.client_secret:
        # The bank wants the cardholder to authenticate (3-D Secure): Stripe.js takes over.
        body["client_secret"] = answer.client_secret
    return JsonResponse(body, status=200 if payment.status != PaymentStatus.FAILED else 402)


def pay_by_transfer(request: AuthenticatedRequest, charge: Charge, place: PayPlace) -> HttpResponse:
    """The payer says it paid by bank transfer or cheque, with its reference; staff confirm receipt."""
    form = ManualPaymentForm(request.POST)
    if form.is_valid():
        meta = RequestMeta.from_request(request)
        try:
            payment = payment_start(charge=charge, user=request.user, provider="manual", meta=meta)
            payment_execute(payment=payment, user=request.user, data=form.cleaned_data, meta=meta)
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        except ProviderError as exc:
            form.add_error("reference", exc.message)
        else:
            messages.success(request, _("Thank you. We will confirm the payment once it reaches the centre's account."))
            return redirect(place.back_url)
    return pay_page(request, charge, place, manual_form=form, status=400)


def payment_outcome(
    request: AuthenticatedRequest, payment: Payment, place: PayPlace, receipt: IssuedDocument | None = None
) -> HttpResponse:
    """Where the payer lands after paying: the outcome, asked again of the provider while unsettled."""
    if payment.provider == "stripe" and payment.status in (PaymentStatus.PENDING, PaymentStatus.PROCESSING):
        try:
            payment = payment_sync(payment=payment, meta=RequestMeta.from_request(request))
        except ProviderError as exc:
            messages.warning(request, exc.message)
    context = {"payment": payment, "place": place, "receipt": receipt}
    return render(request, "payments/payment.html", context)


@case_view
def pay(request: AuthenticatedRequest, case: Case, roles: frozenset[Role], charge_id: object) -> HttpResponse:
    charge = _own_charge(request, case, charge_id)
    return pay_page(request, charge, _case_place(case, charge))


@require_POST
@case_view
def pay_card(request: AuthenticatedRequest, case: Case, roles: frozenset[Role], charge_id: object) -> JsonResponse:
    charge = _own_charge(request, case, charge_id)
    return pay_by_card(request, charge, _case_place(case, charge))


@require_POST
@case_view
def pay_manual(request: AuthenticatedRequest, case: Case, roles: frozenset[Role], charge_id: object) -> HttpResponse:
    charge = _own_charge(request, case, charge_id)
    return pay_by_transfer(request, charge, _case_place(case, charge))


@case_view
def payment_detail(
    request: AuthenticatedRequest, case: Case, roles: frozenset[Role], payment_id: object
) -> HttpResponse:
    payment = _own_payment(request, case, payment_id)
    receipt = receipt_for(payment)
    if receipt is not None and not may_download(receipt, roles):
        receipt = None
    return payment_outcome(request, payment, _case_place(case, payment.charge), receipt)


@case_view
def receipt_pdf(
    request: AuthenticatedRequest, case: Case, roles: frozenset[Role], document_id: int
) -> HttpResponseBase:
    """A receipt, for the party who paid (or was refunded) and for administrators (``documents.access``)."""
    receipts = (IssuedKind.FEE_RECEIPT, IssuedKind.REFUND_RECEIPT)
    return issued_pdf(case, roles, document_id, kinds=receipts, fallback_name="receipt.pdf")
