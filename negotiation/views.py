"""The negotiation room page, and plain-form fallbacks for every action (the page works without
JavaScript; with it, the same actions go over the websocket)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.access import NEGOTIATION_READERS, AccessRefused, AuthenticatedRequest, case_view, room_access
from cases.audit import RequestMeta
from cases.models import Case, CaseStatus, RefusalReason
from cases.money import AmountError, parse_amount
from cases.offer_dates import latest_pay_by, offer_dates
from cases.roles import Role
from cases.selectors import case_documents
from cases.services import ServiceError
from negotiation.selectors import context_for_page, offer_to_accept
from negotiation.services.bids import bid_submit
from negotiation.services.escalation import mediation_request
from negotiation.services.extension import extension_request
from negotiation.services.messages import message_post
from negotiation.services.offers import offer_accept, offer_counter, offer_make, offer_reject, offer_withdraw


def _room_context(request: AuthenticatedRequest, case: Case) -> dict[str, Any]:
    access = room_access(request.user, case.pk)
    if access is None:
        raise Http404(_("This case has no negotiation room yet."))
    context = context_for_page(case, access.role, access.can_write)
    context.update(
        {
            "case": case,
            "access": access,
            "documents": case_documents(case),
            "ws_path": f"/ws/cases/{case.public_id}/negotiation/",
            # The offer forms' date to pay by: from today to a year ahead (cases.offer_dates checks it again).
            "pay_by_range": (timezone.localdate(), latest_pay_by()),
            "payment_days": settings.ODR_SETTLEMENT_PAYMENT_DAYS,
            "room_labels": {
                "claimant": _("Claimant"),
                "respondent": _("Respondent"),
                "you": _("You"),
                "online": _("online"),
                "offline": _("offline"),
                "typing": _("%(who)s is typing…"),
                "live": _("Live: new messages appear as they arrive."),
                "connecting": _("Connecting…"),
                "reconnecting": _("Connection lost. Reconnecting…"),
                "offline_notice": _("Live updates are off: reload the page to see new messages."),
                "refers_to": _("Refers to:"),
                "error": _("Problem:"),
                "ended": _("The negotiation has ended."),
                "deadline_near": _("The negotiation deadline is near."),
                "lost": _("The connection dropped before this was confirmed. Check the page, then try again."),
                "statuses": {value: str(label) for value, label in CaseStatus.choices},
            },
        }
    )
    return context


@case_view
def negotiation_room(request: AuthenticatedRequest, case: Case, roles: frozenset[Role]) -> HttpResponse:
    if not roles & NEGOTIATION_READERS:
        raise AccessRefused(RefusalReason.ROLE)
    context = _room_context(request, case)
    if request.GET.get("partial") == "panels":
        # The live page refreshes its offer and bidding panels from here after a room event.
        return render(request, "negotiation/_panels.html", context)
    return render(request, "negotiation/room.html", context)


@case_view
def accept_confirm(request: AuthenticatedRequest, case: Case, roles: frozenset[Role], offer_id: int) -> HttpResponse:
    """Accepting binds the party, so the room's Accept button leads here first: the offer's terms, and a
    button that accepts them (the same page with or without JavaScript)."""
    access = room_access(request.user, case.pk)
    if access is None or access.role is None:
        raise Http404(_("This case has no negotiation room yet."))
    room = reverse("negotiation:room", kwargs={"case_id": case.public_id})
    if not access.can_write:
        messages.error(request, _("The negotiation has ended; the room is now read only."))
        return redirect(room)
    try:
        offer = offer_to_accept(case, access.role, offer_id)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(room + "#offers")
    context = {"case": case, "offer": offer, "room_url": room, "payment_days": settings.ODR_SETTLEMENT_PAYMENT_DAYS}
    return render(request, "negotiation/accept_confirm.html", context)


def _amount(request: AuthenticatedRequest) -> Decimal:
    try:
        return parse_amount(request.POST.get("amount", ""))
    except AmountError:
        raise ServiceError(_("Enter an amount in Hong Kong dollars.")) from None


def _offer_id(request: AuthenticatedRequest) -> int:
    try:
        return int(request.POST.get("offer_id", ""))
    except ValueError:
        raise ServiceError(_("That offer does not exist.")) from None


ACTIONS: dict[str, tuple[Callable[..., Any], Callable[[AuthenticatedRequest], dict[str, Any]], Any]] = {
    "message": (
        message_post,
        lambda r: {"body": r.POST.get("body", ""), "document_id": r.POST.get("document_id") or None},
        "",
    ),
    "offer": (
        offer_make,
        lambda r: {"amount": _amount(r), "terms": r.POST.get("terms", ""), **offer_dates(r.POST).arguments()},
        gettext_lazy("Your offer was sent."),
    ),
    "counter": (
        offer_counter,
        lambda r: {
            "offer_id": _offer_id(r),
            "amount": _amount(r),
            "terms": r.POST.get("terms", ""),
            **offer_dates(r.POST).arguments(),
        },
        gettext_lazy("Your counter-offer was sent."),
    ),
    "accept": (offer_accept, lambda r: {"offer_id": _offer_id(r)}, gettext_lazy("You accepted the offer.")),
    "reject": (offer_reject, lambda r: {"offer_id": _offer_id(r)}, gettext_lazy("You rejected the offer.")),
    "withdraw": (
        offer_withdraw,
        lambda r: {"offer_id": _offer_id(r)},
        gettext_lazy("You withdrew your offer."),
    ),
    "bid": (
        bid_submit,
        lambda r: {"amount": _amount(r)},
        gettext_lazy("Your confidential figure was entered."),
    ),
    "extension": (
        extension_request,
        lambda r: {},
        gettext_lazy("Your request about the extension was recorded."),
    ),
    "mediation": (
        mediation_request,
        lambda r: {},
        gettext_lazy("You asked to move the case to mediation: the case page shows what happens next."),
    ),
}


@require_POST
@case_view
def negotiation_action(request: AuthenticatedRequest, case: Case, roles: frozenset[Role], action: str) -> HttpResponse:
    if not roles & NEGOTIATION_READERS:
        raise AccessRefused(RefusalReason.ROLE)
    if action not in ACTIONS or room_access(request.user, case.pk) is None:
        raise Http404
    service, read_arguments, done = ACTIONS[action]
    if action == "accept" and request.POST.get("confirm") != "yes":
        # Binding: only the confirmation page's button accepts (a replayed or hand-made one-click form does not).
        messages.error(request, _("Confirm that you accept this offer and are bound by it."))
        try:
            offer_id = _offer_id(request)
        except ServiceError:
            return redirect("negotiation:room", case_id=case.public_id)
        return redirect("negotiation:accept", case_id=case.public_id, offer_id=offer_id)
    try:
        service(case=case, user=request.user, meta=RequestMeta.from_request(request), **read_arguments(request))
    except ServiceError as exc:
        messages.error(request, exc.message)
    except (ValueError, ValidationError):
        messages.error(request, _("The request could not be processed. Check the values and try again."))
    else:
        if done:
            messages.success(request, done)
    if action == "mediation":
        return redirect("cases:detail", case_id=case.public_id)
    if action == "accept":
        return redirect(reverse("negotiation:room", kwargs={"case_id": case.public_id}) + "#outcome")
    return redirect(reverse("negotiation:room", kwargs={"case_id": case.public_id}) + f"#{action}")
