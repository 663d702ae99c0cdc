"""The arbitrator's timetable: dated steps for each party's submissions and for the award, extensions
with a reason (audited), and reminders before each step falls due."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from arbitration.models import (
    ArbitrationPhase,
    StepKind,
    StepReminder,
    Submission,
    SubmissionStatus,
    TimetableStep,
)
from arbitration.services.appointment import state_for_update
from cases.audit import SYSTEM, RequestMeta, log_action
from cases.models import Case, CaseStatus, NeutralRole, PartyRole
from cases.notifications import queue_email
from cases.realtime import broadcast_case_status
from cases.services import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SUBMISSION_KINDS = (StepKind.CLAIM, StepKind.DEFENCE, StepKind.REPLY)


def require_arbitrator(case: Case, user: User) -> None:
    if not case.assignments.filter(user=user, role=NeutralRole.ARBITRATOR, active=True).exists():
        raise ServiceError(_("Only the appointed arbitrator can do this."))


def default_dates(now: datetime | None = None) -> dict[str, datetime]:
    """The timetable the arbitrator starts from (settings), each step due at the end of its day."""
    start = timezone.localtime(now or timezone.now()).replace(hour=23, minute=59, second=0, microsecond=0)
    return {
        "claim_due": start + timedelta(days=settings.ODR_ARBITRATION_CLAIM_DAYS),
        "defence_due": start + timedelta(days=settings.ODR_ARBITRATION_DEFENCE_DAYS),
        "reply_due": start + timedelta(days=settings.ODR_ARBITRATION_REPLY_DAYS),
    }


def _set_case_deadline(case: Case, award_due: datetime) -> None:
    """The stage's deadline on the case page is the award's (arbitration is not closed by the sweep)."""
    case.deadline_at = award_due
    case.save(update_fields=["deadline_at", "updated_at"])
    broadcast_case_status(case)


@transaction.atomic
def timetable_set(
    *,
    case: Case,
    user: User,
    claim_due: datetime,
    defence_due: datetime,
    reply_due: datetime,
    meta: RequestMeta = SYSTEM,
) -> list[TimetableStep]:
    """The arbitrator fixes the timetable once appointed; later changes are extensions, with reasons."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    state = state_for_update(locked)
    require_arbitrator(locked, user)
    if state.phase != ArbitrationPhase.APPOINTED or TimetableStep.objects.filter(case=locked).exists():
        raise ServiceError(_("The timetable is already set. Extend a deadline instead."))
    now = timezone.now()
    if claim_due <= now:
        raise ServiceError(_("The statement of claim must be due in the future."), field="claim_due")
    if not claim_due < defence_due:
        raise ServiceError(_("The defence must be due after the statement of claim."), field="defence_due")
    if not defence_due < reply_due:
        raise ServiceError(_("Replies must be due after the defence."), field="reply_due")
    latest = now + timedelta(days=settings.ODR_ARBITRATION_SUBMISSIONS_DAYS)
    if reply_due > latest:
        raise ServiceError(
            _("All submissions must be due within %(days)s days. Extend a deadline later if a party needs more time.")
            % {"days": settings.ODR_ARBITRATION_SUBMISSIONS_DAYS},
            field="reply_due",
        )
    award_due = reply_due + timedelta(days=settings.ODR_ARBITRATION_AWARD_DAYS)
    steps = TimetableStep.objects.bulk_create(
        [
            TimetableStep(case=locked, kind=StepKind.CLAIM, party_role=PartyRole.CLAIMANT, due_at=claim_due),
            TimetableStep(case=locked, kind=StepKind.DEFENCE, party_role=PartyRole.RESPONDENT, due_at=defence_due),
            TimetableStep(case=locked, kind=StepKind.REPLY, party_role=PartyRole.CLAIMANT, due_at=reply_due),
            TimetableStep(case=locked, kind=StepKind.REPLY, party_role=PartyRole.RESPONDENT, due_at=reply_due),
            TimetableStep(case=locked, kind=StepKind.AWARD, party_role="", due_at=award_due),
        ]
    )
    state.phase = ArbitrationPhase.PROCEEDINGS
    state.save(update_fields=["phase"])
    _set_case_deadline(locked, award_due)
    log_action(
        case=locked,
        actor=user,
        action="arbitration.timetable_set",
        meta=meta,
        data={
            "claim_due": claim_due.isoformat(),
            "defence_due": defence_due.isoformat(),
            "reply_due": reply_due.isoformat(),
            "award_due": award_due.isoformat(),
        },
    )
    emails = [party.user.email for party in locked.parties.select_related("user")]
    queue_email(to=emails, template="arbitration_timetable", context={"case": locked, "steps": steps})
    case.deadline_at = locked.deadline_at
    return steps


def award_step(case: Case) -> TimetableStep | None:
    return TimetableStep.objects.filter(case=case, kind=StepKind.AWARD).first()


def _award_due_after(case: Case, step: TimetableStep) -> None:
    """The award stays due a set time after the last submission may come in."""
    award = TimetableStep.objects.select_for_update().filter(case=case, kind=StepKind.AWARD).first()
    earliest = step.due_at + timedelta(days=settings.ODR_ARBITRATION_AWARD_DAYS)
    if award is not None and award.due_at < earliest:
        award.due_at = earliest
        award.save(update_fields=["due_at"])
        _set_case_deadline(case, earliest)


