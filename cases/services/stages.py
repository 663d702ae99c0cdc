"""Starting a stage: at once when no stage gate holds it, otherwise once every gate opens.

Stages that may cost a fee go through here rather than straight to ``case_transition``: the claim
reaching the respondent, the respondent's answer opening negotiation, and the moves to mediation and
arbitration.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.hooks import holding_reasons
from cases.lifecycle import TRANSITIONS, Action, case_transition, copy_case_state, pending_drop
from cases.models import Case, CaseStatus, PendingStage
from cases.services.invitations import invitation_send

if TYPE_CHECKING:
    from django.contrib.auth.models import User

GATED_ACTIONS = frozenset({Action.INVITE, Action.RESPOND, Action.ESCALATE_TO_MEDIATION, Action.ESCALATE_TO_ARBITRATION})


def _apply(case: Case, action: Action, actor: User | None, meta: RequestMeta, data: dict[str, Any]) -> None:
    if action == Action.INVITE:
        # The respondent hears of the claim only once it may go ahead.
        invitation_send(case=case, actor=actor, meta=meta)
        actor = None  # the platform sends the claim on; the claimant asked for it when filing
    case_transition(case=case, action=action, actor=actor, meta=meta, data=data)


@transaction.atomic
def stage_advance(
    *, case: Case, action: Action, actor: User | None, meta: RequestMeta = SYSTEM, data: dict[str, Any] | None = None
) -> bool:
    """Start the stage ``action`` leads to, or record it as pending behind its gates. True if it started.

    While a stage is pending, the current stage's deadline is kept at least ``ODR_FEE_PAYMENT_DAYS``
    away, so that paying the fee is not a race against the clock.
    """
    locked = Case.objects.select_for_update().get(pk=case.pk)
    data = dict(data or {})
    reasons = holding_reasons(locked, action) if action in GATED_ACTIONS else []
    if not reasons:
        PendingStage.objects.filter(case=locked).delete()
        _apply(locked, action, actor, meta, data)
        copy_case_state(locked, case)
        return True
    PendingStage.objects.update_or_create(case=locked, defaults={"action": action, "requested_by": actor, "data": data})
    payment_deadline = timezone.now() + timedelta(days=settings.ODR_FEE_PAYMENT_DAYS)
    if locked.deadline_at is not None and locked.deadline_at < payment_deadline:
        locked.deadline_at = payment_deadline
        locked.save(update_fields=["deadline_at", "updated_at"])
    log_action(
        case=locked,
        actor=actor,
        action="stage.held",
        meta=meta,
        data={"action": str(action), "reasons": reasons, "deadline_at": _iso(locked)},
    )
    copy_case_state(locked, case)
    return False


@transaction.atomic
def stage_release(*, case: Case, meta: RequestMeta = SYSTEM) -> bool:
    """A gate may have opened: start the case's pending stage if none holds it any more. True if it started.

    Gate owners call this in the transaction that settled their condition (e.g. the payment that
    settled the last fee), so the stage starts with it or not at all.
    """
    locked = Case.objects.select_for_update().get(pk=case.pk)
    pending = PendingStage.objects.filter(case=locked).select_related("requested_by").first()
    if pending is None:
        return False
    action = Action(pending.action)
    if (CaseStatus(locked.status), action) not in TRANSITIONS:
        pending_drop(case=locked)
        return False
    if holding_reasons(locked, action):
        return False
    pending.delete()
    _apply(locked, action, pending.requested_by, meta, {**pending.data, "held_since": pending.requested_at.isoformat()})
    copy_case_state(locked, case)
    return True


def _iso(case: Case) -> str | None:
    return case.deadline_at.isoformat() if case.deadline_at else None
