"""The deadline sweep: closes or advances cases whose stage ran out, and sends reminders before that."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.hooks import sweep_jobs
from cases.lifecycle import Action, TransitionError, case_transition
from cases.models import ArbitrationEntry, Case, CaseStatus, DeadlineReminder, PendingStage
from cases.notifications import queue_email
from cases.realtime import broadcast_on_commit
from cases.services.arbitration_entry import both_consent as both_arbitrate
from cases.services.arbitration_entry import closing_action
from cases.services.stages import stage_advance

logger = logging.getLogger(__name__)

# Stages whose end the sweep enforces. Arbitration is left to the arbitrator, who may proceed on
# what was filed; an overdue award shows on the administrators' dashboard instead.
ENFORCED_STATUSES = (CaseStatus.AWAITING_RESPONSE, CaseStatus.NEGOTIATION, CaseStatus.MEDIATION)


def _expiry_action(case: Case, *, held: bool) -> Action:
    """What the end of the stage does; ``held``: the next stage already waits on its fees, which were
    not paid in time either."""
    parties = list(case.parties.all())
    if case.status == CaseStatus.NEGOTIATION:
        both_consent = len(parties) == 2 and all(p.consents_to_mediation for p in parties)
        return Action.ESCALATE_TO_MEDIATION if both_consent and not held else Action.EXPIRE
    if case.status == CaseStatus.MEDIATION:
        entry = ArbitrationEntry.objects.filter(case=case).first()
        if both_arbitrate(case) and not held:
            return Action.ESCALATE_TO_ARBITRATION
        # The mediator recorded how mediation ended: the case closes with that outcome.
        return closing_action(entry) if entry is not None else Action.EXPIRE
    return Action.EXPIRE


def _recipients(case: Case) -> list[str]:
    """Who must act before the deadline."""
    if case.status == CaseStatus.AWAITING_RESPONSE:
        return [case.respondent_email]
    emails = [p.user.email for p in case.parties.select_related("user").all()]
    emails += [a.user.email for a in case.assignments.filter(active=True).select_related("user")]
    return emails


@transaction.atomic
def _expire_one(case_id: int, now: datetime) -> bool:
    case = Case.objects.select_for_update().get(pk=case_id)
    # Re-read under the lock: the stage may have moved on or the deadline been extended meanwhile.
    if case.status not in ENFORCED_STATUSES or case.deadline_at is None or case.deadline_at > now:
        return False
    action = _expiry_action(case, held=PendingStage.objects.filter(case=case).exists())
    data = {"deadline_at": case.deadline_at.isoformat()}
    if action not in (Action.ESCALATE_TO_MEDIATION, Action.ESCALATE_TO_ARBITRATION):
        case_transition(case=case, action=action, actor=None, data=data)
    elif not stage_advance(case=case, action=action, actor=None, data=data):
        return True
    queue_email(to=_recipients(case), template="deadline_passed", context={"case": case})
    return True


def _remind(now: datetime) -> int:
    """One reminder per threshold crossed (e.g. 48 h and 24 h before), never two for the same one.

    A case first seen inside several thresholds at once gets a single reminder for the nearest.
    """
    hours_list = sorted(set(settings.ODR_REMINDER_HOURS))
    if not hours_list:
        return 0
    sent = 0
    upcoming = Case.objects.filter(
        status__in=ENFORCED_STATUSES, deadline_at__gt=now, deadline_at__lte=now + timedelta(hours=hours_list[-1])
    ).prefetch_related("reminders")
    for case in upcoming:
        assert case.deadline_at is not None
        crossed = [h for h in hours_list if case.deadline_at <= now + timedelta(hours=h)]
        already = {r.hours_before for r in case.reminders.all() if r.deadline_at == case.deadline_at}
        if min(crossed) in already:
            continue
        try:
            with transaction.atomic():
                for hours in crossed:
                    if hours not in already:
                        DeadlineReminder.objects.create(case=case, deadline_at=case.deadline_at, hours_before=hours)
                queue_email(
                    to=_recipients(case), template="deadline_reminder", context={"case": case, "hours": min(crossed)}
                )
                # Anyone in the case's room sees it at once too.
                broadcast_on_commit(
                    case.pk, {"kind": "notice", "data": {"code": "deadline_near", "hours": min(crossed)}}
                )
        except IntegrityError:
            continue  # a concurrent sweep sent it first
        sent += 1
    return sent


def deadlines_sweep(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    expired = 0
    overdue = Case.objects.filter(status__in=ENFORCED_STATUSES, deadline_at__lte=now).values_list("pk", flat=True)
    for case_id in list(overdue):
        try:
            expired += _expire_one(case_id, now)
        except TransitionError as exc:
            logger.warning("deadline sweep skipped case %s: %s", case_id, exc.message)
    reminded = _remind(now)
    counts = {"expired": expired, "reminded": reminded}
    # Other apps' timed work (e.g. the negotiation room's expired offers and digests, session reminders).
    for name, job in sweep_jobs().items():
        try:
            counts[name] = job(now)
        except Exception:
            logger.exception("deadline sweep job %s failed; the rest of the sweep went on", name)
    return counts
