"""Who may see or do what in deal-making: the one place that decides, for pages, downloads and the deal
room's socket alike. Only the two businesses' people in a deal see it; anyone else (the Centre's staff
included: a deal is the businesses' own until a dispute is filed from it) gets 404, never 403, so an
outsider cannot even learn that it exists."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponseBase

from cases.access import AccessRefused, AuthenticatedRequest, is_case_administrator, may_file
from cases.models import RefusalReason
from deals.models import Deal, DealParty, Side

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

P = ParamSpec("P")


def deals_visible_to(user: User | AnonymousUser) -> QuerySet[Deal]:
    if not user.is_authenticated:
        return Deal.objects.none()
    return Deal.objects.filter(parties__user=user)


def deal_side(user: User | AnonymousUser, deal: Deal) -> Side | None:
    """The side ``user`` acts for in ``deal`` (works on prefetched ``parties``), or None."""
    if not user.is_authenticated:
        return None
    for party in deal.parties.all():
        if party.user_id == user.pk:
            return Side(party.side)
    return None


def seat_in(user_id: int, public_id: Any) -> tuple[int, Side] | None:
    """The deal's row id and the side ``user_id`` acts for in the deal named by ``public_id`` (the URL's), or
    None: one query, for the deal room's socket at connect."""
    seat = DealParty.objects.filter(deal__public_id=public_id, user_id=user_id).values_list("deal_id", "side").first()
    return (seat[0], Side(seat[1])) if seat is not None else None


def side_of(user_id: int, deal_id: int) -> Side | None:
    """The side ``user_id`` acts for in deal ``deal_id`` (its row id), or None: one query on the parties'
    (user, deal) index, which the deal room's socket makes before every frame and delivery."""
    side = DealParty.objects.filter(user_id=user_id, deal_id=deal_id).values_list("side", flat=True).first()
    return Side(side) if side is not None else None


def may_start_deal(user: User | AnonymousUser) -> bool:
    """The businesses that file disputes make deals; neutrals and the Centre's staff do not."""
    return may_file(user)


def may_manage_templates(user: User | AnonymousUser) -> bool:
    return bool(is_case_administrator(user) or (user.is_authenticated and user.has_perm("deals.manage_deal_templates")))


def load_deal_for(user: User | AnonymousUser, public_id: Any) -> tuple[Deal, Side]:
    deal = (
        deals_visible_to(user)
        .select_related("template")
        .prefetch_related("parties__organisation", "parties__user")
        .filter(public_id=public_id)
        .first()
    )
    side = deal_side(user, deal) if deal is not None else None
    if deal is None or side is None:
        raise AccessRefused(RefusalReason.NOT_THEIRS)
    return deal, side


def deal_view[**P](
    view: Callable[Concatenate[AuthenticatedRequest, Deal, Side, P], HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """A page of one deal: signed in, and one of its two sides; the view receives the deal and the side."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, deal_id: Any, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        deal, side = load_deal_for(request.user, deal_id)
        return view(request, deal, side, *args, **kwargs)

    return wrapper


def template_manager_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_manage_templates(request.user):
            raise AccessRefused(RefusalReason.STAFF_ONLY)
        return view(request, *args, **kwargs)

    return wrapper
