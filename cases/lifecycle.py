"""The case state machine: one table of allowed transitions and one function that applies them.

Nothing else sets ``Case.status``. Each transition checks the actor's right to it, stamps the next
deadline from settings and writes the audit entry, all in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.access import case_roles
from cases.audit import SYSTEM, RequestMeta, log_action
from cases.errors import ServiceError
from cases.hooks import stage_dropped, status_entered
from cases.models import OPEN_STATUSES, Action, AuditEntry, Case, CaseOutcome, CaseStatus, PendingStage
from cases.realtime import broadcast_case_status
from cases.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User


ACTION_LABELS = {
    Action.FILE: _("file the claim"),
    Action.INVITE: _("invite the respondent"),
    Action.RESPOND: _("respond to the claim"),
    Action.DECLINE: _("decline online dispute resolution"),
    Action.WITHDRAW: _("withdraw the claim"),
    Action.ESCALATE_TO_MEDIATION: _("move to mediation"),
    Action.ESCALATE_TO_ARBITRATION: _("move to arbitration"),
    Action.AGREE_SETTLEMENT: _("record agreed settlement terms"),
    Action.SETTLE: _("record a settlement"),
    Action.ISSUE_AWARD: _("issue an award"),
    Action.EXPIRE: _("close an expired stage"),
    Action.END_MEDIATION_UNSETTLED: _("close the case: mediation did not settle it"),
    Action.END_MEDIATION_PARTLY_SETTLED: _("close the case: mediation settled part of it"),
}


@dataclass(frozen=True, slots=True)
class Transition:
    target: CaseStatus
    actors: frozenset[Role]
    outcome: CaseOutcome | None = None
    # Name of the setting holding the new stage's length in days; None clears the deadline.
    deadline_days_setting: str | None = None


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


_PARTIES_AND_STAFF = _roles(Role.CLAIMANT, Role.RESPONDENT, Role.ADMINISTRATOR, Role.SYSTEM)
_WITHDRAW = Transition(CaseStatus.CLOSED, _roles(Role.CLAIMANT, Role.ADMINISTRATOR), CaseOutcome.WITHDRAWN)

TRANSITIONS: dict[tuple[CaseStatus, Action], Transition] = {
    (CaseStatus.DRAFT, Action.FILE): Transition(CaseStatus.FILED, _roles(Role.CLAIMANT)),
    (CaseStatus.FILED, Action.INVITE): Transition(
        CaseStatus.AWAITING_RESPONSE, _roles(Role.CLAIMANT, Role.SYSTEM), deadline_days_setting="ODR_RESPONSE_DAYS"
    ),
    (CaseStatus.AWAITING_RESPONSE, Action.RESPOND): Transition(
        CaseStatus.NEGOTIATION, _roles(Role.RESPONDENT), deadline_days_setting="ODR_NEGOTIATION_DAYS"
    ),
    (CaseStatus.AWAITING_RESPONSE, Action.DECLINE): Transition(
        CaseStatus.CLOSED, _roles(Role.RESPONDENT), CaseOutcome.DECLINED
    ),
    (CaseStatus.AWAITING_RESPONSE, Action.EXPIRE): Transition(
        CaseStatus.CLOSED, _roles(Role.SYSTEM, Role.ADMINISTRATOR), CaseOutcome.NO_RESPONSE
    ),
    (CaseStatus.FILED, Action.WITHDRAW): _WITHDRAW,
    (CaseStatus.AWAITING_RESPONSE, Action.WITHDRAW): _WITHDRAW,
    (CaseStatus.NEGOTIATION, Action.WITHDRAW): _WITHDRAW,
    (CaseStatus.MEDIATION, Action.WITHDRAW): _WITHDRAW,
    (CaseStatus.ARBITRATION, Action.WITHDRAW): _WITHDRAW,
    (CaseStatus.NEGOTIATION, Action.ESCALATE_TO_MEDIATION): Transition(
        CaseStatus.MEDIATION, _PARTIES_AND_STAFF, deadline_days_setting="ODR_MEDIATION_DAYS"
    ),
    # Terms agreed in negotiation come from an accepted offer or a blind-bid match: the platform acts.
    (CaseStatus.NEGOTIATION, Action.AGREE_SETTLEMENT): Transition(
        CaseStatus.SETTLEMENT, _roles(Role.ADMINISTRATOR, Role.SYSTEM)
    ),
    (CaseStatus.NEGOTIATION, Action.EXPIRE): Transition(
        CaseStatus.CLOSED, _roles(Role.SYSTEM, Role.ADMINISTRATOR), CaseOutcome.EXPIRED
    ),
    (CaseStatus.MEDIATION, Action.AGREE_SETTLEMENT): Transition(
        CaseStatus.SETTLEMENT, _roles(Role.MEDIATOR, Role.ADMINISTRATOR, Role.SYSTEM)
    ),
    # The settlement agreement is executed (signed by all): the case closes as settled.
    (CaseStatus.SETTLEMENT, Action.SETTLE): Transition(
        CaseStatus.CLOSED, _roles(Role.ADMINISTRATOR, Role.SYSTEM), CaseOutcome.SETTLED
    ),
    (CaseStatus.MEDIATION, Action.ESCALATE_TO_ARBITRATION): Transition(
        CaseStatus.ARBITRATION,
        _roles(Role.MEDIATOR, Role.ADMINISTRATOR, Role.SYSTEM),
        deadline_days_setting="ODR_ARBITRATION_DAYS",
    ),
    # Mediation ended without (full) settlement and the parties did not both agree to arbitration.
    (CaseStatus.MEDIATION, Action.END_MEDIATION_UNSETTLED): Transition(
        CaseStatus.CLOSED, _roles(Role.MEDIATOR, Role.ADMINISTRATOR, Role.SYSTEM), CaseOutcome.NOT_SETTLED
    ),
    (CaseStatus.MEDIATION, Action.END_MEDIATION_PARTLY_SETTLED): Transition(
        CaseStatus.CLOSED, _roles(Role.MEDIATOR, Role.ADMINISTRATOR, Role.SYSTEM), CaseOutcome.PARTLY_SETTLED
    ),
    (CaseStatus.MEDIATION, Action.EXPIRE): Transition(
        CaseStatus.CLOSED, _roles(Role.SYSTEM, Role.ADMINISTRATOR), CaseOutcome.EXPIRED
    ),
    (CaseStatus.ARBITRATION, Action.ISSUE_AWARD): Transition(
        CaseStatus.CLOSED, _roles(Role.ARBITRATOR, Role.SYSTEM), CaseOutcome.AWARD_ISSUED
    ),
}


class TransitionError(ServiceError):
    """A transition that the table does not allow, or that this actor may not make."""


def allowed_actions(case: Case, roles: frozenset[Role]) -> set[Action]:
    """Actions someone holding ``roles`` could take on ``case`` as it is now."""
    return {
        action
        for (status, action), transition in TRANSITIONS.items()
        if status == case.status and roles & transition.actors
    }


@transaction.atomic
def case_transition(
    *,
    case: Case,
    action: Action,
    actor: User | None,
    meta: RequestMeta = SYSTEM,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> Case:
    """Apply ``action`` to ``case`` as ``actor`` (None: the platform itself) and audit it.

    The case row is locked and re-read first, so two concurrent transitions resolve to one.
    """
    locked = Case.objects.select_for_update().get(pk=case.pk)
    transition = TRANSITIONS.get((CaseStatus(locked.status), action))
    if transition is None:
        raise TransitionError(
            _("You cannot %(action)s: the case is %(status)s.")
            % {"action": ACTION_LABELS[action], "status": locked.get_status_display().lower()}
        )
    roles = frozenset({Role.SYSTEM}) if actor is None else case_roles(actor, locked)
    if not roles & transition.actors:
        raise TransitionError(_("You are not allowed to %(action)s on this case.") % {"action": ACTION_LABELS[action]})

    now = timezone.now()
    from_status = locked.status
    locked.status = transition.target
    if transition.outcome is not None:
        locked.outcome = transition.outcome
        locked.closing_reason = reason
        locked.closed_at = now
    if transition.deadline_days_setting:
        locked.deadline_at = now + timedelta(days=getattr(settings, transition.deadline_days_setting))
    else:
        locked.deadline_at = None
    if action == Action.FILE:
        locked.filed_at = now
    locked.save(
        update_fields=["status", "outcome", "closing_reason", "closed_at", "deadline_at", "filed_at", "updated_at"]
    )
    log_action(
        case=locked,
        actor=actor,
        action=f"case.{action}",
        from_status=from_status,
        to_status=locked.status,
        meta=meta,
        data={"reason": reason, **(data or {})} if reason else dict(data or {}),
    )
    status_entered(locked)
    # A stage still waiting on its gates (e.g. fees for mediation) will never start from here.
    pending = PendingStage.objects.filter(case=locked).first()
    if pending is not None and (CaseStatus(locked.status), Action(pending.action)) not in TRANSITIONS:
        pending_drop(case=locked)
    broadcast_case_status(locked)
    copy_case_state(locked, case)
    return case


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


# What a transition changes on the case row.
STATE_FIELDS = ("status", "outcome", "closing_reason", "closed_at", "deadline_at", "filed_at")


def copy_case_state(source: Case, target: Case) -> None:
    """Keep the caller's instance current after changing a locked copy: it may go on to render or
    transition again."""
    for field in STATE_FIELDS:
        setattr(target, field, getattr(source, field))


@transaction.atomic
def case_deadline_extend(
    *, case: Case, until: datetime, actor: User | None, reason: str, meta: RequestMeta = SYSTEM
) -> Case:
    """Move the current stage's deadline later (an agreed or an administrator's extension), audited."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.deadline_at is None or not locked.is_open:
        raise TransitionError(str(_("This case has no running deadline to extend.")))
    if until <= locked.deadline_at:
        raise TransitionError(str(_("An extension must move the deadline later.")))
    previous = locked.deadline_at
    locked.deadline_at = until
    locked.save(update_fields=["deadline_at", "updated_at"])
    log_action(
        case=locked,
        actor=actor,
        action="case.deadline_extended",
        meta=meta,
        # Both in UTC, to the second: the record reads the same whatever time zone the request came in.
        data={"from": _utc(previous), "to": _utc(until), "reason": reason},
    )
    broadcast_case_status(locked)
    case.deadline_at = until
    return case


