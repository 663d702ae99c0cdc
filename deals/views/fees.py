"""Paying a deal's fee: payments' own pay pages, under the deal's addresses and its access check (only the
two businesses reach a deal; of them, only the business that owes a fee reaches its payment pages)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import AuthenticatedRequest
from deals.access import deal_view
from deals.audit import deal_subject
from deals.fees import live_deal_charges
from deals.models import Deal, Side
from payments.models import Charge, Payment
from payments.views.pay import PayPlace, pay_by_card, pay_by_transfer, pay_page, payment_outcome


def _place(deal: Deal) -> PayPlace:
    ids = {"deal_id": deal.public_id}
    return PayPlace(
        back_url=reverse("deals:detail", kwargs=ids) + "#fee",
        back_label=_("Back to deal %(reference)s") % {"reference": deal.reference},
        pay_url=reverse("deals:fee", kwargs=ids),
        card_url=reverse("deals:fee_card", kwargs=ids),
        manual_url=reverse("deals:fee_transfer", kwargs=ids),
        outcome=lambda p: reverse("deals:fee_payment", kwargs={**ids, "payment_id": p.public_id}),
    )


def _own_charge(request: AuthenticatedRequest, deal: Deal) -> Charge | None:
    charges = live_deal_charges(deal).select_related("organisation", "schedule", "payer")
    return charges.filter(payer=request.user).first()


@deal_view
def fee_pay(request: AuthenticatedRequest, deal: Deal, side: Side) -> HttpResponse:
    charge = _own_charge(request, deal)
    if charge is None:
        messages.info(request, _("Your business has no deal-making fee to pay on this deal."))
        return redirect(_place(deal).back_url)
    return pay_page(request, charge, _place(deal))


@require_POST
@deal_view
def fee_card(request: AuthenticatedRequest, deal: Deal, side: Side) -> JsonResponse:
    charge = _own_charge(request, deal)
    if charge is None:
        return JsonResponse({"status": "error", "message": _("There is no fee to pay on this deal.")}, status=404)
    return pay_by_card(request, charge, _place(deal))


@require_POST
@deal_view
def fee_transfer(request: AuthenticatedRequest, deal: Deal, side: Side) -> HttpResponse:
    charge = _own_charge(request, deal)
    if charge is None:
        messages.info(request, _("Your business has no deal-making fee to pay on this deal."))
        return redirect(_place(deal).back_url)
    return pay_by_transfer(request, charge, _place(deal))


@deal_view
def fee_payment(request: AuthenticatedRequest, deal: Deal, side: Side, payment_id: object) -> HttpResponse:
    payment = get_object_or_404(
        Payment.objects.select_related("charge__organisation", "charge__case"),
        public_id=payment_id,
        charge__subject=deal_subject(deal),
        charge__payer=request.user,
    )
    return payment_outcome(request, payment, _place(deal))
