"""Appointing a case's mediator: the parties rank the panel, the first mediator acceptable to both is
proposed (else a case administrator appoints), and the mediator declares any conflict and answers."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.lifecycle import case_deadline_extend
from cases.models import Case, CaseAssignment, CaseStatus, NeutralRole, PartyRole
from cases.models.panel import AppointmentStatus
from cases.notifications import queue_email
from cases.panels import PanelAppointments, is_conflicted
from cases.services import ServiceError
from mediation.models import (
    MediationPhase,
    MediationState,
    MediatorAppointment,
    MediatorProfile,
    MediatorRanking,
)

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def eligible_mediators(case: Case) -> list[MediatorProfile]:
    """The panel as this case's parties may rank it: active mediators without an automatic conflict."""
    mediators: list[MediatorProfile] = PANEL.eligible(case)
    return mediators


def mediation_open(case: Case) -> None:
    """Hook (in the transition's transaction): the case entered mediation; the ranking window opens."""
    PANEL.open_ranking(case)


def _state_for_update(case: Case) -> MediationState:
    state: MediationState = PANEL.state_for_update(case)
    return state


PANEL = PanelAppointments(
    prefix="mediation",
    case_status=CaseStatus.MEDIATION,
    profile_model=MediatorProfile,
    state_model=MediationState,
    ranking_model=MediatorRanking,
    appointment_model=MediatorAppointment,
    neutral="mediator",
    not_in_stage=gettext_lazy("This case is not in mediation."),
    parties_only=gettext_lazy("Only the parties rank mediators."),
    ranking_closed=gettext_lazy("The time to rank mediators has ended."),
    choose_one=gettext_lazy("Choose at least one mediator you would accept."),
    rank_once=gettext_lazy("Rank each mediator once."),
    cannot_act=gettext_lazy("One of those mediators cannot act on this case."),
    ranking_days_setting="ODR_MEDIATION_RANKING_DAYS",
    phases={
        "ranking": MediationPhase.RANKING,
        "admin": MediationPhase.ADMINISTRATOR_TO_APPOINT,
        "proposed": MediationPhase.PROPOSED,
    },
)


@transaction.atomic
def rankings_submit(*, case: Case, user: User, mediator_ids: list[int], meta: RequestMeta = SYSTEM) -> MediationState:
    """A party's ordered list (most preferred first); mediators left out are not acceptable to it."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    state = _state_for_update(locked)
    PANEL.save_ranking(locked, state, PANEL.party_role_of(locked, user), mediator_ids, user, meta)
    return state


def best_common_choice(case: Case, *, exclude: set[int] | None = None) -> MediatorProfile | None:
    """The mediator both parties accept whose worse rank is best; ties go to the better sum of ranks."""
    choice: MediatorProfile | None = PANEL.best_choice(case, exclude=exclude)
    return choice


def rankings_deadline_sweep(*, now: datetime | None = None) -> int:
    return PANEL.close_ranking_windows(now)


@transaction.atomic
def mediator_appoint(
    *, case: Case, actor: User, mediator: MediatorProfile, reason: str = "", meta: RequestMeta = SYSTEM
) -> MediatorAppointment:
    """A case administrator proposes a mediator (no agreement from the rankings, or a replacement)."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    state = _state_for_update(locked)
    if MediatorAppointment.objects.filter(case=locked, status__in=("proposed", "accepted")).exists():
        raise ServiceError(_("This case already has a mediator or a proposal. Replace them first."))
    if not mediator.active:
        raise ServiceError(_("That mediator is not on the panel."), field="mediator")
    if is_conflicted(mediator, locked):
        raise ServiceError(
            _("That mediator is linked to one of the parties and cannot act on this case."), field="mediator"
        )
    appointment = PANEL.propose(locked, state, mediator, proposed_by="administrator")
    log_action(
        case=locked, actor=actor, action="mediation.appointed_by_administrator", meta=meta, data={"reason": reason}
    )
    return appointment


@transaction.atomic
def appointment_respond(
    *,
    appointment: MediatorAppointment,
    user: User,
    accept: bool,
    no_conflict: bool = False,
    declaration: str = "",
    decline_reason: str = "",
    meta: RequestMeta = SYSTEM,
) -> MediatorAppointment:
    """The proposed mediator accepts (declaring no conflict of interest) or declines."""
    locked = MediatorAppointment.objects.select_for_update().select_related("case", "mediator").get(pk=appointment.pk)
    case = Case.objects.select_for_update().get(pk=locked.case_id)
    state = _state_for_update(case)
    if locked.mediator.user_id != user.pk:
        raise ServiceError(_("This proposal is for another mediator."))
    if locked.status != AppointmentStatus.PROPOSED:
        raise ServiceError(_("You have already answered this proposal."))
    locked.responded_at = timezone.now()
    if accept:
        _accept_appointment(
            locked=locked,
            case=case,
            state=state,
            user=user,
            no_conflict=no_conflict,
            declaration=declaration,
            meta=meta,
        )
    else:
        _decline_appointment(locked=locked, case=case, state=state, user=user, decline_reason=decline_reason, meta=meta)
    return locked


