"""What people do on a deal page, as plain forms (the page works without JavaScript; with it, the deal
room's socket carries the same actions to the same services)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import AuthenticatedRequest
from cases.audit import RequestMeta
from cases.forms import add_service_error
from cases.services import ServiceError
from cases.views import form_data
from deals.access import deal_view
from deals.forms import CancelForm, CommentForm, InviteForm, ProposeForm, VersionForm
from deals.models import Deal, Side
from deals.services.agreement import deal_mark_final, deal_unmark_final
from deals.services.redlines import comment_post, proposal_accept, proposal_make, proposal_reject, proposal_withdraw
from deals.services.signing import deal_sign
from deals.services.starting import deal_cancel, deal_invitation_resend
from deals.views.pages import render_deal
from documents.forms import SignForm


def _done(request: AuthenticatedRequest, deal: Deal, message: str, anchor: str = "") -> HttpResponse:
    messages.success(request, message)
    response = redirect("deals:detail", deal_id=deal.public_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _run(
    request: AuthenticatedRequest,
    deal: Deal,
    side: Side,
    form: forms.Form,
    target: str,
    call: Callable[[], Any],
    success: str,
) -> HttpResponse:
    """Run ``call`` if ``form`` is valid; any refusal re-renders the page with the form open and its reason."""
    if form.is_valid():
        try:
            call()
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        else:
            return _done(request, deal, success, target.replace(":", "-"))
    return render_deal(request, deal, side, failed=(target, form))


@require_POST
@deal_view
def propose(request: AuthenticatedRequest, deal: Deal, side: Side) -> HttpResponse:
    form = ProposeForm(*form_data(request))
    target = request.POST.get("target", "")

    def call() -> Any:
        kind, key = form.target_parts()
        return proposal_make(
            deal=deal,
            user=request.user,
            target_kind=kind,
            target_key=key,
            base_version=form.cleaned_data["base_version"],
            action=form.cleaned_data["action"],
            text={"en": form.cleaned_data["text_en"], "zh-hant": form.cleaned_data["text_zh_hant"]},
            value=form.cleaned_data["value"],
            note=form.cleaned_data["note"],
            meta=RequestMeta.from_request(request),
        )

    return _run(request, deal, side, form, target, call, _("Your proposal is sent to the other business."))


@require_POST
@deal_view
def decide(request: AuthenticatedRequest, deal: Deal, side: Side, proposal_id: int, decision: str) -> HttpResponse:
    services = {"accept": proposal_accept, "reject": proposal_reject, "withdraw": proposal_withdraw}
    done = {
        "accept": _("You accepted the proposal: it is in the new version."),
        "reject": _("You rejected the proposal."),
        "withdraw": _("You withdrew your proposal."),
    }
    service = services.get(decision)
    if service is None:
        return redirect("deals:detail", deal_id=deal.public_id)
    form = forms.Form(request.POST)
    return _run(
        request,
        deal,
        side,
        form,
        f"proposal:{proposal_id}",
        lambda: service(deal=deal, proposal_id=proposal_id, user=request.user, meta=RequestMeta.from_request(request)),
        done[decision],
    )


@require_POST
@deal_view
def comment(request: AuthenticatedRequest, deal: Deal, side: Side) -> HttpResponse:
    form = CommentForm(*form_data(request))
    target = request.POST.get("target", "")

    def call() -> Any:
        kind, _sep, key = form.cleaned_data["target"].partition(":")
        return comment_post(
            deal=deal,
            user=request.user,
            target_kind=kind,
            target_key=key,
            body=form.cleaned_data["body"],
            meta=RequestMeta.from_request(request),
        )

    return _run(request, deal, side, form, f"comment-{target}", call, _("Your comment is posted."))


@require_POST
@deal_view
def final(request: AuthenticatedRequest, deal: Deal, side: Side, undo: bool = False) -> HttpResponse:
    form = VersionForm(*form_data(request)) if not undo else forms.Form(request.POST)
    meta = RequestMeta.from_request(request)
    if undo:
        return _run(
            request,
            deal,
            side,
            form,
            "final",
            lambda: deal_unmark_final(deal=deal, user=request.user, meta=meta),
            _("Your mark is taken back."),
        )
    return _run(
        request,
        deal,
        side,
        form,
        "final",
        lambda: deal_mark_final(deal=deal, user=request.user, version=form.cleaned_data["version"], meta=meta),
        _("You marked this version final."),
    )


@require_POST
@deal_view
def cancel(request: AuthenticatedRequest, deal: Deal, side: Side) -> HttpResponse:
    form = CancelForm(*form_data(request))
    return _run(
        request,
        deal,
        side,
        form,
        "cancel",
        lambda: deal_cancel(
            deal=deal, user=request.user, reason=form.cleaned_data["reason"], meta=RequestMeta.from_request(request)
        ),
        _("The deal is cancelled."),
    )


@require_POST
@deal_view
def invite_again(request: AuthenticatedRequest, deal: Deal, side: Side) -> HttpResponse:
    form = InviteForm(*form_data(request))
    return _run(
        request,
        deal,
        side,
        form,
        "invite",
        lambda: deal_invitation_resend(
            deal=deal, user=request.user, email=form.cleaned_data["email"], meta=RequestMeta.from_request(request)
        ),
        _("The invitation is sent again; the earlier link no longer works."),
    )


@require_POST
@deal_view
def sign(request: AuthenticatedRequest, deal: Deal, side: Side) -> HttpResponse:
    form = SignForm(*form_data(request), signer=request.user)
    return _run(
        request,
        deal,
        side,
        form,
        "sign",
        lambda: deal_sign(deal=deal, user=request.user, meta=RequestMeta.from_request(request), **form.cleaned_data),
        _("You signed the contract for your business."),
    )
