from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.access import AuthenticatedRequest, case_view
from cases.audit import RequestMeta
from cases.forms import AmountField
from cases.models import Case, Obligation, PaymentReport
from cases.roles import Role
from cases.services import ServiceError
from cases.services.compliance import payment_report, report_answer


class PaymentReportForm(forms.Form):
    amount = AmountField(label=gettext_lazy("Amount paid (HK$)"), max_digits=12, decimal_places=2)
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=gettext_lazy("Bank or cheque reference"), max_length=100)
    evidence = forms.FileField(label=gettext_lazy("Evidence (bank slip, cheque copy)"), required=False)


def _errors(request: AuthenticatedRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


@require_POST
@case_view
def payment_report_view(
    request: AuthenticatedRequest, case: Case, roles: frozenset[Role], obligation_id: int
) -> HttpResponse:
    obligation = get_object_or_404(Obligation, case=case, pk=obligation_id)
    form = PaymentReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            payment_report(
                obligation=obligation, user=request.user, meta=RequestMeta.from_request(request), **form.cleaned_data
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your payment is reported. The other party will confirm it."))
    else:
        _errors(request, form)
    return redirect(reverse("cases:detail", kwargs={"case_id": case.public_id}) + "#compliance-heading")


@require_POST
@case_view
def payment_answer_view(
    request: AuthenticatedRequest, case: Case, roles: frozenset[Role], report_id: int
) -> HttpResponse:
    report = get_object_or_404(PaymentReport, obligation__case=case, pk=report_id)
    confirm = request.POST.get("answer") == "confirm"
    try:
        report_answer(
            report=report,
            user=request.user,
            confirm=confirm,
            reason=request.POST.get("reason", ""),
            meta=RequestMeta.from_request(request),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you: your answer is recorded."))
    return redirect(reverse("cases:detail", kwargs={"case_id": case.public_id}) + "#compliance-heading")
