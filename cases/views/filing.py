"""The guided claim form. Each step saves to the draft, so a claimant can stop and come back."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.access import AuthenticatedRequest, may_file
from cases.audit import RequestMeta
from cases.eligibility import check_eligibility
from cases.forms import (
    ClaimStepForm,
    DisputeStepForm,
    DocumentUploadForm,
    OrganisationChoiceForm,
    RespondentStepForm,
    ReviewStepForm,
    add_service_error,
)
from cases.lifecycle import Action
from cases.models import Case, CaseStatus, Document
from cases.selectors import case_documents, held_stage, organisations_of
from cases.services import ServiceError
from cases.services.evidence import document_remove_from_draft, document_upload
from cases.services.filing import claim_draft_start, claim_draft_update, claim_file
from cases.services.invitations import invitation_allowed
from cases.views import form_data

STEPS = (
    (1, gettext_lazy("Respondent")),
    (2, gettext_lazy("The dispute")),
    (3, gettext_lazy("Your claim")),
    (4, gettext_lazy("Evidence")),
    (5, gettext_lazy("Review and file")),
)
STEP_FORMS: dict[int, type[RespondentStepForm | DisputeStepForm | ClaimStepForm]] = {
    1: RespondentStepForm,
    2: DisputeStepForm,
    3: ClaimStepForm,
}


def _step_url(case: Case, step: int) -> str:
    return reverse("cases:file_step", kwargs={"case_id": case.public_id, "step": step})


@login_required
def file_start(request: AuthenticatedRequest) -> HttpResponse:
    if not may_file(request.user):
        return render(request, "cases/file_not_allowed.html", status=403)
    organisations = organisations_of(request.user)
    if not organisations.exists():
        messages.info(request, _("First tell us about the business you act for."))
        return redirect(reverse("cases:organisation_create") + "?next=" + reverse("cases:file_start"))
    form = OrganisationChoiceForm(*form_data(request), organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            case = claim_draft_start(
                user=request.user,
                organisation=form.cleaned_data["organisation"],
                meta=RequestMeta.from_request(request),
            )
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        else:
            return redirect(_step_url(case, 1))
    return render(request, "cases/file_start.html", {"form": form})


def _own_draft(request: AuthenticatedRequest, case_id: Any) -> Case:
    case = get_object_or_404(
        Case.objects.prefetch_related("parties__organisation"), public_id=case_id, created_by=request.user
    )
    return case


def _context(case: Case, step: int, **extra: Any) -> dict[str, Any]:
    return {
        "case": case,
        "step": step,
        "steps": [(number, label, _step_url(case, number)) for number, label in STEPS],
        "previous_url": _step_url(case, step - 1) if step > 1 else "",
        **extra,
    }


@login_required
def file_step(request: AuthenticatedRequest, case_id: Any, step: int) -> HttpResponse:
    case = _own_draft(request, case_id)
    if case.status != CaseStatus.DRAFT:
        messages.info(request, _("This claim has already been filed."))
        return redirect("cases:detail", case_id=case.public_id)
    if step not in dict(STEPS):
        raise Http404
    if step > case.draft_step:
        return redirect(_step_url(case, case.draft_step))
    if step in STEP_FORMS:
        return _form_step(request, case, step)
    if step == 4:
        return _evidence_step(request, case)
    return _review_step(request, case)


def _form_step(request: AuthenticatedRequest, case: Case, step: int) -> HttpResponse:
    form_class = STEP_FORMS[step]
    form = form_class(*form_data(request), instance=case)
    if request.method == "POST" and form.is_valid():
        try:
            claim_draft_update(
                case=case,
                user=request.user,
                step=step,
                values=form.cleaned_data,
                meta=RequestMeta.from_request(request),
            )
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        else:
            return redirect(_step_url(case, step + 1))
    return render(request, "cases/file_step_form.html", _context(case, step, form=form))


def _evidence_step(request: AuthenticatedRequest, case: Case) -> HttpResponse:
    form = DocumentUploadForm(*form_data(request))
    if request.method == "POST":
        if "continue" in request.POST:
            try:
                claim_draft_update(
                    case=case, user=request.user, step=4, values={}, meta=RequestMeta.from_request(request)
                )
            except ServiceError as exc:
                messages.info(request, exc.message)
                return redirect("cases:detail", case_id=case.public_id)
            return redirect(_step_url(case, 5))
        if form.is_valid():
            try:
                document_upload(
                    case=case,
                    user=request.user,
                    upload=form.cleaned_data["file"],
                    title=form.cleaned_data["title"],
                    meta=RequestMeta.from_request(request),
                )
            except ServiceError as exc:
                add_service_error(form, exc.message, exc.field)
            else:
                messages.success(request, _("File added."))
                return redirect(_step_url(case, 4))
    return render(
        request, "cases/file_step_evidence.html", _context(case, 4, form=form, documents=case_documents(case))
    )


@login_required
@require_POST
def draft_document_remove(request: AuthenticatedRequest, case_id: Any, document_id: Any) -> HttpResponse:
    case = _own_draft(request, case_id)
    document = get_object_or_404(Document, case=case, public_id=document_id)
    try:
        document_remove_from_draft(document=document, user=request.user, meta=RequestMeta.from_request(request))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("File removed."))
    return redirect(_step_url(case, 4))


def _review_step(request: AuthenticatedRequest, case: Case) -> HttpResponse:
    claimant = case.claimant
    eligibility = check_eligibility(
        amount=case.amount_claimed,
        covid_related=case.covid_related,
        claimant_is_hk=bool(claimant and claimant.organisation.is_hk_registered),
        respondent_is_hk=case.respondent_is_hk,
    )
    form = ReviewStepForm(*form_data(request))
    status = 200
    if request.method == "POST" and form.is_valid() and not invitation_allowed(request.user.pk):
        form.add_error(
            None,
            _("You have sent the most invitations allowed in a day. Your claim is saved as a draft: file it tomorrow."),
        )
        status = 429
    elif request.method == "POST" and form.is_valid():
        try:
            claim_file(
                case=case,
                user=request.user,
                terms_accepted=form.cleaned_data["accept_terms"],
                consents_to_arbitration=form.cleaned_data["consents_to_arbitration"],
                consents_to_mediation=form.cleaned_data["consents_to_mediation"],
                meta=RequestMeta.from_request(request),
            )
        except ServiceError as exc:
            case.refresh_from_db()
            if case.status != CaseStatus.DRAFT:
                messages.info(request, _("This claim has already been filed."))
                return redirect("cases:detail", case_id=case.public_id)
            add_service_error(form, exc.message, exc.field)
        else:
            if held_stage(case) == Action.INVITE:
                filed = _(
                    "Your claim %(reference)s is filed. We will email the respondent an invitation as soon as "
                    "your registration fee is paid or waived: you can pay it on this page."
                )
            else:
                filed = _("Your claim %(reference)s is filed. We have emailed the respondent an invitation.")
            messages.success(request, filed % {"reference": case.reference})
            return redirect("cases:detail", case_id=case.public_id)
    return render(
        request,
        "cases/file_step_review.html",
        _context(case, 5, form=form, eligibility=eligibility, claimant=claimant, documents=case_documents(case)),
        status=status,
    )
