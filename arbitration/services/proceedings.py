"""The written proceedings: each party's submissions (drafted privately, filed once, then seen by the
other party and the arbitrator) and the arbitrator's written questions with the parties' answers.

Deadlines bind: after its step falls due, a party can neither change nor file a submission until the
arbitrator extends it. A missing submission does not stop the case: the arbitrator proceeds on what
was filed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from arbitration.models import (
    ArbitrationPhase,
    Question,
    StepKind,
    Submission,
    SubmissionStatus,
    TimetableStep,
)
from arbitration.services.appointment import party_role_of, state_for_update
from arbitration.services.timetable import SUBMISSION_KINDS, require_arbitrator
from cases.audit import SYSTEM, RequestMeta, log_action
from cases.models import Case, DocumentKind, DocumentVersion, NeutralRole, PartyRole
from cases.money import in_cents
from cases.notifications import queue_email
from cases.services import ServiceError
from cases.services.evidence import document_upload, documents_release

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_STATEMENT = 50000
MAX_ATTACHMENTS = 20


def _other(role: str) -> str:
    return PartyRole.RESPONDENT if role == PartyRole.CLAIMANT else PartyRole.CLAIMANT


def step_open(step: TimetableStep, *, now: datetime | None = None) -> bool:
    """A party may work on this step: not yet due, and for a reply, the other side's main submission is
    filed (or its time is up), so there is something to reply to."""
    moment = now or timezone.now()
    if step.due_at <= moment:
        return False
    if step.kind != StepKind.REPLY:
        return True
    main_kind = StepKind.CLAIM if step.party_role == PartyRole.RESPONDENT else StepKind.DEFENCE
    main = TimetableStep.objects.filter(case_id=step.case_id, kind=main_kind).select_related("submission").first()
    if main is None:
        return False
    filed = hasattr(main, "submission") and main.submission.status == SubmissionStatus.FILED
    return filed or main.due_at <= moment


def _own_step_for_update(case: Case, user: User, step: TimetableStep) -> tuple[TimetableStep, Submission]:
    """The party's own step, locked, open for work; with its submission (created as a draft)."""
    state = state_for_update(case)
    role = party_role_of(case, user)
    if state.phase != ArbitrationPhase.PROCEEDINGS:
        raise ServiceError(_("Submissions open once the arbitrator has set the timetable."))
    locked = TimetableStep.objects.select_for_update().filter(pk=step.pk, case=case).first()
    if locked is None or locked.kind not in SUBMISSION_KINDS:
        raise ServiceError(_("No such submission in this case's timetable."))
    if locked.party_role != role:
        raise ServiceError(_("That submission is the other party's. You can only file your own."))
    submission, _created = Submission.objects.select_for_update().get_or_create(
        step=locked, defaults={"case": case, "party_role": role}
    )
    if submission.status == SubmissionStatus.FILED:
        raise ServiceError(_("This submission is filed and can no longer change."))
    if locked.due_at <= timezone.now():
        raise ServiceError(_("The deadline for this submission has passed. Ask the arbitrator for an extension."))
    if not step_open(locked):
        raise ServiceError(_("You can reply once the other party's submission is filed or its deadline has passed."))
    return locked, submission


@transaction.atomic
def submission_save(
    *,
    case: Case,
    user: User,
    step: TimetableStep,
    statement: str,
    amount: Decimal | None = None,
    meta: RequestMeta = SYSTEM,
) -> Submission:
    """Save the party's draft (seen by nobody else)."""
    locked_case = Case.objects.select_for_update().get(pk=case.pk)
    locked, submission = _own_step_for_update(locked_case, user, step)
    if len(statement) > MAX_STATEMENT:
        raise ServiceError(_("The statement is too long."), field="statement")
    if amount is not None:
        if locked.kind == StepKind.REPLY:
            amount = None
        elif amount < 0 or not in_cents(amount):
            raise ServiceError(_("Enter the sum in HK$, to the cent."), field="amount")
    submission.statement = statement.strip()
    submission.amount = amount
    submission.save(update_fields=["statement", "amount", "updated_at"])
    return submission


@transaction.atomic
def submission_attach(
    *,
    case: Case,
    user: User,
    step: TimetableStep,
    upload: UploadedFile,
    title: str = "",
    meta: RequestMeta = SYSTEM,
) -> DocumentVersion:
    """Add a supporting document to the draft: stored and checked like all evidence, but withheld from
    the other side until the submission is filed."""
    locked_case = Case.objects.select_for_update().get(pk=case.pk)
    _locked, submission = _own_step_for_update(locked_case, user, step)
    if submission.documents.count() >= MAX_ATTACHMENTS:
        raise ServiceError(_("A submission can have at most %(count)s documents.") % {"count": MAX_ATTACHMENTS})
    version = document_upload(
        case=locked_case,
        user=user,
        upload=upload,
        title=title,
        kind=DocumentKind.SUBMISSION,
        withheld=True,
        meta=meta,
    )
    submission.documents.add(version.document)
    return version


