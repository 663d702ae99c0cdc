"""The proposed mediator reads the case summary and accepts (declaring no conflict) or declines.

They are not yet the case's mediator, so this page, not the case page, shows them the summary: only
to the mediator proposed, only while the proposal is open, and only with two-factor set up.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cases.access import AccessRefused, AuthenticatedRequest, must_enable_mfa
from cases.audit import RequestMeta
from cases.forms import add_service_error
from cases.models import RefusalReason
from cases.models.panel import AppointmentStatus
from cases.panels import is_conflicted
from cases.services import ServiceError
from mediation.forms import ProposalAnswerForm
from mediation.models import MediatorAppointment
from mediation.services.appointment import appointment_respond


@login_required
def proposal_page(request: AuthenticatedRequest, appointment_id: int) -> HttpResponse:
    appointment = (
        MediatorAppointment.objects.select_related("case", "mediator__user")
        .filter(pk=appointment_id, mediator__user=request.user, status=AppointmentStatus.PROPOSED)
        .first()
    )
    if appointment is None:
        if MediatorAppointment.objects.filter(pk=appointment_id).exclude(mediator__user=request.user).exists():
            raise AccessRefused(RefusalReason.NOT_THEIRS, _("No such proposal."))
        raise Http404(_("No such proposal."))
    if must_enable_mfa(request.user):
        messages.warning(request, _("Set up two-factor authentication before you act on a case."))
        return redirect("mfa_activate_totp")
    form = ProposalAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment_respond(
                appointment=appointment,
                user=request.user,
                accept=data["answer"] == "accept",
                no_conflict=data["no_conflict"],
                declaration=data["declaration"],
                decline_reason=data["decline_reason"],
                meta=RequestMeta.from_request(request),
            )
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        else:
            if data["answer"] == "accept":
                messages.success(request, _("You are the mediator of this case."))
                return redirect("mediation:case", case_id=appointment.case.public_id)
            messages.info(request, _("You declined. Thank you for telling us why."))
            return redirect("cases:my_cases")
    case = appointment.case
    context = {
        "appointment": appointment,
        "case": case,
        "parties": list(case.parties.select_related("organisation")),
        "conflicted": is_conflicted(appointment.mediator, case),
        "form": form,
    }
    return render(request, "mediation/proposal.html", context, status=400 if form.errors else 200)
