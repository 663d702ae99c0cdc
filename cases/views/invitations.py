"""The respondent's way in: the emailed link, then consent and response, or a reasoned decline."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import AuthenticatedRequest
from cases.audit import RequestMeta
from cases.forms import DeclineForm, RespondForm, add_service_error
from cases.models import Invitation
from cases.selectors import case_documents, organisations_of
from cases.services import ServiceError
from cases.services.invitations import invitation_for_token
from cases.services.responses import case_decline, case_respond

PENDING_INVITATION_KEY = "pending_invitation"


def _render(request: AuthenticatedRequest, invitation: Invitation, token: str, **forms: object) -> HttpResponse:
    organisations = organisations_of(request.user)
    context = {
        "invitation": invitation,
        "case": invitation.case,
        "claimant": invitation.case.claimant,
        "documents": case_documents(invitation.case),
        "token": token,
        "has_organisation": organisations.exists(),
        "organisation_create_url": reverse("cases:organisation_create") + "?next=" + request.path,
        "respond_form": forms.get("respond_form") or RespondForm(organisations=organisations),
        "decline_form": forms.get("decline_form") or DeclineForm(organisations=organisations),
    }
    return render(request, "cases/invitation.html", context, status=400 if forms else 200)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = invitation_for_token(token)
    except ServiceError as exc:
        return render(request, "cases/invitation_invalid.html", {"message": exc.message}, status=410)
    if not request.user.is_authenticated:
        # Remembered through sign-up and email verification; the account adapter brings them back here.
        request.session[PENDING_INVITATION_KEY] = token
        claimant = found.case.claimant
        return render(
            request, "cases/invitation_welcome.html", {"invitation": found, "claimant": claimant, "next": request.path}
        )
    request.session.pop(PENDING_INVITATION_KEY, None)
    return _render(cast(AuthenticatedRequest, request), found, token)


def _load_or_gone(request: HttpRequest, token: str) -> Invitation | HttpResponse:
    """The invitation, or the page to show instead (sign in first; or why the link is unusable)."""
    if not request.user.is_authenticated:
        return redirect(reverse("account_login") + "?next=" + reverse("cases:invitation", kwargs={"token": token}))
    try:
        return invitation_for_token(token)
    except ServiceError as exc:
        return render(request, "cases/invitation_invalid.html", {"message": exc.message}, status=410)


@require_POST
def invitation_respond(anonymous_request: HttpRequest, token: str) -> HttpResponse:
    found = _load_or_gone(anonymous_request, token)
    if isinstance(found, HttpResponse):
        return found
    request = cast(AuthenticatedRequest, anonymous_request)
    form = RespondForm(request.POST, request.FILES, organisations=organisations_of(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            case = case_respond(
                token=token,
                user=request.user,
                organisation=data["organisation"],
                terms_accepted=data["accept_terms"],
                consents_to_arbitration=data["consents_to_arbitration"],
                consents_to_mediation=data["consents_to_mediation"],
                response_text=data["response_text"],
                counterclaim_amount=data["counterclaim_amount"],
                counterclaim_text=data["counterclaim_text"],
                evidence=data["evidence"],
                meta=RequestMeta.from_request(request),
            )
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        else:
            messages.success(request, _("Thank you. Your response is filed and negotiation has started."))
            return redirect("cases:detail", case_id=case.public_id)
    return _render(request, found, token, respond_form=form)


@require_POST
def invitation_decline(anonymous_request: HttpRequest, token: str) -> HttpResponse:
    found = _load_or_gone(anonymous_request, token)
    if isinstance(found, HttpResponse):
        return found
    request = cast(AuthenticatedRequest, anonymous_request)
    form = DeclineForm(request.POST, organisations=organisations_of(request.user))
    if form.is_valid():
        try:
            case = case_decline(
                token=token,
                user=request.user,
                organisation=form.cleaned_data["organisation"],
                reason=form.cleaned_data["reason"],
                meta=RequestMeta.from_request(request),
            )
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        else:
            messages.info(request, _("You declined online dispute resolution. The case is closed."))
            return redirect("cases:detail", case_id=case.public_id)
    return _render(request, found, token, decline_form=form)
