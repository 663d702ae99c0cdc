"""Who may see or do what. The one place that decides; views and consumers call it.

Anyone who may not see a case gets 404 (never 403), so outsiders cannot even learn that it exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    CaseAssignment,
    CaseParty,
    CaseStatus,
    Document,
    NeutralRole,
    PartyRole,
    RefusalReason,
)
from cases.roles import NEUTRAL_ROLES, PARTY_ROLES, Role

if TYPE_CHECKING:
    AnyUser = User | AnonymousUser

P = ParamSpec("P")


class AccessRefused(Http404):
    """A 404 the access rules decided (not "no such page"): the person may not see or do this.

    Raised by this module's checks and by views' role checks; ``cases.security_events`` records each one
    that reaches the request handler (its middleware), so a refusal is recorded in one place.
    """

    def __init__(self, reason: str = RefusalReason.ROLE, message: Any = None) -> None:
        super().__init__(message or _("No such page."))
        self.reason = reason


class AuthenticatedRequest(HttpRequest):
    """What a view behind ``login_required`` receives: ``user`` is a real account."""

    user: User


def is_case_administrator(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.has_perm("cases.administer_case"))


def may_file(user: AnyUser) -> bool:
    """Parties file disputes; neutrals and case administrators act for the Centre and use another account
    for a business of their own."""
    return bool(user.is_authenticated and user.has_perm("cases.file_case"))


def is_neutral(user: AnyUser) -> bool:
    return bool(
        user.is_authenticated and (user.has_perm("cases.act_as_mediator") or user.has_perm("cases.act_as_arbitrator"))
    )


def must_enable_mfa(user: AnyUser) -> bool:
    """Staff and neutrals must protect their account with a second factor before acting on any case."""
    return (is_case_administrator(user) or is_neutral(user)) and not is_mfa_enabled(user)


def cases_visible_to(user: AnyUser) -> QuerySet[Case]:
    """Cases this user may see. Drafts stay private to their author, administrators included."""
    if not user.is_authenticated:
        return Case.objects.none()
    is_party = Exists(CaseParty.objects.filter(case=OuterRef("pk"), user=user))
    is_assigned = Exists(CaseAssignment.objects.filter(case=OuterRef("pk"), user=user, active=True))
    drafts_excluded = ~Q(status=CaseStatus.DRAFT) | Q(created_by=user)
    if is_case_administrator(user):
        return Case.objects.filter(drafts_excluded)
    return Case.objects.filter(is_party | is_assigned).filter(drafts_excluded)


def case_roles(user: AnyUser, case: Case) -> frozenset[Role]:
    """The roles ``user`` holds on ``case``; works on prefetched ``parties`` and ``assignments``."""
    if not user.is_authenticated:
        return frozenset()
    roles: set[Role] = set()
    for party in case.parties.all():
        if party.user_id == user.pk:
            roles.add(Role.CLAIMANT if party.role == PartyRole.CLAIMANT else Role.RESPONDENT)
    for assignment in case.assignments.all():
        if assignment.active and assignment.user_id == user.pk:
            roles.add(Role.MEDIATOR if assignment.role == NeutralRole.MEDIATOR else Role.ARBITRATOR)
    if is_case_administrator(user) and case.status != CaseStatus.DRAFT:
        roles.add(Role.ADMINISTRATOR)
    return frozenset(roles)


def load_case_for(user: AnyUser, public_id: Any) -> tuple[Case, frozenset[Role]]:
    """The case with its parties and assignments, or 404 for anyone who may not see it."""
    case = (
        cases_visible_to(user)
        .select_related("response")
        .prefetch_related(
            "parties__organisation",
            "parties__user",
            "assignments__user__mediator_profile",
            "assignments__user__arbitrator_profile",
        )
        .filter(public_id=public_id)
        .first()
    )
    if case is None:
        raise AccessRefused(RefusalReason.CASE_HIDDEN, _("No such case."))
    return case, case_roles(user, case)


def case_view[**P](
    view: Callable[Concatenate[AuthenticatedRequest, Case, frozenset[Role], P], HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Decorate a view taking ``(request, case, roles, ...)`` whose URL has a ``case_id``.

    Signs the visitor in, 404s anyone who may not see the case, and sends staff and neutrals without
    two-factor authentication to set it up first.
    """

    @wraps(view)
    @login_required
    def wrapper(request: AuthenticatedRequest, case_id: Any, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        case, roles = load_case_for(request.user, case_id)
        if (Role.ADMINISTRATOR in roles or roles & NEUTRAL_ROLES) and must_enable_mfa(request.user):
            messages.warning(request, _("Set up two-factor authentication before you act on a case."))
            return redirect("mfa_activate_totp")
        return view(request, case, roles, *args, **kwargs)

    return wrapper


def granted_view[D, **P](
    decide: Callable[[AnyUser, Any], D | None], *, url_key: str, reason: str = RefusalReason.NOT_THEIRS
) -> Callable[[Callable[Concatenate[AuthenticatedRequest, D, P], HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Decorate a page whose URL names something (its ``url_key``) that ``decide(user, value)`` grants access
    to, or not (``None``): signs the visitor in and refuses anyone it grants nothing with ``AccessRefused``,
    so the refusal is recorded like those of ``case_view``. The view receives ``(request, decision, ...)``."""

    def decorate(
        view: Callable[Concatenate[AuthenticatedRequest, D, P], HttpResponseBase],
    ) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        @login_required
        def wrapper(request: AuthenticatedRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            decision = decide(request.user, kwargs.pop(url_key))
            if decision is None:
                raise AccessRefused(reason)
            return view(request, decision, *args, **kwargs)

        return wrapper

    return decorate


# Negotiation is without prejudice: what a party offered or said there must not colour the view of the
# neutral who later mediates or decides the dispute. Its parties read it, and the Centre's administrators
# (who run the case and cannot decide it); mediators and arbitrators do not.
NEGOTIATION_READERS = PARTY_ROLES | {Role.ADMINISTRATOR}
_BEFORE_NEGOTIATION = frozenset({CaseStatus.DRAFT, CaseStatus.FILED, CaseStatus.AWAITING_RESPONSE})


def may_read_negotiation(case: Case, roles: frozenset[Role]) -> bool:
    """Whether the negotiation room (or, once it is over, its record) is there for someone with ``roles``."""
    return bool(roles & NEGOTIATION_READERS) and case.status not in _BEFORE_NEGOTIATION


def document_visible(document: Document, roles: frozenset[Role]) -> bool:
    """A document withheld until its submission is filed is its own side's alone; the rest are the case's."""
    if not document.withheld:
        return True
    own = Role.CLAIMANT if document.party_role == PartyRole.CLAIMANT else Role.RESPONDENT
    return own in roles


@dataclass(frozen=True, slots=True)
class RoomAccess:
    """What someone may do in a case's negotiation room right now."""

    case_id: int
    role: Role | None  # the party role, for parties
    can_write: bool


def room_access(user: AnyUser, case_ref: Any) -> RoomAccess | None:
    """None unless the user may read the room: its parties and administrators, once negotiation has
    started. Only the parties write, and only while the case is in negotiation.

    Checked on every frame in and every event out, so it is one query: ``case_ref`` is the case's pk
    (int) or public id (UUID).
    """
    if not user.is_authenticated:
        return None
    lookup = {"pk": case_ref} if isinstance(case_ref, int) else {"public_id": case_ref}
    party_role = CaseParty.objects.filter(case=OuterRef("pk"), user=user).values("role")[:1]
    row = (
        Case.objects.filter(**lookup)
        .annotate(party_role=Subquery(party_role))
        .values("pk", "status", "party_role")
        .first()
    )
    if row is None:
        return None
    return _room_decision(user, row["pk"], row["status"], row["party_role"])


def room_access_many(requests: Iterable[tuple[AnyUser, int]]) -> dict[tuple[int, int], RoomAccess | None]:
    """``room_access`` for many (user, case pk) pairs, keyed by (user pk, case pk): two queries for any
    number of pairs, so a process can re-check all its room sockets at once."""
    pairs = [(user, case_id) for user, case_id in requests if user.is_authenticated]
    case_ids = {case_id for _user, case_id in pairs}
    statuses = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "status"))
    party_roles = {
        (user_id, case_id): role
        for user_id, case_id, role in CaseParty.objects.filter(
            case_id__in=case_ids, user_id__in={user.pk for user, _case_id in pairs}
        ).values_list("user_id", "case_id", "role")
    }
    decided: dict[tuple[int, int], RoomAccess | None] = {}
    for user, case_id in pairs:
        status = statuses.get(case_id)
        key = (user.pk, case_id)
        decided[key] = None if status is None else _room_decision(user, case_id, status, party_roles.get(key))
    return decided


def _room_decision(user: AnyUser, case_id: int, status: str, party_role: str | None) -> RoomAccess | None:
    if status in _BEFORE_NEGOTIATION:
        return None
    if party_role:
        role = Role.CLAIMANT if party_role == PartyRole.CLAIMANT else Role.RESPONDENT
        return RoomAccess(case_id=case_id, role=role, can_write=status == CaseStatus.NEGOTIATION)
    if is_case_administrator(user) and not must_enable_mfa(user):
        return RoomAccess(case_id=case_id, role=None, can_write=False)
    return None


def administrator_view[**P](
    view: Callable[Concatenate[AuthenticatedRequest, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    """Decorate a staff page (caseload, payments, fee schedule): case administrators only, with
    two-factor set up; anyone else signed in gets 404, like a case they may not see."""

    @wraps(view)
    @login_required
    def wrapper(request: AuthenticatedRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        if not is_case_administrator(request.user):
            raise AccessRefused(RefusalReason.STAFF_ONLY)
        if must_enable_mfa(request.user):
            messages.warning(request, _("Set up two-factor authentication before you act on a case."))
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
