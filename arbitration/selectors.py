"""Reads for the arbitration pages and documents. Who sees what is decided here: a party sees its own
drafts and everything filed; the arbitrator and administrators see only what is filed. Of the documents
the platform issues (declaration, awards), a page offers only what its reader may download
(``documents.access``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.functional import Promise

from arbitration.models import (
    ArbitrationState,
    ArbitratorAppointment,
    ArbitratorProfile,
    ArbitratorRanking,
    Award,
    AwardStatus,
    Question,
    StepKind,
    Submission,
    SubmissionStatus,
    TimetableStep,
)
from arbitration.services.appointment import (
    current_appointment,
    eligible_arbitrators,
    former_mediator_on_panel,
    mediator_waived_by,
)
from arbitration.services.award import correction_deadline, current_draft_award, issued_document_of
from arbitration.services.proceedings import ready_for_award, step_open
from cases.models import AuditEntry, Case, CaseOutcome, CaseStatus, Document, DocumentVersion, PartyRole
from cases.money import hkd_in_words_en, hkd_in_words_zh
from cases.roles import Role, Roles, party_role_in
from documents.access import may_download
from documents.models import IssuedDocument, IssuedKind, IssuedStatus


@dataclass(slots=True)
class StepView:
    step: TimetableStep
    submission: Submission | None  # None when the viewer may not see it (someone else's draft) or none yet
    mine: bool
    open: bool
    documents: list[Document] = field(default_factory=list)
    extension_reason: str = ""  # the latest extension's, as the parties were emailed it

    @property
    def filed(self) -> bool:
        return self.submission is not None and self.submission.status == SubmissionStatus.FILED

    @property
    def overdue(self) -> bool:
        return not self.filed and self.step.due_at <= timezone.now()


@dataclass(slots=True)
class AwardView:
    award: Award
    document: IssuedDocument | None


@dataclass(slots=True)
class ArbitrationOverview:
    state: ArbitrationState | None
    appointment: ArbitratorAppointment | None
    eligible: list[ArbitratorProfile]
    my_ranking: list[int]
    parties_ranked: set[str]
    former_mediator: ArbitratorProfile | None
    waived_by: set[str]
    steps: list[StepView]
    award_step: TimetableStep | None
    questions: list[Question]
    issued_awards: list[AwardView]
    draft_award: Award | None
    draft_document: IssuedDocument | None
    ready_for_award: bool
    can_correct: bool
    correction_until: date | None
    declaration: IssuedDocument | None
    party_role: str | None
    is_arbitrator: bool
    is_administrator: bool

    @property
    def next_step(self) -> TimetableStep | None:
        now = timezone.now()
        upcoming = [v.step for v in self.steps if not v.filed and v.step.due_at > now]
        if self.award_step is not None and not self.issued_awards:
            upcoming.append(self.award_step)
        return min(upcoming, key=lambda s: s.due_at) if upcoming else None


def _downloadable(document: IssuedDocument | None, roles: Roles) -> IssuedDocument | None:
    """The document, if the page's reader may download it (``documents.access``); else None."""
    return document if document is not None and may_download(document, roles) else None


def _documents(submission: Submission) -> list[Document]:
    return list(submission.documents.all())


def _issued_award_documents(case: Case) -> dict[str, IssuedDocument]:
    """The sealed document of each issued award of the case, by the award's subject, in one query. Each
    correction's document is given the document it corrects from the same list, so that its title
    ("Correction 1 of the award V-...") is written without asking for the chain back to the first award."""
    documents = list(
        IssuedDocument.objects.filter(case=case, kind=IssuedKind.ARBITRAL_AWARD, status=IssuedStatus.EXECUTED)
    )
    by_pk = {document.pk: document for document in documents}
    by_subject: dict[str, IssuedDocument] = {}
    for document in documents:
        if document.corrects_id in by_pk:
            document.corrects = by_pk[document.corrects_id]
        by_subject.setdefault(document.subject, document)  # the first in order, as issued_document_of
    return by_subject


def _extension_reasons(case: Case) -> dict[tuple[str, str], str]:
    """The reason given for each step's latest extension, keyed by (step kind, party role), from the audit
    entries that record them."""
    entries = AuditEntry.objects.filter(case=case, action="arbitration.deadline_extended").order_by("pk")
    reasons: dict[tuple[str, str], str] = {}
    for entry in entries:
        reasons[(entry.data.get("step", ""), entry.data.get("party", ""))] = entry.data.get("reason", "")
    return reasons


def _timetable(case: Case) -> list[TimetableStep]:
    """Every step of the case's timetable, the award's included, with each submission's documents and
    their versions (newest first)."""
    documents = Prefetch(
        "submission__documents",
        queryset=Document.objects.prefetch_related(
            Prefetch("versions", queryset=DocumentVersion.objects.order_by("-number"))
        ),
    )
    return list(TimetableStep.objects.filter(case=case).select_related("submission").prefetch_related(documents))


def _step_views(case: Case, all_steps: list[TimetableStep], party_role: str | None) -> list[StepView]:
    """The parties' steps (not the award's) as the reader sees them: a submission only when it is the
    reader's own or has been filed."""
    steps = []
    reasons = _extension_reasons(case) if any(step.extensions for step in all_steps) else {}
    for step in all_steps:
        if step.kind == StepKind.AWARD:
            continue
        submission = getattr(step, "submission", None)
        mine = step.party_role == party_role
        visible = submission is not None and (mine or submission.status == SubmissionStatus.FILED)
        steps.append(
            StepView(
                step=step,
                submission=submission if visible else None,
                mine=mine,
                open=mine and step_open(step) and not (submission and submission.status == SubmissionStatus.FILED),
                documents=_documents(submission) if visible and submission is not None else [],
                extension_reason=reasons.get((step.kind, step.party_role), ""),
            )
        )
    return steps


