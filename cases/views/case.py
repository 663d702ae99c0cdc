from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import AuthenticatedRequest, case_view
from cases.audit import RequestMeta
from cases.forms import CounterclaimAnswerForm, DocumentUploadForm, ReasonForm, add_service_error
from cases.hooks import case_page_sections
from cases.lifecycle import Action, TransitionError, allowed_actions
from cases.models import Case, CaseStatus
from cases.roles import Role
from cases.selectors import case_documents, case_timeline, next_steps
from cases.services import ServiceError
from cases.services.arbitration_entry import arbitration_consent, consent_pending
from cases.services.invitations import invitation_allowed, invitation_resend
from cases.services.responses import case_withdraw, counterclaim_answer


def render_case_page(
    request: AuthenticatedRequest, case: Case, roles: frozenset[Role], *, status: int | None = None, **forms: object
) -> HttpResponse:
    if case.status == CaseStatus.DRAFT:
        return redirect("cases:file_step", case_id=case.public_id, step=case.draft_step)
    is_party = bool(roles & {Role.CLAIMANT, Role.RESPONDENT})
    context = {
        "case": case,
        "roles": roles,
        "is_party": is_party,
        "response": getattr(case, "response", None),
        "timeline": case_timeline(case, roles),
        "documents": case_documents(case),
        "next_steps": next_steps(case, roles),
        "can_withdraw": Role.CLAIMANT in roles and Action.WITHDRAW in allowed_actions(case, roles),
        "can_resend_invitation": Role.CLAIMANT in roles and case.status == CaseStatus.AWAITING_RESPONSE,
        "can_upload": is_party and case.is_open,
        "upload_form": forms.get("upload_form") or DocumentUploadForm(),
        "withdraw_form": forms.get("withdraw_form") or ReasonForm(),
        "counterclaim_form": forms.get("counterclaim_form") or CounterclaimAnswerForm(),
        "extra_sections": case_page_sections(case, roles),
        "arbitration_entry": consent_pending(case) if is_party else None,
        "my_party": next((p for p in case.parties.all() if p.user_id == request.user.pk), None),
    }
    # A refused staff form (administration app) re-renders in its section, which reads it from here.
    context.update({name: form for name, form in forms.items() if name.startswith("staff_")})
    return render(request, "cases/case_detail.html", context, status=status or (400 if forms else 200))


@case_view
def case_detail(request: AuthenticatedRequest, case: Case, roles: frozenset[Role]) -> HttpResponse:
    return render_case_page(request, case, roles)


@require_POST
@case_view
def arbitration_consent_view(request: AuthenticatedRequest, case: Case, roles: frozenset[Role]) -> HttpResponse:
    """After an unsettled mediation: a party agrees to arbitration, or declines it (the case closes)."""
    agree = request.POST.get("agree") == "yes"
    try:
        arbitration_consent(case=case, user=request.user, agree=agree, meta=RequestMeta.from_request(request))
    except (ServiceError, TransitionError) as exc:
        messages.error(request, exc.message)
        return render_case_page(request, case, roles, status=400)
    if agree:
        messages.success(request, _("Your agreement to arbitration is recorded."))
    else:
        messages.info(request, _("You declined arbitration. The case is closed."))
    return redirect("cases:detail", case_id=case.public_id)


@require_POST
@case_view
def case_withdraw_view(request: AuthenticatedRequest, case: Case, roles: frozenset[Role]) -> HttpResponse:
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            case_withdraw(
                case=case, user=request.user, reason=form.cleaned_data["reason"], meta=RequestMeta.from_request(request)
            )
        except (ServiceError, TransitionError) as exc:
            add_service_error(form, exc.message, getattr(exc, "field", None))
        else:
            messages.success(request, _("The claim is withdrawn and the case is closed."))
            return redirect("cases:detail", case_id=case.public_id)
    return render_case_page(request, case, roles, withdraw_form=form)


@require_POST
@case_view
def counterclaim_answer_view(request: AuthenticatedRequest, case: Case, roles: frozenset[Role]) -> HttpResponse:
    form = CounterclaimAnswerForm(request.POST)
    if form.is_valid():
        try:
            counterclaim_answer(
                case=case, user=request.user, answer=form.cleaned_data["answer"], meta=RequestMeta.from_request(request)
            )
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        else:
            messages.success(request, _("Your answer to the counterclaim is saved."))
            return redirect("cases:detail", case_id=case.public_id)
    return render_case_page(request, case, roles, counterclaim_form=form)


@require_POST
@case_view
def invitation_resend_view(request: AuthenticatedRequest, case: Case, roles: frozenset[Role]) -> HttpResponse:
    if not invitation_allowed(request.user.pk):
        messages.error(request, _("You have sent the most invitations allowed in a day. Try again tomorrow."))
        return redirect("cases:detail", case_id=case.public_id)
    try:
        invitation_resend(case=case, user=request.user, meta=RequestMeta.from_request(request))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("A new invitation is on its way; the earlier link no longer works."))
    return redirect("cases:detail", case_id=case.public_id)
