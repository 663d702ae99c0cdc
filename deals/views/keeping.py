"""Keeping a signed contract, as plain forms: the side that owes an obligation reports it done (with its
evidence), the other side confirms or disputes it; the evidence file is downloaded by the two businesses."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.access import AuthenticatedRequest
from cases.audit import RequestMeta
from cases.forms import add_service_error
from cases.services import ServiceError
from cases.views import form_data
from deals.access import deal_view
from deals.models import Deal, DealObligation, ObligationEvent, Side
from deals.services.disputes import deal_dispute_open
from deals.services.obligations import obligation_confirm, obligation_dispute, obligation_report_done
from deals.views.pages import render_deal


class ReportForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("With any reference: a delivery note, a bank transfer, an email."),
    )
    evidence = forms.FileField(label=gettext_lazy("Evidence (a file)"), required=False)


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What is missing or wrong"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


@require_POST
@deal_view
def obligation_step(
    request: AuthenticatedRequest, deal: Deal, side: Side, obligation_id: int, step: str
) -> HttpResponse:
    obligation = get_object_or_404(DealObligation, deal=deal, pk=obligation_id)
    meta = RequestMeta.from_request(request)
    form: forms.Form
    if step == "report":
        form = ReportForm(*form_data(request))
    elif step == "dispute":
        form = DisputeForm(*form_data(request))
    elif step == "confirm":
        form = forms.Form(request.POST)
    else:
        raise Http404
    if form.is_valid():
        try:
            if step == "report":
                data = form.cleaned_data
                obligation_report_done(
                    obligation=obligation, user=request.user, note=data["note"], evidence=data["evidence"], meta=meta
                )
            elif step == "dispute":
                obligation_dispute(
                    obligation=obligation, user=request.user, reason=form.cleaned_data["reason"], meta=meta
                )
            else:
                obligation_confirm(obligation=obligation, user=request.user, meta=meta)
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        else:
            messages.success(request, _("Recorded. The other business is told."))
            return redirect(f"{deal.get_absolute_url()}#obligation-{obligation.pk}")
    return render_deal(request, deal, side, failed=(f"obligation-{obligation.pk}", form))


@deal_view
def evidence_download(request: AuthenticatedRequest, deal: Deal, side: Side, event_id: int) -> FileResponse:
    event = get_object_or_404(ObligationEvent, obligation__deal=deal, pk=event_id)
    if not event.evidence:
        raise Http404(_("No such file."))
    try:
        handle = event.evidence.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage.")) from None
    response = FileResponse(
        handle, as_attachment=True, filename=event.evidence_name, content_type=event.evidence_content_type
    )
    # Never let a browser render a party's upload on our origin.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@deal_view
def dispute_open(request: AuthenticatedRequest, deal: Deal, side: Side) -> HttpResponse:
    """ "Open a dispute": the claim is drafted from the deal, and the claimant goes on to check and file it."""
    obligation = None
    if request.POST.get("obligation"):
        obligation = DealObligation.objects.filter(deal=deal, pk=_int(request.POST["obligation"])).first()
        if obligation is None:
            raise Http404(_("No such obligation."))
    try:
        case = deal_dispute_open(
            deal=deal, user=request.user, obligation=obligation, meta=RequestMeta.from_request(request)
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(deal.get_absolute_url())
    messages.success(
        request,
        _("The claim is drafted from the contract. Check each step, add how COVID-19 affected it, then file it."),
    )
    return redirect("cases:file_step", case_id=case.public_id, step=2)


def _int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return 0
