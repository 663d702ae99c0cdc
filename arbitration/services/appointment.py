"""Appointing a case's arbitrator: the parties rank the panel within the ranking window, the first
arbitrator acceptable to both is proposed (else a case administrator appoints), and the arbitrator
accepts by signing a declaration of independence, or declines.

The case's mediator may never be its arbitrator unless both parties agree to it in writing.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from arbitration.models import (
    ArbitrationPhase,
    ArbitrationState,
    ArbitratorAppointment,
    ArbitratorProfile,
    ArbitratorRanking,
    MediatorAsArbitratorConsent,
    TimetableStep,
)
from cases.audit import SYSTEM, RequestMeta, log_action
from cases.models import Case, CaseAssignment, CaseStatus, NeutralRole, PartyRole
from cases.models.panel import AppointmentStatus
from cases.notifications import queue_email
from cases.panels import PanelAppointments, is_conflicted
from cases.services import ServiceError
from documents.models import IssuedKind
from documents.services import draft_version_create

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LIVE = (AppointmentStatus.PROPOSED, AppointmentStatus.ACCEPTED)


def mediated_case(arbitrator: ArbitratorProfile, case: Case) -> bool:
    """The arbitrator is (or was) this case's mediator."""
    return CaseAssignment.objects.filter(case=case, user_id=arbitrator.user_id, role=NeutralRole.MEDIATOR).exists()


def mediator_waived_by(arbitrator: ArbitratorProfile, case: Case) -> set[str]:
    """The parties that agreed in writing that this arbitrator, who mediated the case, may arbitrate it."""
    return set(
        MediatorAsArbitratorConsent.objects.filter(case=case, arbitrator=arbitrator).values_list(
            "party_role", flat=True
        )
    )


def former_mediators_barred(arbitrators: list[ArbitratorProfile], case: Case) -> set[int]:
    """The ids of those ``arbitrators`` who mediated the case and whom the parties have not both agreed to
    in writing: one query however many arbitrators, and one more if any of them mediated the case."""
    if not arbitrators:
        return set()
    mediators = set(
        CaseAssignment.objects.filter(
            case=case, role=NeutralRole.MEDIATOR, user_id__in={arbitrator.user_id for arbitrator in arbitrators}
        ).values_list("user_id", flat=True)
    )
    waived: dict[int, set[str]] = {a.pk: set() for a in arbitrators if a.user_id in mediators}
    if not waived:
        return set()
    consents = MediatorAsArbitratorConsent.objects.filter(case=case, arbitrator_id__in=waived)
    for arbitrator_id, party_role in consents.values_list("arbitrator_id", "party_role"):
        waived[arbitrator_id].add(party_role)
    return {pk for pk, roles in waived.items() if roles < {PartyRole.CLAIMANT, PartyRole.RESPONDENT}}


def barred_as_former_mediator(arbitrator: ArbitratorProfile, case: Case) -> bool:
    return arbitrator.pk in former_mediators_barred([arbitrator], case)


def eligible_arbitrators(case: Case) -> list[ArbitratorProfile]:
    """The panel as this case's parties may rank it: active arbitrators without a conflict, who have not
    declined or been replaced on it, and not its mediator unless both parties agreed to that in writing."""
    arbitrators: list[ArbitratorProfile] = PANEL.eligible(case)
    return arbitrators


def former_mediator_on_panel(case: Case) -> ArbitratorProfile | None:
    """The case's mediator, if they are on the arbitrators' panel (the parties may agree to them)."""
    mediator_ids = CaseAssignment.objects.filter(case=case, role=NeutralRole.MEDIATOR).values("user_id")
    return ArbitratorProfile.objects.filter(active=True, user_id__in=mediator_ids).first()


def arbitration_open(case: Case) -> None:
    """Hook (in the transition's transaction): the case entered arbitration; the ranking window opens."""
    PANEL.open_ranking(case)


def state_for_update(case: Case) -> ArbitrationState:
    state: ArbitrationState = PANEL.state_for_update(case)
    return state


def party_role_of(case: Case, user: User) -> str:
    return PANEL.party_role_of(case, user)


PANEL = PanelAppointments(
    prefix="arbitration",
    case_status=CaseStatus.ARBITRATION,
    profile_model=ArbitratorProfile,
    state_model=ArbitrationState,
    ranking_model=ArbitratorRanking,
    appointment_model=ArbitratorAppointment,
    neutral="arbitrator",
    not_in_stage=gettext_lazy("This case is not in arbitration."),
    parties_only=gettext_lazy("Only the parties can do this."),
    barred=former_mediators_barred,
    ranking_closed=gettext_lazy("The time to rank arbitrators has ended."),
    choose_one=gettext_lazy("Choose at least one arbitrator you would accept."),
    rank_once=gettext_lazy("Rank each arbitrator once."),
    cannot_act=gettext_lazy("One of those arbitrators cannot act on this case."),
    ranking_days_setting="ODR_ARBITRATION_RANKING_DAYS",
    phases={
        "ranking": ArbitrationPhase.RANKING,
        "admin": ArbitrationPhase.ADMINISTRATOR_TO_APPOINT,
        "proposed": ArbitrationPhase.PROPOSED,
    },
)


