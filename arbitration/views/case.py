"""The case's arbitration page: appointment, timetable, submissions, questions and the award.

One GET page and one POST endpoint per action; each action is a form plus a service call, and a refused
form re-renders the page with its messages (status 400), keeping what was typed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from arbitration.forms import (
    AnswerForm,
    AppointForm,
    ArbitratorSignForm,
    AttachForm,
    AwardForm,
    ExtendForm,
    QuestionForm,
    ReasonForm,
    StepForm,
    SubmissionForm,
    TimetableForm,
    WaiverForm,
    end_of_day,
)
from arbitration.models import Question, TimetableStep
from arbitration.selectors import ArbitrationOverview, arbitration_overview
from arbitration.services import appointment as appointments
from arbitration.services import award as awards
from arbitration.services import proceedings, timetable
from cases.access import AccessRefused, AuthenticatedRequest, case_view
from cases.audit import RequestMeta
from cases.models import Case, CaseOutcome, CaseStatus
from cases.roles import Role
from cases.services import ServiceError
from cases.views.actions import Step, ranked_ids, run_step
from documents.models import IssuedKind
from documents.responses import issued_pdf
from documents.services import agreement_sign

PARTIES = frozenset({Role.CLAIMANT, Role.RESPONDENT})
ARBITRATOR = frozenset({Role.ARBITRATOR})
ADMIN = frozenset({Role.ADMINISTRATOR})


def _award_initial(overview: ArbitrationOverview) -> dict[str, Any]:
    award = overview.draft_award
    if award is None:
        return {}
    fields = AwardForm.base_fields
    return {name: getattr(award, name) for name in fields if hasattr(award, name)}


def _row_form(
    cls: type[forms.Form], refused: forms.Form | None, key: str, pk: int, initial: dict[str, Any]
) -> forms.Form:
    """One row's form: the refused one (with its errors and what was typed) if it was this row's, else a
    fresh one. Ids carry the row so that labels and error links stay unique on the page."""
    if refused is not None and str(refused.data.get(key, "")) == str(pk):
        form = refused
    else:
        form = cls(initial={key: pk, **initial})
    form.auto_id = f"{cls.__name__.lower()}{pk}_%s"
    return form


def _step_rows(overview: ArbitrationOverview, forms_: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for view in overview.steps:
        pk = view.step.pk
        row: dict[str, Any] = {"view": view}
        if view.open:
            submission = view.submission
            draft = {"statement": submission.statement, "amount": submission.amount} if submission else {}
            row["save"] = _row_form(SubmissionForm, forms_.get("save"), "step", pk, draft)
            row["attach"] = _row_form(AttachForm, forms_.get("attach"), "step", pk, {})
            row["file"] = _row_form(StepForm, forms_.get("file"), "step", pk, {})
        if overview.is_arbitrator and not view.filed and overview.state and overview.state.phase == "proceedings":
            row["extend"] = _row_form(ExtendForm, forms_.get("extend"), "step", pk, {})
        rows.append(row)
    return rows


def _question_rows(overview: ArbitrationOverview, forms_: dict[str, Any]) -> list[dict[str, Any]]:
    now = timezone.now()
    rows = []
    for question in overview.questions:
        row: dict[str, Any] = {"question": question}
        if question.to_role == overview.party_role and question.answered_at is None and question.due_at > now:
            row["answer"] = _row_form(AnswerForm, forms_.get("answer"), "question", question.pk, {})
        rows.append(row)
    return rows


ROW_FORMS = ("save", "attach", "file", "extend", "answer")


def _unplaced_errors(forms_: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """A refused row form whose row is not on the page any more (its deadline passed, or it was never the
    user's): its reasons go at the top of the page instead."""
    placed = {id(form) for row in rows for form in row.values()}
    errors: list[str] = []
    for key in ROW_FORMS:
        form = forms_.get(key)
        if form is not None and id(form) not in placed:
            errors += [str(message) for messages_ in form.errors.values() for message in messages_]
    return errors


def _render(
    request: AuthenticatedRequest, case: Case, roles: frozenset[Role], *, status: int = 200, **forms_: Any
) -> HttpResponse:
    overview = arbitration_overview(case, roles)
    step_rows = _step_rows(overview, forms_)
    question_rows = _question_rows(overview, forms_)
    defaults = timetable.default_dates()
    context: dict[str, Any] = {
        "case": case,
        "overview": overview,
        "appoint_form": forms_.get("appoint") or AppointForm(eligible=overview.eligible),
        "replace_form": forms_.get("replace") or ReasonForm(),
        "waiver_form": forms_.get("waiver") or WaiverForm(initial={"full_name": request.user.get_full_name()}),
        "timetable_form": forms_.get("timetable")
        or TimetableForm(initial={name: value.date() for name, value in defaults.items()}),
        "step_rows": step_rows,
        "question_rows": question_rows,
        "unplaced_errors": _unplaced_errors(forms_, step_rows + question_rows),
        "question_form": forms_.get("ask") or QuestionForm(),
        "award_form": forms_.get("award") or AwardForm(initial=_award_initial(overview)),
        "sign_form": forms_.get("sign")
        or ArbitratorSignForm(initial={"full_name": request.user.get_full_name()}, signer=request.user),
    }
    return render(request, "arbitration/case.html", context, status=status)


@case_view
def arbitration_page(request: AuthenticatedRequest, case: Case, roles: frozenset[Role]) -> HttpResponse:
    if case.status != CaseStatus.ARBITRATION and case.outcome != CaseOutcome.AWARD_ISSUED:
        raise Http404(_("This case is not in arbitration."))
    if not roles & (PARTIES | ARBITRATOR | ADMIN):
        raise AccessRefused
    return _render(request, case, roles)


def _step(case: Case, data: dict[str, Any]) -> TimetableStep:
    return get_object_or_404(TimetableStep, case=case, pk=data["step"])


def _rank(request: AuthenticatedRequest, case: Case, data: dict[str, Any], meta: RequestMeta) -> object:
    ids = ranked_ids(request, duplicate_message=_("Give each arbitrator a different rank."))
    return appointments.rankings_submit(case=case, user=request.user, arbitrator_ids=ids, meta=meta)


def _waiver(request: AuthenticatedRequest, case: Case, data: dict[str, Any], meta: RequestMeta) -> object:
    arbitrator = appointments.former_mediator_on_panel(case)
    if arbitrator is None:
        raise ServiceError(_("Your mediator is not on the arbitrators' panel: no agreement is needed."))
    return appointments.mediator_waiver_give(
        case=case, user=request.user, arbitrator=arbitrator, full_name=data["full_name"], agree=data["agree"], meta=meta
    )


def _ask(request: AuthenticatedRequest, case: Case, data: dict[str, Any], meta: RequestMeta) -> object:
    due = end_of_day(data["due"]) if data.get("due") else None
    return proceedings.question_ask(
        case=case, user=request.user, to_role=data["to_role"], text=data["text"], due_at=due, meta=meta
    )


def _answer(request: AuthenticatedRequest, case: Case, data: dict[str, Any], meta: RequestMeta) -> object:
    question = get_object_or_404(Question, case=case, pk=data["question"])
    return proceedings.question_answer(question=question, user=request.user, answer=data["answer"], meta=meta)


def _sign(request: AuthenticatedRequest, case: Case, data: dict[str, Any], meta: RequestMeta) -> object:
    overview = arbitration_overview(case, ARBITRATOR)
    if overview.draft_document is None:
        raise ServiceError(_("There is no award draft to sign. Save the award first."))
    return agreement_sign(
        document=overview.draft_document,
        user=request.user,
        password=data["password"],
        full_name=data["full_name"],
        consent=data["consent"],
        totp_code=data.get("totp_code", ""),
        meta=meta,
    )


STEPS: dict[str, Step] = {
    "rank": Step(PARTIES, None, _rank, gettext_lazy("Your ranking is saved.")),
    "waiver": Step(
        PARTIES, lambda r, c: WaiverForm(r.POST), _waiver, gettext_lazy("Your written agreement is recorded.")
    ),
    "appoint": Step(
        ADMIN,
        lambda r, c: AppointForm(r.POST, eligible=appointments.eligible_arbitrators(c)),
        lambda r, c, d, m: appointments.arbitrator_appoint(
            case=c, actor=r.user, arbitrator=d["arbitrator"], reason=d["reason"], meta=m
        ),
        gettext_lazy("The arbitrator is asked to accept."),
    ),
    "replace": Step(
        ADMIN,
        lambda r, c: ReasonForm(r.POST),
        lambda r, c, d, m: appointments.arbitrator_replace(case=c, actor=r.user, reason=d["reason"], meta=m),
        gettext_lazy("The arbitrator is replaced. Appoint another."),
    ),
    "timetable": Step(
        ARBITRATOR,
        lambda r, c: TimetableForm(r.POST),
        lambda r, c, d, m: timetable.timetable_set(case=c, user=r.user, meta=m, **d["__form"].deadlines()),
        gettext_lazy("The timetable is set and sent to the parties."),
    ),
    "extend": Step(
        ARBITRATOR,
        lambda r, c: ExtendForm(r.POST),
        lambda r, c, d, m: timetable.deadline_extend(
            case=c, user=r.user, step=_step(c, d), until=end_of_day(d["until"]), reason=d["reason"], meta=m
        ),
        gettext_lazy("The deadline is extended; the parties are told why."),
    ),
    "save": Step(
        PARTIES,
        lambda r, c: SubmissionForm(r.POST),
        lambda r, c, d, m: proceedings.submission_save(
            case=c, user=r.user, step=_step(c, d), statement=d["statement"], amount=d["amount"], meta=m
        ),
        gettext_lazy("Your draft is saved. Only you can see it until you file it."),
    ),
    "attach": Step(
        PARTIES,
        lambda r, c: AttachForm(r.POST, r.FILES),
        lambda r, c, d, m: proceedings.submission_attach(
            case=c, user=r.user, step=_step(c, d), upload=d["file"], title=d["title"], meta=m
        ),
        gettext_lazy("The document is attached to your draft."),
    ),
    "file": Step(
        PARTIES,
        lambda r, c: StepForm(r.POST),
        lambda r, c, d, m: proceedings.submission_file(case=c, user=r.user, step=_step(c, d), meta=m),
        gettext_lazy("Your submission is filed. The other party and the arbitrator can now read it."),
    ),
    "ask": Step(ARBITRATOR, lambda r, c: QuestionForm(r.POST), _ask, gettext_lazy("Your question is sent.")),
    "answer": Step(PARTIES, lambda r, c: AnswerForm(r.POST), _answer, gettext_lazy("Your answer is filed.")),
    "award": Step(
        ARBITRATOR,
        lambda r, c: AwardForm(r.POST),
        lambda r, c, d, m: awards.award_draft_save(case=c, user=r.user, terms=d["__form"].terms(), meta=m),
        gettext_lazy("The award draft is saved. Preview the PDF, then sign it to issue it."),
    ),
    "sign": Step(
        ARBITRATOR,
        lambda r, c: ArbitratorSignForm(r.POST, signer=r.user),
        _sign,
        gettext_lazy("You signed the award. It is being sealed and issued to both parties."),
    ),
    "correct": Step(
        ARBITRATOR,
        None,
        lambda r, c, d, m: awards.award_correction_start(case=c, user=r.user, meta=m),
        gettext_lazy("Correct the award below, say what you corrected, then sign the correction."),
    ),
}


@require_POST
@case_view
def arbitration_action(request: AuthenticatedRequest, case: Case, roles: frozenset[Role], action: str) -> HttpResponse:
    refused = run_step(request, case, roles, steps=STEPS, action=action, render_page=_render)
    return refused or redirect("arbitration:case", case_id=case.public_id)


@case_view
def award_pdf(request: AuthenticatedRequest, case: Case, roles: frozenset[Role], document_id: int) -> HttpResponseBase:
    """The award's PDFs: the arbitrator previews drafts here; who may have each is ``documents.access``'s."""
    return issued_pdf(case, roles, document_id, kinds=[IssuedKind.ARBITRAL_AWARD])
