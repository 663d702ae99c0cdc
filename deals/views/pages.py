"""The deal pages people read: my deals, starting one, the deal itself, its versions and history, and the
invitation link."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.access import AccessRefused, AuthenticatedRequest
from cases.audit import RequestMeta
from cases.forms import add_service_error
from cases.models import RefusalReason
from cases.services import ServiceError
from cases.views import form_data
from deals.access import deal_view, may_start_deal
from deals.content import FieldErrors
from deals.fees import deal_fee_for
from deals.forms import (
    CancelForm,
    CommentForm,
    InviteForm,
    JoinForm,
    ProposeForm,
    StartDealForm,
    VersionForm,
    field_name,
)
from deals.models import Deal, DealParty, DealTemplate, Side, TemplateStatus
from deals.selectors import (
    deal_history,
    deal_obligations,
    deal_page,
    deal_versions,
    my_deals,
    offered_templates,
    signing_view,
    versions_compared,
)
from deals.services.starting import deal_invitation_for_token, deal_join, deal_start
from deals.views.labels import room_labels
from documents.forms import SignForm


@login_required
def deal_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "deals/list.html",
        {"deals": my_deals(request.user), "templates": offered_templates(), "may_start": may_start_deal(request.user)},
    )


@login_required
def deal_new(request: AuthenticatedRequest, template_id: int) -> HttpResponse:
    if not may_start_deal(request.user):
        raise AccessRefused(RefusalReason.ROLE)
    template = get_object_or_404(DealTemplate, pk=template_id, status=TemplateStatus.PUBLISHED)
    form = StartDealForm(*form_data(request), user=request.user, template=template)
    if request.method == "POST" and form.is_valid():
        try:
            deal = deal_start(
                user=request.user,
                organisation=form.cleaned_data["organisation"],
                template=template,
                role_key=form.cleaned_data["role_key"],
                title=form.cleaned_data["title"],
                language=form.cleaned_data["language"],
                values=form.values(),
                counterparty_email=form.cleaned_data["counterparty_email"],
                meta=RequestMeta.from_request(request),
            )
        except FieldErrors as exc:
            for key, message in exc.errors.items():
                form.add_error(field_name(key), message)
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        else:
            messages.success(request, _("The deal is started and the other business is invited."))
            return redirect("deals:detail", deal_id=deal.public_id)
    status = 400 if form.errors else 200
    return render(request, "deals/new.html", {"form": form, "template": template}, status=status)


def _deal_context(deal: Deal, side: Side) -> dict[str, Any]:
    return {
        "deal": deal,
        "page": deal_page(deal, side),
        "is_initiator": side == Side.INITIATOR,
        "propose_form": ProposeForm(),
        "comment_form": CommentForm(),
        "version_form": VersionForm(initial={"version": deal.current_version}),
        "cancel_form": CancelForm(),
        "invite_form": InviteForm(),
        "fee": deal_fee_for(deal, side),
    }


def _signing_context(request: AuthenticatedRequest, deal: Deal, side: Side) -> dict[str, Any]:
    """From the lock on: the contract, who has signed, and the form for a side yet to sign (the password is
    asked again there, as for a settlement agreement; the two-factor code where the account has one)."""
    signing = signing_view(deal, side)
    context: dict[str, Any] = {"signing": signing}
    if signing is not None and signing.may_sign:
        context["sign_form"] = SignForm(initial={"full_name": request.user.get_full_name()}, signer=request.user)
    return context


def _seen(deal: Deal, side: Side) -> None:
    """Whoever reads the deal, the whole page or the parts the live page fetched as they changed, has seen what
    awaited them: the digest email is not needed any more."""
    DealParty.objects.filter(deal=deal, side=side, awaiting_since__isnull=False).update(awaiting_since=None)


def render_deal(
    request: AuthenticatedRequest, deal: Deal, side: Side, *, failed: tuple[str, Any] | None = None
) -> HttpResponse:
    """The deal page; ``failed``: the part ("clause:key", "final", ...) whose form came back with errors,
    shown open with what was typed and why it was refused (status 400)."""
    context = _deal_context(deal, side)
    context.update(
        {
            "failed_target": failed[0] if failed else "",
            "failed_form": failed[1] if failed else None,
            "ws_path": f"/ws/deals/{deal.public_id}/",
            "deal_labels": room_labels(),
            "obligations": deal_obligations(deal),
            "today": timezone.localdate(),
            **_signing_context(request, deal, side),
        }
    )
    if failed and failed[0] in ("cancel", "invite", "final", "sign"):
        context[f"{failed[0]}_form"] = failed[1]
    _seen(deal, side)
    return render(request, "deals/detail.html", context, status=400 if failed else 200)


# The page's sections the live page may fetch again by name, besides each clause and field ("clause:<key>").
SECTIONS = ("state", "parties", "summary", "final", "cancel")


def render_sections(request: AuthenticatedRequest, deal: Deal, side: Side, names: list[str]) -> HttpResponse:
    """``?partial=summary&partial=clause:delivery``: those parts of the deal page, each in the element it has
    on the page, rendered by the same templates after the same access check; names it does not know are left
    out."""
    context = {**_deal_context(deal, side), **_signing_context(request, deal, side)}
    page = context["page"]
    parts = {f"{part.kind}:{part.key}": part for part in [*page.fields, *page.clauses]}
    context["sections"] = [
        (name, parts.get(name)) for name in dict.fromkeys(names[:100]) if name in SECTIONS or name in parts
    ]
    _seen(deal, side)
    return render(request, "deals/_sections.html", context)


@deal_view
def deal_detail(request: AuthenticatedRequest, deal: Deal, side: Side) -> HttpResponse:
    names = request.GET.getlist("partial")
    if names:
        return render_sections(request, deal, side, names)
    return render_deal(request, deal, side)


@deal_view
def deal_versions_page(request: AuthenticatedRequest, deal: Deal, side: Side) -> HttpResponse:
    """The versions, who made each, the history, and any two versions side by side (``?left=&right=``)."""
    versions = deal_versions(deal)
    numbers = [v.number for v in versions]
    left, right = _version_pair(request, numbers, deal.current_version)
    compared = versions_compared(deal, left, right) if left and right else []
    return render(
        request,
        "deals/versions.html",
        {
            "deal": deal,
            "versions": versions,
            "history": deal_history(deal),
            "left": left,
            "right": right,
            "compared": compared,
            "numbers": numbers,
        },
    )


def _version_pair(request: AuthenticatedRequest, numbers: list[int], current: int) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        try:
            value = int(request.GET.get(name, default))
        except ValueError:
            return default
        return value if value in numbers else default

    return number("left", max(1, current - 1)), number("right", current)


def invitation(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """The link in the invitation email: who invites you to what, and joining as one of your businesses."""
    try:
        invitation = deal_invitation_for_token(token)
    except ServiceError as exc:
        return render(request, "deals/invitation.html", {"problem": exc.message}, status=400)
    deal = invitation.deal
    initiator = deal.parties.select_related("organisation").get(side=Side.INITIATOR)
    context: dict[str, Any] = {"deal": deal, "initiator": initiator, "token": token}
    if not request.user.is_authenticated:
        return render(request, "deals/invitation.html", context)
    form = JoinForm(*form_data(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            deal_join(
                token=token,
                user=request.user,
                organisation=form.cleaned_data["organisation"],
                meta=RequestMeta.from_request(request),
            )
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        else:
            messages.success(request, _("You joined the deal. Read the text and propose any changes."))
            return redirect("deals:detail", deal_id=deal.public_id)
    context["form"] = form
    return render(request, "deals/invitation.html", context, status=400 if form.errors else 200)
