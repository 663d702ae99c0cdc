"""Who may do what in mediation: the one place the pages and the video room ask."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef

from cases.access import must_enable_mfa
from cases.models import CaseAssignment, CaseParty, CaseStatus, NeutralRole
from cases.roles import PARTY_ROLES, Role, Roles
from mediation.models import MediationSession, SessionStatus

# A video session is the parties' and their mediator's: administrators run the case but do not sit in.
SESSION_ROLES = PARTY_ROLES | {Role.MEDIATOR}
# The case page's mediation section: everyone on the case in mediation but an arbitrator.
MEDIATION_READERS = PARTY_ROLES | {Role.MEDIATOR, Role.ADMINISTRATOR}


def may_join_sessions(roles: Roles) -> bool:
    """Whether someone with ``roles`` on a case in mediation is offered its video sessions (the room itself
    asks ``session_access``, which also checks the session and the mediator's two-factor)."""
    return bool(roles & SESSION_ROLES)


@dataclass(frozen=True, slots=True)
class SessionAccess:
    session_id: int
    case_id: int
    role: str  # claimant / respondent / mediator
    live: bool


def session_access(user: Any, session_ref: Any) -> SessionAccess | None:
    """None unless ``user`` may be in this session's video room: a party of the case, or its appointed
    mediator with two-factor set up, while the case is in mediation. One query; called on every frame.

    ``session_ref`` is the session's pk (int) or public id (UUID).
    """
    if not user.is_authenticated:
        return None
    lookup = {"pk": session_ref} if isinstance(session_ref, int) else {"public_id": session_ref}
    party_role = CaseParty.objects.filter(case=OuterRef("case"), user=user).values("role")[:1]
    is_mediator = Exists(
        CaseAssignment.objects.filter(case=OuterRef("case"), user=user, role=NeutralRole.MEDIATOR, active=True)
    )
    row = (
        MediationSession.objects.filter(**lookup)
        .annotate(party_role=party_role, is_mediator=is_mediator)
        .values("pk", "case_id", "status", "case__status", "party_role", "is_mediator")
        .first()
    )
    if row is None or row["case__status"] != CaseStatus.MEDIATION:
        return None
    live = row["status"] == SessionStatus.LIVE
    if row["is_mediator"] and not must_enable_mfa(user):
        return SessionAccess(session_id=row["pk"], case_id=row["case_id"], role="mediator", live=live)
    if row["party_role"]:
        return SessionAccess(session_id=row["pk"], case_id=row["case_id"], role=row["party_role"], live=live)
    return None