@transaction.atomic
def submission_file(*, case: Case, user: User, step: TimetableStep, meta: RequestMeta = SYSTEM) -> Submission:
    """File the draft: final. The other party and the arbitrator see it, with its documents, at once."""
    locked_case = Case.objects.select_for_update().get(pk=case.pk)
    locked, submission = _own_step_for_update(locked_case, user, step)
    if not submission.statement.strip():
        raise ServiceError(_("Write your statement before filing it."), field="statement")
    submission.status = SubmissionStatus.FILED
    submission.filed_at = timezone.now()
    submission.filed_by = user
    submission.save(update_fields=["status", "filed_at", "filed_by", "updated_at"])
    documents_release(case=locked_case, document_ids=list(submission.documents.values_list("pk", flat=True)))
    log_action(
        case=locked_case,
        actor=user,
        action="arbitration.filed",
        meta=meta,
        data={"step": locked.kind, "party": locked.party_role, "documents": submission.documents.count()},
    )
    _award_due_from_last_filing(locked_case, submission.filed_at)
    recipients = [
        p.user.email for p in locked_case.parties.filter(role=_other(locked.party_role)).select_related("user")
    ]
    recipients += [
        a.user.email
        for a in locked_case.assignments.filter(active=True, role=NeutralRole.ARBITRATOR).select_related("user")
    ]
    queue_email(to=recipients, template="arbitration_filed", context={"case": locked_case, "step": locked})
    return submission


def _award_due_from_last_filing(case: Case, filed_at: datetime) -> None:
    """Everything is in: the award is due a set time after the last submission, if that is sooner."""
    steps = TimetableStep.objects.filter(case=case, kind__in=SUBMISSION_KINDS)
    if Submission.objects.filter(step__in=steps, status=SubmissionStatus.FILED).count() < steps.count():
        return
    award = TimetableStep.objects.select_for_update().filter(case=case, kind=StepKind.AWARD).first()
    due = filed_at + timedelta(days=settings.ODR_ARBITRATION_AWARD_DAYS)
    if award is not None and due < award.due_at:
        award.due_at = due
        award.save(update_fields=["due_at"])
        case.deadline_at = due
        case.save(update_fields=["deadline_at", "updated_at"])
        log_action(case=case, actor=None, action="arbitration.award_due", data={"due_at": due.isoformat()})


def ready_for_award(case: Case, *, now: datetime | None = None) -> bool:
    """Every submission is filed or its time is up: the arbitrator may decide on what was filed."""
    moment = now or timezone.now()
    steps = list(TimetableStep.objects.filter(case=case, kind__in=SUBMISSION_KINDS).select_related("submission"))
    if not steps:
        return False
    return all(
        step.due_at <= moment or (hasattr(step, "submission") and step.submission.status == SubmissionStatus.FILED)
        for step in steps
    )


@transaction.atomic
def question_ask(
    *, case: Case, user: User, to_role: str, text: str, due_at: datetime | None = None, meta: RequestMeta = SYSTEM
) -> Question:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    state = state_for_update(locked)
    require_arbitrator(locked, user)
    if state.phase != ArbitrationPhase.PROCEEDINGS:
        raise ServiceError(_("Questions can be put once the timetable is set."))
    if to_role not in PartyRole.values:
        raise ServiceError(_("Choose the party the question is for."), field="to_role")
    if not text.strip():
        raise ServiceError(_("Write the question."), field="text")
    due = due_at or timezone.now() + timedelta(days=settings.ODR_ARBITRATION_QUESTION_DAYS)
    if due <= timezone.now():
        raise ServiceError(_("The answer must be due in the future."), field="due_at")
    question = Question.objects.create(
        case=locked, to_role=to_role, text=text.strip()[:10000], asked_by=user, due_at=due
    )
    log_action(case=locked, actor=user, action="arbitration.question", meta=meta, data={"to": to_role})
    emails = [p.user.email for p in locked.parties.select_related("user")]
    queue_email(to=emails, template="arbitration_question", context={"case": locked, "question": question})
    return question


@transaction.atomic
def question_answer(*, question: Question, user: User, answer: str, meta: RequestMeta = SYSTEM) -> Question:
    locked = Question.objects.select_for_update().select_related("case").get(pk=question.pk)
    case = Case.objects.select_for_update().get(pk=locked.case_id)
    state_for_update(case)
    role = party_role_of(case, user)
    if role != locked.to_role:
        raise ServiceError(_("This question is for the other party."))
    if locked.answered_at is not None:
        raise ServiceError(_("You have already answered this question."))
    if locked.due_at <= timezone.now():
        raise ServiceError(_("The time to answer has passed."))
    if not answer.strip():
        raise ServiceError(_("Write your answer."), field="answer")
    locked.answer = answer.strip()[:MAX_STATEMENT]
    locked.answered_by = user
    locked.answered_at = timezone.now()
    locked.save(update_fields=["answer", "answered_by", "answered_at"])
    log_action(case=case, actor=user, action="arbitration.answered", meta=meta, data={"role": role})
    recipients = [p.user.email for p in case.parties.filter(role=_other(role)).select_related("user")]
    recipients.append(locked.asked_by.email)
    queue_email(to=recipients, template="arbitration_answered", context={"case": case, "question": locked})
    return locked
