"""Reads for the mediation pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from cases.models import Case
from cases.roles import Role, Roles, party_role_in
from documents.models import IssuedDocument, IssuedKind
from documents.selectors import signed_by_both_parties
from mediation.access import may_join_sessions
from mediation.models import (
    MediationOutcome,
    MediationSession,
    MediationState,
    MediatorAppointment,
    MediatorNote,
    MediatorProfile,
    MediatorRanking,
    Participant,
    SessionSlot,
    SessionStatus,
)
from mediation.services.appointment import current_appointment, eligible_mediators
from mediation.services.room import caucus_room, open_caucus


@dataclass(slots=True)
class SessionView:
    session: MediationSession
    slots: list[tuple[SessionSlot, dict[str, bool | None]]]  # (slot, {"claimant": yes/no/None, ...})
    my_answers: set[int] = field(default_factory=set)
    attendance: list[Participant] = field(default_factory=list)  # each connection: who, when in, when out

    @property
    def minutes(self) -> int | None:
        started, ended = self.session.started_at, self.session.ended_at
        return int((ended - started).total_seconds() // 60) if started and ended else None


@dataclass(slots=True)
class MediationOverview:
    state: MediationState | None
    appointment: MediatorAppointment | None
    eligible: list[MediatorProfile]
    my_ranking: list[int]
    parties_ranked: set[str]
    sessions: list[SessionView]
    live: MediationSession | None
    notes: list[MediatorNote]
    outcome: MediationOutcome | None
    party_role: str | None
    is_mediator: bool
    is_administrator: bool
    may_join: bool
    agreement_signed: bool
    agreement_drafted: bool
    # A party's: the live session's mediator is in a private caucus with the other party.
    mediator_with_other_party: bool = False


def mediation_overview(case: Case, roles: Roles) -> MediationOverview:
    party_role = party_role_in(roles)
    is_mediator = Role.MEDIATOR in roles
    state = MediationState.objects.filter(case=case).first()
    rankings = list(MediatorRanking.objects.filter(case=case).order_by("party_role", "rank"))
    sessions = []
    sessions_qs = MediationSession.objects.filter(case=case).prefetch_related(
        "slots__availability", Prefetch("participants", queryset=Participant.objects.select_related("user"))
    )
    for session in sessions_qs.order_by("-created_at"):
        slots = []
        mine: set[int] = set()
        for slot in session.slots.all():
            answers: dict[str, bool | None] = {"claimant": None, "respondent": None}
            for answer in slot.availability.all():
                answers[answer.party_role] = answer.available
                if answer.party_role == party_role and answer.available:
                    mine.add(slot.pk)
            slots.append((slot, answers))
        sessions.append(
            SessionView(session=session, slots=slots, my_answers=mine, attendance=list(session.participants.all()))
        )
    live = next((s.session for s in sessions if s.session.status == SessionStatus.LIVE), None)
    caucus = open_caucus(session_id=live.pk) if live is not None and party_role is not None else None
    return MediationOverview(
        state=state,
        appointment=current_appointment(case),
        eligible=eligible_mediators(case) if (party_role or Role.ADMINISTRATOR in roles) else [],
        my_ranking=[r.mediator_id for r in rankings if r.party_role == party_role],
        parties_ranked={r.party_role for r in rankings},
        sessions=sessions,
        live=live,
        notes=list(MediatorNote.objects.filter(case=case).order_by("-created_at")) if is_mediator else [],
        outcome=MediationOutcome.objects.filter(case=case).first(),
        party_role=party_role,
        is_mediator=is_mediator,
        is_administrator=Role.ADMINISTRATOR in roles,
        may_join=may_join_sessions(roles),
        agreement_signed=signed_by_both_parties(case, IssuedKind.AGREEMENT_TO_MEDIATE),
        agreement_drafted=IssuedDocument.objects.filter(case=case, kind=IssuedKind.AGREEMENT_TO_MEDIATE).exists(),
        mediator_with_other_party=caucus is not None and party_role is not None and caucus != caucus_room(party_role),
    )
