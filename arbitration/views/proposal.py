"""The proposed arbitrator reads the case summary and accepts, by drafting and then signing a
declaration of independence, or declines.

They are not yet the case's arbitrator, so this page, not the case page, shows them the summary: only to
the arbitrator proposed, only while the proposal is open, and only with two-factor set up.
"""

from __future__ import annotations

from typing import Any

from django import forms as forms_
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from arbitration.forms import AcceptForm, ArbitratorSignForm, DeclineForm
from arbitration.models import ArbitratorAppointment
from arbitration.services.appointment import (
    appointment_accept,
    appointment_decline,
    barred_as_former_mediator,
)
from cases.access import AccessRefused, AuthenticatedRequest, must_enable_mfa
from cases.audit import RequestMeta
from cases.forms import add_service_error
from cases.models import RefusalReason
from cases.models.panel import AppointmentStatus
from cases.panels import is_conflicted
from cases.roles import Role
from cases.services import ServiceError
from cases.views import form_data
from documents.access import require_download
from documents.models import IssuedDocument, IssuedKind, IssuedStatus
from documents.responses import pdf_attachment
from documents.services import agreement_sign


def _proposal(request: AuthenticatedRequest, appointment_id: int) -> ArbitratorAppointment:
    appointment = (
        ArbitratorAppointment.objects.select_related("case", "arbitrator__user")
        .filter(pk=appointment_id, arbitrator__user=request.user, status=AppointmentStatus.PROPOSED)
        .first()
    )
    if appointment is None:
        if ArbitratorAppointment.objects.filter(pk=appointment_id).exclude(arbitrator__user=request.user).exists():
            raise AccessRefused(RefusalReason.NOT_THEIRS, _("No such proposal."))
        raise Http404(_("No such proposal."))
    return appointment


def _declaration_draft(appointment: ArbitratorAppointment) -> IssuedDocument | None:
    return IssuedDocument.objects.filter(
        case=appointment.case,
        kind=IssuedKind.DECLARATION_OF_INDEPENDENCE,
        subject=appointment.declaration_subject,
        status=IssuedStatus.DRAFT,
    ).first()


@login_required
def proposal_page(request: AuthenticatedRequest, appointment_id: int) -> HttpResponseBase:
    appointment = _proposal(request, appointment_id)
    if must_enable_mfa(request.user):
        messages.warning(request, _("Set up two-factor authentication before you act on a case."))
        return redirect("mfa_activate_totp")
    forms: dict[str, Any] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        form: forms_.Form
        meta = RequestMeta.from_request(request)
        try:
            if action == "accept":
                forms["accept"] = form = AcceptForm(*form_data(request))
                if form.is_valid():
                    appointment_accept(appointment=appointment, user=request.user, meta=meta, **form.cleaned_data)
                    messages.success(request, _("Your declaration is drafted. Review it, then sign it."))
                    return redirect("arbitration:proposal", appointment_id=appointment.pk)
            elif action == "decline":
                forms["decline"] = form = DeclineForm(*form_data(request))
                if form.is_valid():
                    appointment_decline(
                        appointment=appointment,
                        user=request.user,
                        reason=form.cleaned_data["decline_reason"],
                        meta=meta,
                    )
                    messages.info(request, _("You declined. Thank you for telling us why."))
                    return redirect("cases:my_cases")
            elif action == "sign":
                forms["sign"] = form = ArbitratorSignForm(*form_data(request), signer=request.user)
                draft = _declaration_draft(appointment)
                if form.is_valid():
                    if draft is None:
                        raise ServiceError(_("Confirm your independence first: there is no declaration to sign."))
                    agreement_sign(document=draft, user=request.user, meta=meta, **form.cleaned_data)
                    messages.success(
                        request, _("You signed your declaration. Once it is sealed you are the case's arbitrator.")
                    )
                    return redirect("cases:my_cases")
            else:
                raise Http404(_("No such action."))
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
    case = appointment.case
    draft = _declaration_draft(appointment)
    context = {
        "appointment": appointment,
        "case": case,
        "parties": list(case.parties.select_related("organisation")),
        "conflicted": is_conflicted(appointment.arbitrator, case),
        "former_mediator": barred_as_former_mediator(appointment.arbitrator, case),
        "draft": draft,
        "accept_form": forms.get("accept") or AcceptForm(initial={"disclosures": appointment.disclosures}),
        "decline_form": forms.get("decline") or DeclineForm(),
        "sign_form": forms.get("sign")
        or ArbitratorSignForm(initial={"full_name": request.user.get_full_name()}, signer=request.user),
    }
    return render(request, "arbitration/proposal.html", context, status=400 if forms else 200)


@login_required
def declaration_pdf(request: AuthenticatedRequest, appointment_id: int) -> HttpResponseBase:
    appointment = _proposal(request, appointment_id)
    draft = _declaration_draft(appointment)
    if draft is None:
        raise Http404(_("There is no declaration yet."))
    # The open proposal makes them the arbitrator this declaration is for, though not yet the case's.
    require_download(draft, {Role.ARBITRATOR})
    return pdf_attachment(draft)
