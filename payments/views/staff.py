"""Case administrators' payment pages: reconciliation, one payment's actions, fee schedules, waivers."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.access import AccessRefused, AuthenticatedRequest, administrator_view, case_view
from cases.audit import RequestMeta
from cases.forms import add_service_error
from cases.models import Case
from cases.roles import Role
from cases.services import ServiceError
from cases.views import form_data
from payments.forms import (
    ConfirmReceiptForm,
    FeeScheduleForm,
    ReconciliationFilterForm,
    RefundForm,
    RejectForm,
    SurplusTransferForm,
    WaiveForm,
)
from payments.models import Charge, FeeSchedule, Payment
from payments.providers import ProviderError
from payments.receipts import receipt_for
from payments.selectors import PaymentFilters, charges_to_apply_a_transfer_to, payments_for_reconciliation
from payments.services.fees import WaiverRuleInput, fee_schedule_create, schedule_in_force
from payments.services.payments import (
    manual_payment_confirm,
    manual_payment_confirm_surplus,
    manual_payment_reject,
    payment_refund,
    payment_sync,
)
from payments.services.waivers import charge_waive

PAGE_SIZE = 50
CSV_HEADER = [
    "created_at",
    "case",
    "business",
    "fee",
    "provider",
    "provider_reference",
    "status",
    "currency",
    "amount_charged",
    "amount_received",
    "currency_received",
    "amount_refunded",
    "mismatch",
    "duplicate",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(payments: Any) -> Any:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for p in payments.iterator(chunk_size=1000):
        yield writer.writerow(
            [
                p.created_at.isoformat(),
                p.charge.record_reference,
                p.charge.organisation.name,
                p.charge.kind,
                p.provider,
                p.provider_reference,
                p.status,
                p.currency,
                p.amount,
                "" if p.amount_received is None else p.amount_received,
                p.currency_received,
                p.amount_refunded,
                "yes" if p.mismatch else "no",
                "yes" if p.duplicate else "no",
            ]
        )


@administrator_view
def reconciliation(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    form = ReconciliationFilterForm(request.GET or None)
    filters = PaymentFilters()
    if form.is_bound and form.is_valid():
        filters = PaymentFilters(**form.cleaned_data)
    payments = payments_for_reconciliation(filters)
    if request.GET.get("format") == "csv":
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(_csv_rows(payments), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="payments-{stamp}.csv"'
        return response
    page = Paginator(payments, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "payments/staff/reconciliation.html",
        {"form": form, "page": page, "query": query.urlencode(), "status": 400 if form.errors else 200},
        status=400 if form.errors else 200,
    )


def _payment_page(request: HttpRequest, payment: Payment, status: int = 200, **forms: Any) -> HttpResponse:
    context = {
        "payment": payment,
        "receipt": receipt_for(payment),
        "refunds": list(payment.refunds.all()),
        "refund_form": forms.get("refund_form") or RefundForm(initial={"amount": payment.refundable}),
        "confirm_form": forms.get("confirm_form") or ConfirmReceiptForm(initial={"amount_received": payment.amount}),
        "reject_form": forms.get("reject_form") or RejectForm(),
        "surplus_form": forms.get("surplus_form") or _surplus_form(None, payment),
    }
    return render(request, "payments/staff/payment.html", context, status=status)


def _load_payment(payment_id: object) -> Payment:
    return get_object_or_404(
        Payment.objects.select_related("charge__case", "charge__organisation", "charge__schedule"),
        public_id=payment_id,
    )


@administrator_view
def staff_payment(request: AuthenticatedRequest, payment_id: object) -> HttpResponse:
    return _payment_page(request, _load_payment(payment_id))


def _surplus_form(data: Any, payment: Payment) -> SurplusTransferForm:
    return SurplusTransferForm(
        data,
        apply_to=charges_to_apply_a_transfer_to(payment),
        initial={"amount_received": payment.amount, "use": SurplusTransferForm.REFUND},
    )


# One POST endpoint per action: (form factory, service call, success message, name of the form in the page).
def _do_refund(request: AuthenticatedRequest, payment: Payment, form: Any) -> None:
    payment_refund(payment=payment, actor=request.user, meta=RequestMeta.from_request(request), **form.cleaned_data)


def _do_confirm(request: AuthenticatedRequest, payment: Payment, form: Any) -> None:
    manual_payment_confirm(
        payment=payment, actor=request.user, meta=RequestMeta.from_request(request), **form.cleaned_data
    )


def _do_surplus(request: AuthenticatedRequest, payment: Payment, form: Any) -> None:
    manual_payment_confirm_surplus(
        payment=payment, actor=request.user, meta=RequestMeta.from_request(request), **form.service_arguments()
    )


def _do_reject(request: AuthenticatedRequest, payment: Payment, form: Any) -> None:
    manual_payment_reject(
        payment=payment, actor=request.user, meta=RequestMeta.from_request(request), **form.cleaned_data
    )


PAYMENT_ACTIONS: dict[str, tuple[Any, Any, Any, str]] = {
    "refund": (lambda data, _p: RefundForm(data), _do_refund, gettext_lazy("The refund was made."), "refund_form"),
    "confirm": (
        lambda data, _p: ConfirmReceiptForm(data),
        _do_confirm,
        gettext_lazy("Receipt confirmed: the payment is recorded."),
        "confirm_form",
    ),
    "surplus": (
        _surplus_form,
        _do_surplus,
        gettext_lazy("The transfer is recorded and dealt with as chosen."),
        "surplus_form",
    ),
    "reject": (
        lambda data, _p: RejectForm(data),
        _do_reject,
        gettext_lazy("The payment is marked as not received."),
        "reject_form",
    ),
}


@require_POST
@administrator_view
def staff_payment_action(request: AuthenticatedRequest, payment_id: object, action: str) -> HttpResponse:
    payment = _load_payment(payment_id)
    if action == "sync":
        try:
            payment_sync(payment=payment, meta=RequestMeta.from_request(request))
        except ProviderError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The payment's state was read again from the provider."))
        return redirect("payments:staff_payment", payment_id=payment.public_id)
    if action not in PAYMENT_ACTIONS:
        return _payment_page(request, payment, status=404)
    make_form, do, done, form_name = PAYMENT_ACTIONS[action]
    form = make_form(request.POST, payment)
    if form.is_valid():
        try:
            do(request, payment, form)
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        else:
            messages.success(request, done)
            return redirect("payments:staff_payment", payment_id=payment.public_id)
    return _payment_page(request, _load_payment(payment_id), status=400, **{form_name: form})


@administrator_view
def fee_schedules(request: AuthenticatedRequest) -> HttpResponse:
    form = FeeScheduleForm(*form_data(request)[:1])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        rules = (
            [
                WaiverRuleInput(
                    size_band=data["waiver_size_band"],
                    percent=data["waiver_percent"],
                    reason=data["waiver_reason"],
                    fee_kind=data["waiver_fee_kind"],
                )
            ]
            if data["waiver_size_band"]
            else []
        )
        try:
            fee_schedule_create(
                actor=request.user,
                name=data["name"],
                effective_from=data["effective_from"],
                registration_fee=data["registration_fee"],
                mediation_fee=data["mediation_fee"],
                arbitration_fee=data["arbitration_fee"],
                waiver_rules=rules,
                deal_fees=form.deal_fees(),
                meta=RequestMeta.from_request(request),
            )
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        else:
            messages.success(request, _("The new fee schedule is saved."))
            return redirect("payments:fee_schedules")
    schedules = FeeSchedule.objects.prefetch_related("waiver_rules").order_by("-effective_from")
    return render(
        request,
        "payments/staff/fee_schedules.html",
        {"form": form, "schedules": schedules, "in_force": schedule_in_force()},
        status=400 if form.errors else 200,
    )


@require_POST
@case_view
def charge_waive_view(request: AuthenticatedRequest, case: Case, roles: frozenset[Role], charge_id: object) -> Any:
    from cases.views.case import render_case_page

    if Role.ADMINISTRATOR not in roles:
        raise AccessRefused
    charge = get_object_or_404(Charge, case=case, public_id=charge_id)
    form = WaiveForm(request.POST)
    if form.is_valid():
        try:
            charge_waive(charge=charge, actor=request.user, meta=RequestMeta.from_request(request), **form.cleaned_data)
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        else:
            messages.success(request, _("The fee is waived as entered."))
            return redirect("cases:detail", case_id=case.public_id)
    for error in form.errors.values():
        messages.error(request, " ".join(str(message) for message in error))
    return render_case_page(request, case, roles, waive_form=form)