def _issued_award_views(case: Case, roles: Roles) -> list[AwardView]:
    """The issued awards and corrections in order, each with its sealed document if the reader may
    download it."""
    awards = list(
        Award.objects.filter(case=case, status=AwardStatus.ISSUED).select_related("corrects").order_by("number")
    )
    award_documents = _issued_award_documents(case) if awards else {}
    return [
        AwardView(award=award, document=_downloadable(award_documents.get(award.subject), roles)) for award in awards
    ]


def _draft_award_document(case: Case, draft_award: Award | None, roles: Roles) -> IssuedDocument | None:
    """The rendered draft of the award being written, with its signatures, if the reader may download it."""
    return _downloadable(
        IssuedDocument.objects.filter(
            case=case, kind=IssuedKind.ARBITRAL_AWARD, subject=draft_award.subject, status=IssuedStatus.DRAFT
        )
        .prefetch_related("signatures")
        .first()
        if draft_award is not None
        else None,
        roles,
    )


def _declaration(case: Case, appointment: ArbitratorAppointment | None, roles: Roles) -> IssuedDocument | None:
    """The current arbitrator's sealed declaration of independence, if the reader may download it."""
    return _downloadable(
        IssuedDocument.objects.filter(
            case=case,
            kind=IssuedKind.DECLARATION_OF_INDEPENDENCE,
            status=IssuedStatus.EXECUTED,
            subject=appointment.declaration_subject,
        ).first()
        if appointment is not None
        else None,
        roles,
    )


def _may_correct(case: Case, *, is_arbitrator: bool, draft_award: Award | None, correction_until: date | None) -> bool:
    """The arbitrator may start a correction of an issued award, none being drafted, until its deadline."""
    return bool(
        is_arbitrator
        and case.outcome == CaseOutcome.AWARD_ISSUED
        and draft_award is None
        and correction_until is not None
        and timezone.localdate() <= correction_until
    )


def arbitration_overview(case: Case, roles: Roles) -> ArbitrationOverview:
    party_role = party_role_in(roles)
    is_arbitrator = Role.ARBITRATOR in roles
    state = ArbitrationState.objects.filter(case=case).first()
    rankings = list(ArbitratorRanking.objects.filter(case=case).order_by("party_role", "rank"))
    all_steps = _timetable(case)
    steps = _step_views(case, all_steps, party_role)
    issued = _issued_award_views(case, roles)
    draft_award = current_draft_award(case) if is_arbitrator else None
    draft_document = _draft_award_document(case, draft_award, roles)
    first = issued[0].award if issued else None
    correction_until = correction_deadline(first) if first is not None else None
    former_mediator = former_mediator_on_panel(case) if case.status == CaseStatus.ARBITRATION else None
    appointment = current_appointment(case)
    return ArbitrationOverview(
        state=state,
        appointment=appointment,
        eligible=eligible_arbitrators(case) if (party_role or Role.ADMINISTRATOR in roles) and state else [],
        my_ranking=[r.arbitrator_id for r in rankings if r.party_role == party_role],
        parties_ranked={r.party_role for r in rankings},
        former_mediator=former_mediator,
        waived_by=mediator_waived_by(former_mediator, case) if former_mediator else set(),
        steps=steps,
        award_step=next((s for s in all_steps if s.kind == StepKind.AWARD), None),
        questions=list(Question.objects.filter(case=case).select_related("asked_by")),
        issued_awards=issued,
        draft_award=draft_award,
        draft_document=draft_document,
        ready_for_award=is_arbitrator and case.status == CaseStatus.ARBITRATION and ready_for_award(case),
        can_correct=_may_correct(
            case, is_arbitrator=is_arbitrator, draft_award=draft_award, correction_until=correction_until
        ),
        correction_until=correction_until,
        declaration=_declaration(case, appointment, roles),
        party_role=party_role,
        is_arbitrator=is_arbitrator,
        is_administrator=Role.ADMINISTRATOR in roles,
    )


def award_document_context(document: IssuedDocument) -> dict[str, object]:
    """What the award's PDF shows besides the case and parties: the award, what it corrects, the
    submissions and questions it was decided on, and the net sum in words in both languages."""
    from arbitration.services.award import award_of

    award = award_of(document)
    if award is None:
        return {}
    corrected = issued_document_of(award.corrects) if award.corrects is not None else None
    filed = list(
        Submission.objects.filter(case=award.case, status=SubmissionStatus.FILED)
        .select_related("step")
        .order_by("filed_at")
    )
    appointment = current_appointment(award.case)
    return {
        "award": award,
        "corrected_document": corrected,
        "filed_submissions": filed,
        "questions": list(Question.objects.filter(case=award.case)),
        "arbitrator": appointment.arbitrator if appointment else None,
        "net_words_en": hkd_in_words_en(award.net_amount) if award.net_amount > Decimal("0") else "",
        "net_words_zh": hkd_in_words_zh(award.net_amount) if award.net_amount > Decimal("0") else "",
        "claimant_role": PartyRole.CLAIMANT,
        "signature_note": _signature_note(),
    }


def _signature_note() -> Promise:
    # Lazy: a bilingual award renders it once in each language.
    from django.utils.translation import gettext_lazy

    return gettext_lazy(
        "The arbitrator signed this award online after re-entering their password; the platform then sealed "
        "it and issued it to both parties at the same time."
    )


def proposals_for(user: User) -> list[ArbitratorAppointment]:
    return list(
        ArbitratorAppointment.objects.filter(arbitrator__user=user, status="proposed").select_related(
            "case", "arbitrator"
        )
    )