# Outcomes a case administrator may undo when the case was closed in error. A settled or awarded case
# has executed documents and obligations: it is never reopened.
REOPENABLE_OUTCOMES = (CaseOutcome.WITHDRAWN, CaseOutcome.EXPIRED, CaseOutcome.NO_RESPONSE, CaseOutcome.DECLINED)


@transaction.atomic
def case_reopen(*, case: Case, actor: User, reason: str, meta: RequestMeta = SYSTEM) -> Case:
    """A case administrator reopens a case closed in error: back to the stage it was closed from, with a
    fresh deadline of ``ODR_REOPENED_DEADLINE_DAYS``. The stage is resumed, not entered anew."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if Role.ADMINISTRATOR not in case_roles(actor, locked):
        raise TransitionError(str(_("Only a case administrator can reopen a case.")))
    if locked.status != CaseStatus.CLOSED or locked.outcome not in REOPENABLE_OUTCOMES:
        raise TransitionError(
            str(_("Only a case closed as withdrawn, expired, unanswered or declined can be reopened."))
        )
    if not reason.strip():
        raise TransitionError(str(_("Give the reason for reopening the case.")))
    closing = AuditEntry.objects.filter(case=locked, to_status=CaseStatus.CLOSED).order_by("-created_at", "-pk").first()
    previous = closing.from_status if closing is not None else ""
    if previous not in OPEN_STATUSES:
        raise TransitionError(str(_("The stage this case was closed from is not known, so it cannot be reopened.")))
    outcome = locked.outcome
    locked.status = previous
    locked.outcome = ""
    locked.closing_reason = ""
    locked.closed_at = None
    locked.deadline_at = timezone.now() + timedelta(days=settings.ODR_REOPENED_DEADLINE_DAYS)
    locked.save(update_fields=["status", "outcome", "closing_reason", "closed_at", "deadline_at", "updated_at"])
    log_action(
        case=locked,
        actor=actor,
        action="case.reopen",
        from_status=CaseStatus.CLOSED,
        to_status=previous,
        meta=meta,
        data={"reason": reason.strip()[:500], "outcome": outcome},
    )
    broadcast_case_status(locked)
    copy_case_state(locked, case)
    return case


def pending_drop(*, case: Case) -> None:
    """The case moved on another way: its pending stage will never start. Runs in the caller's transaction."""
    pending = PendingStage.objects.filter(case=case).first()
    if pending is None:
        return
    pending.delete()
    log_action(case=case, actor=None, action="stage.dropped", data={"action": pending.action})
    stage_dropped(case, Action(pending.action))