@transaction.atomic
def rankings_submit(
    *, case: Case, user: User, arbitrator_ids: list[int], meta: RequestMeta = SYSTEM
) -> ArbitrationState:
    """A party's ordered list (most preferred first); arbitrators left out are not acceptable to it."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    state = state_for_update(locked)
    PANEL.save_ranking(locked, state, party_role_of(locked, user), arbitrator_ids, user, meta)
    return state


def best_common_choice(case: Case) -> ArbitratorProfile | None:
    choice: ArbitratorProfile | None = PANEL.best_choice(case)
    return choice


def rankings_deadline_sweep(*, now: datetime | None = None) -> int:
    return PANEL.close_ranking_windows(now)


@transaction.atomic
def mediator_waiver_give(
    *, case: Case, user: User, arbitrator: ArbitratorProfile, full_name: str, agree: bool, meta: RequestMeta = SYSTEM
) -> MediatorAsArbitratorConsent:
    """A party agrees in writing that the case's mediator may act as its arbitrator."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    state = state_for_update(locked)
    role = party_role_of(locked, user)
    if state.phase not in (ArbitrationPhase.RANKING, ArbitrationPhase.ADMINISTRATOR_TO_APPOINT):
        raise ServiceError(_("The arbitrator is already being appointed."))
    if not mediated_case(arbitrator, locked):
        raise ServiceError(_("That arbitrator did not mediate this case: no agreement is needed."))
    if role in mediator_waived_by(arbitrator, locked):
        raise ServiceError(_("You have already agreed."))
    if not agree:
        raise ServiceError(_("Tick the box to agree in writing."), field="agree")
    if not full_name.strip():
        raise ServiceError(_("Type your full name."), field="full_name")
    statement = _(
        "%(party)s agrees that %(name)s, who mediated this case, may act as its arbitrator, and waives any "
        "objection on that ground."
    ) % {"party": locked.parties.get(role=role).organisation.name, "name": arbitrator.display_name}
    waiver = MediatorAsArbitratorConsent.objects.create(
        case=locked,
        arbitrator=arbitrator,
        party_role=role,
        user=user,
        full_name=full_name.strip()[:200],
        statement=statement,
        ip_address=meta.ip_address,
    )
    log_action(
        case=locked,
        actor=user,
        action="arbitration.mediator_waiver",
        meta=meta,
        data={"role": role, "arbitrator": arbitrator.display_name, "statement": statement},
    )
    return waiver