def _accept_appointment(
    *,
    locked: MediatorAppointment,
    case: Case,
    state: MediationState,
    user: User,
    no_conflict: bool,
    declaration: str,
    meta: RequestMeta,
) -> None:
    """The mediator is appointed: assigned to the case, the mediation period started, the agreement to
    mediate drafted and the parties told."""
    if is_conflicted(locked.mediator, case):
        raise ServiceError(_("You are linked to one of the parties and cannot act on this case."))
    if not no_conflict:
        raise ServiceError(
            _("Confirm that you have no conflict of interest, or decline and say why."), field="no_conflict"
        )
    locked.status = AppointmentStatus.ACCEPTED
    locked.conflict_declaration = declaration.strip()
    locked.save()
    CaseAssignment.objects.create(case=case, user=user, role=NeutralRole.MEDIATOR, active=True)
    state.phase = MediationPhase.APPOINTED
    state.save(update_fields=["phase"])
    log_action(
        case=case,
        actor=user,
        action="mediation.accepted",
        meta=meta,
        data={"mediator": locked.mediator.display_name, "declaration": locked.conflict_declaration},
    )
    # The mediation period runs from the appointment (scheme: days to settle once appointed).
    period_end = timezone.now() + timedelta(days=settings.ODR_MEDIATION_DAYS)
    if case.deadline_at is not None and period_end > case.deadline_at:
        case_deadline_extend(
            case=case, until=period_end, actor=None, reason=_("The mediation period runs from the appointment")
        )
    _agreement_to_mediate(case, locked.mediator)
    emails = [party.user.email for party in case.parties.select_related("user")]
    queue_email(to=emails, template="mediation_appointed", context={"case": case, "mediator": locked.mediator})


def _decline_appointment(
    *,
    locked: MediatorAppointment,
    case: Case,
    state: MediationState,
    user: User,
    decline_reason: str,
    meta: RequestMeta,
) -> None:
    """The mediator declines with a reason: the parties' next common choice is proposed, or, when there is
    none (or an administrator had proposed this one), a case administrator is to appoint."""
    if not decline_reason.strip():
        raise ServiceError(_("Say why you decline."), field="decline_reason")
    locked.status = AppointmentStatus.DECLINED
    locked.decline_reason = decline_reason.strip()[:300]
    locked.save()
    log_action(case=case, actor=user, action="mediation.declined", meta=meta, data={"reason": locked.decline_reason})
    following = best_common_choice(case) if locked.proposed_by == "ranking" else None
    if following is not None:
        PANEL.propose(case, state, following, proposed_by="ranking")
    else:
        PANEL.to_administrator(case, state)


def _agreement_to_mediate(case: Case, mediator: MediatorProfile) -> None:
    """Draft the agreement to mediate naming this mediator; both parties sign it before any session."""
    from documents.models import IssuedKind
    from documents.services import agreement_draft_create

    try:
        agreement_draft_create(
            case=case,
            amount=case.amount_claimed or Decimal("0.00"),
            terms=f"{mediator.display_name}\n{mediator.accreditation}",
            actor=None,
            kind=IssuedKind.AGREEMENT_TO_MEDIATE,
        )
    except ServiceError as exc:
        # Already executed with an earlier mediator: that agreement stands; the parties were told of the change.
        logger.warning("agreement to mediate not redrafted for case %s: %s", case.pk, exc.message)


@transaction.atomic
def mediator_replace(*, case: Case, actor: User, reason: str, meta: RequestMeta = SYSTEM) -> MediatorAppointment:
    """A case administrator removes the current mediator (or proposal), with a reason; then appoints anew."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    state = _state_for_update(locked)
    if not reason.strip():
        raise ServiceError(_("Give the reason for replacing the mediator."), field="reason")
    current = (
        MediatorAppointment.objects.select_for_update()
        .filter(case=locked, status__in=(AppointmentStatus.PROPOSED, AppointmentStatus.ACCEPTED))
        .select_related("mediator")
        .first()
    )
    if current is None:
        raise ServiceError(_("This case has no mediator to replace."))
    current.status = AppointmentStatus.REPLACED
    current.replaced_reason = reason.strip()[:300]
    current.save()
    CaseAssignment.objects.filter(
        Q(case=locked) & Q(user_id=current.mediator.user_id) & Q(role=NeutralRole.MEDIATOR)
    ).update(active=False)
    state.phase = MediationPhase.ADMINISTRATOR_TO_APPOINT
    state.save(update_fields=["phase"])
    log_action(
        case=locked, actor=actor, action="mediation.replaced", meta=meta, data={"reason": current.replaced_reason}
    )
    return current


def current_appointment(case: Case) -> MediatorAppointment | None:
    return (
        MediatorAppointment.objects.filter(
            case=case, status__in=(AppointmentStatus.PROPOSED, AppointmentStatus.ACCEPTED)
        )
        .select_related("mediator__user")
        .first()
    )


def party_roles() -> tuple[str, str]:
    return (PartyRole.CLAIMANT, PartyRole.RESPONDENT)