# The step that must stay due after each submission, as ``timetable_set`` orders them. The award follows the
# replies by itself (``_award_due_after``).
_FOLLOWED_BY = {StepKind.CLAIM: StepKind.DEFENCE, StepKind.DEFENCE: StepKind.REPLY}


def _refuse_out_of_order(case: Case, step: TimetableStep, until: datetime) -> None:
    """An extension keeps the timetable in the order it was set: a submission stays due before the one that
    answers it. The arbitrator extends the later step first (refused rather than moved silently, so the
    parties are never told of a change to a deadline nobody chose)."""
    following = _FOLLOWED_BY.get(StepKind(step.kind))
    if following is None:
        return
    later = TimetableStep.objects.filter(case=case, kind=following).order_by("due_at").first()
    if later is None or until < later.due_at:
        return
    messages = {
        StepKind.DEFENCE: _(
            "The statement of claim would then be due after the defence (due %(when)s). "
            "Extend the defence first, to a later date."
        ),
        StepKind.REPLY: _(
            "The defence would then be due after the replies (due %(when)s). Extend the replies first, to a later date."
        ),
    }
    when = date_format(timezone.localtime(later.due_at), "DATETIME_FORMAT")
    raise ServiceError(messages[following] % {"when": when}, field="until")


@transaction.atomic
def deadline_extend(
    *, case: Case, user: User, step: TimetableStep, until: datetime, reason: str, meta: RequestMeta = SYSTEM
) -> TimetableStep:
    """The arbitrator moves one step's deadline later, with a reason: a party may then file (or change a
    draft) again until the new date."""
    locked_case = Case.objects.select_for_update().get(pk=case.pk)
    state_for_update(locked_case)
    require_arbitrator(locked_case, user)
    locked = TimetableStep.objects.select_for_update().filter(pk=step.pk, case=locked_case).first()
    if locked is None:
        raise ServiceError(_("No such step in this case's timetable."))
    if not reason.strip():
        raise ServiceError(_("Give the reason for the extension."), field="reason")
    if until <= max(locked.due_at, timezone.now()):
        raise ServiceError(_("An extension must move the deadline later, into the future."), field="until")
    if locked.kind != StepKind.AWARD:
        filed = Submission.objects.filter(step=locked, status=SubmissionStatus.FILED).exists()
        if filed:
            raise ServiceError(_("That submission is already filed; there is nothing to extend."))
        _refuse_out_of_order(locked_case, locked, until)
    previous = locked.due_at
    locked.due_at = until
    locked.extensions += 1
    locked.save(update_fields=["due_at", "extensions"])
    if locked.kind == StepKind.AWARD:
        _set_case_deadline(locked_case, until)
    else:
        _award_due_after(locked_case, locked)
    log_action(
        case=locked_case,
        actor=user,
        action="arbitration.deadline_extended",
        meta=meta,
        data={
            "step": locked.kind,
            "party": locked.party_role,
            "from": previous.isoformat(),
            "to": until.isoformat(),
            "reason": reason.strip()[:500],
        },
    )
    emails = [party.user.email for party in locked_case.parties.select_related("user")]
    queue_email(
        to=emails,
        template="arbitration_extended",
        context={"case": locked_case, "step": locked, "reason": reason.strip()[:500]},
    )
    case.deadline_at = locked_case.deadline_at
    return locked


def _reminder_recipients(step: TimetableStep) -> list[str]:
    if step.kind == StepKind.AWARD:
        return [a.user.email for a in step.case.assignments.filter(active=True, role=NeutralRole.ARBITRATOR)]
    return [p.user.email for p in step.case.parties.filter(role=step.party_role).select_related("user")]


def step_reminders_send(*, now: datetime | None = None) -> int:
    """Before each open step falls due (``ODR_REMINDER_HOURS``), one email to whoever must act, never twice."""
    moment = now or timezone.now()
    hours_list = sorted(set(settings.ODR_REMINDER_HOURS))
    if not hours_list:
        return 0
    sent = 0
    upcoming = (
        TimetableStep.objects.filter(
            case__status=CaseStatus.ARBITRATION,
            due_at__gt=moment,
            due_at__lte=moment + timedelta(hours=hours_list[-1]),
        )
        .exclude(submission__status=SubmissionStatus.FILED)
        .select_related("case")
    )
    for step in upcoming:
        if step.kind == StepKind.AWARD and step.case.awards.filter(status="issued").exists():
            continue
        crossed = [h for h in hours_list if step.due_at <= moment + timedelta(hours=h)]
        try:
            with transaction.atomic():
                _reminder, created = StepReminder.objects.get_or_create(
                    step=step, due_at=step.due_at, hours_before=min(crossed)
                )
                if not created:
                    continue
                for hours in crossed:
                    StepReminder.objects.get_or_create(step=step, due_at=step.due_at, hours_before=hours)
                queue_email(
                    to=_reminder_recipients(step),
                    template="arbitration_reminder",
                    context={"case": step.case, "step": step, "hours": min(crossed)},
                )
        except IntegrityError:
            continue  # a concurrent sweep sent it first
        sent += 1
    return sent