@transaction.atomic
def arbitrator_appoint(
    *, case: Case, actor: User, arbitrator: ArbitratorProfile, reason: str = "", meta: RequestMeta = SYSTEM
) -> ArbitratorAppointment:
    """A case administrator proposes an arbitrator (no agreement from the rankings, or a replacement)."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    state = state_for_update(locked)
    if ArbitratorAppointment.objects.filter(case=locked, status__in=LIVE).exists():
        raise ServiceError(_("This case already has an arbitrator or a proposal. Replace them first."))
    if not arbitrator.active:
        raise ServiceError(_("That arbitrator is not on the panel."), field="arbitrator")
    if is_conflicted(arbitrator, locked):
        raise ServiceError(
            _("That arbitrator is linked to one of the parties and cannot act on this case."), field="arbitrator"
        )
    if barred_as_former_mediator(arbitrator, locked):
        raise ServiceError(
            _("That arbitrator mediated this case and may arbitrate it only if both parties agree in writing."),
            field="arbitrator",
        )
    appointment = PANEL.propose(locked, state, arbitrator, proposed_by="administrator")
    log_action(
        case=locked, actor=actor, action="arbitration.appointed_by_administrator", meta=meta, data={"reason": reason}
    )
    return appointment


def _proposal_for_update(appointment: ArbitratorAppointment, user: User) -> tuple[ArbitratorAppointment, Case]:
    locked = ArbitratorAppointment.objects.select_for_update().select_related("arbitrator").get(pk=appointment.pk)
    case = Case.objects.select_for_update().get(pk=locked.case_id)
    state_for_update(case)
    if locked.arbitrator.user_id != user.pk:
        raise ServiceError(_("This proposal is for another arbitrator."))
    if locked.status != AppointmentStatus.PROPOSED:
        raise ServiceError(_("You have already answered this proposal."))
    return locked, case


@transaction.atomic
def appointment_accept(
    *,
    appointment: ArbitratorAppointment,
    user: User,
    independent: bool,
    disclosures: str = "",
    meta: RequestMeta = SYSTEM,
) -> ArbitratorAppointment:
    """The proposed arbitrator states independence (and any disclosures): the declaration is drafted for
    them to review and sign. The appointment takes effect once it is signed and sealed."""
    locked, case = _proposal_for_update(appointment, user)
    if is_conflicted(locked.arbitrator, case):
        raise ServiceError(_("You are linked to one of the parties and cannot act on this case."))
    if barred_as_former_mediator(locked.arbitrator, case):
        raise ServiceError(_("You mediated this case: both parties must agree in writing before you may arbitrate."))
    if not independent:
        raise ServiceError(
            _("Confirm that you are independent and impartial, or decline and say why."), field="independent"
        )
    locked.disclosures = disclosures.strip()[:5000]
    locked.save(update_fields=["disclosures"])
    draft_version_create(
        case=case,
        kind=IssuedKind.DECLARATION_OF_INDEPENDENCE,
        amount=case.amount_claimed or Decimal("0.00"),
        terms=locked.disclosures,
        actor=user,
        meta=meta,
        subject=locked.declaration_subject,
    )
    return locked


@transaction.atomic
def appointment_decline(
    *, appointment: ArbitratorAppointment, user: User, reason: str, meta: RequestMeta = SYSTEM
) -> ArbitratorAppointment:
    locked, case = _proposal_for_update(appointment, user)
    if not reason.strip():
        raise ServiceError(_("Say why you decline."), field="decline_reason")
    state = state_for_update(case)
    locked.status = AppointmentStatus.DECLINED
    locked.decline_reason = reason.strip()[:300]
    locked.responded_at = timezone.now()
    locked.save()
    log_action(case=case, actor=user, action="arbitration.declined", meta=meta, data={"reason": locked.decline_reason})
    following = best_common_choice(case) if locked.proposed_by == "ranking" else None
    if following is not None:
        PANEL.propose(case, state, following, proposed_by="ranking")
    else:
        PANEL.to_administrator(case, state)
    return locked


def declaration_executed(appointment: ArbitratorAppointment) -> None:
    """The declaration is signed and sealed (in the transaction that stored it): the arbitrator is appointed."""
    locked = ArbitratorAppointment.objects.select_for_update().select_related("arbitrator__user").get(pk=appointment.pk)
    case = Case.objects.select_for_update().get(pk=locked.case_id)
    if locked.status != AppointmentStatus.PROPOSED or case.status != CaseStatus.ARBITRATION:
        return  # replaced meanwhile: the sealed declaration stays on record, nothing else changes
    locked.status = AppointmentStatus.ACCEPTED
    locked.responded_at = timezone.now()
    locked.save(update_fields=["status", "responded_at"])
    CaseAssignment.objects.create(case=case, user=locked.arbitrator.user, role=NeutralRole.ARBITRATOR, active=True)
    # A replacement arbitrator takes over a timetable already running.
    running = TimetableStep.objects.filter(case=case).exists()
    phase = ArbitrationPhase.PROCEEDINGS if running else ArbitrationPhase.APPOINTED
    ArbitrationState.objects.filter(case=case).update(phase=phase)
    log_action(
        case=case,
        actor=locked.arbitrator.user,
        action="arbitration.accepted",
        data={"arbitrator": locked.arbitrator.display_name, "disclosures": locked.disclosures},
    )
    emails = [party.user.email for party in case.parties.select_related("user")]
    queue_email(to=emails, template="arbitration_appointed", context={"case": case, "arbitrator": locked.arbitrator})


@transaction.atomic
def arbitrator_replace(*, case: Case, actor: User, reason: str, meta: RequestMeta = SYSTEM) -> ArbitratorAppointment:
    """A case administrator removes the current arbitrator (or proposal), with a reason; then appoints anew."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    state = state_for_update(locked)
    if not reason.strip():
        raise ServiceError(_("Give the reason for replacing the arbitrator."), field="reason")
    current = (
        ArbitratorAppointment.objects.select_for_update()
        .filter(case=locked, status__in=LIVE)
        .select_related("arbitrator")
        .first()
    )
    if current is None:
        raise ServiceError(_("This case has no arbitrator to replace."))
    current.status = AppointmentStatus.REPLACED
    current.replaced_reason = reason.strip()[:300]
    current.save()
    CaseAssignment.objects.filter(case=locked, user_id=current.arbitrator.user_id, role=NeutralRole.ARBITRATOR).update(
        active=False
    )
    # The timetable and the filed submissions stay: the new arbitrator takes the proceedings as they are.
    state.phase = ArbitrationPhase.ADMINISTRATOR_TO_APPOINT
    state.save(update_fields=["phase"])
    log_action(
        case=locked, actor=actor, action="arbitration.replaced", meta=meta, data={"reason": current.replaced_reason}
    )
    return current


def current_appointment(case: Case) -> ArbitratorAppointment | None:
    return ArbitratorAppointment.objects.filter(case=case, status__in=LIVE).select_related("arbitrator__user").first()
