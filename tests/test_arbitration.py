"""Arbitration: entry (consent, fee), appointment (ranking, mediator bar, declaration of independence),
timetable, submissions and their visibility, questions, and the award with its corrections."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from arbitration.models import (
    ArbitrationPhase,
    ArbitrationState,
    ArbitratorAppointment,
    ArbitratorProfile,
    Award,
    StepKind,
    SubmissionStatus,
    TimetableStep,
)
from arbitration.selectors import arbitration_overview
from arbitration.services import appointment as appointments
from arbitration.services import award as awards
from arbitration.services import proceedings as submissions
from arbitration.services import timetable
from arbitration.services.award import AwardTerms
from cases.models import (
    ArbitrationEntry,
    AuditEntry,
    CaseAssignment,
    CaseOutcome,
    CaseStatus,
    NeutralRole,
    Obligation,
    PendingStage,
)
from cases.models.panel import AppointmentStatus
from cases.roles_setup import ARBITRATOR_GROUP
from cases.services import ServiceError
from cases.services.arbitration_entry import arbitration_consent
from cases.services.deadlines import deadlines_sweep
from documents.models import IssuedDocument, IssuedKind, IssuedStatus
from documents.selectors import verify_upload
from documents.services import agreement_sign, execute_agreement, render_draft
from mediation.services.sessions import outcome_record
from tests.conftest import PASSWORD, make_user, totp_code


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _bytes(document):
    with document.pdf.open("rb") as handle:
        return handle.read()


def _step(case, kind, role=""):
    return TimetableStep.objects.get(case=case, kind=kind, party_role=role)


def _terms(**overrides):
    values = {
        "findings": "The deposit was paid and the event was cancelled by the closure order.",
        "reasons": "The contract's force majeure clause does not allow the respondent to keep the deposit.",
        "claim_awarded": Decimal("10000.00"),
        "counterclaim_awarded": Decimal("0.00"),
        "costs_amount": Decimal("500.50"),
        "costs_payer_role": "respondent",
        "net_amount": Decimal("10500.50"),
        "net_payer_role": "respondent",
        "pay_by": timezone.localdate() + timedelta(days=14),
    }
    return AwardTerms(**{**values, **overrides})


def _file(case, user, kind, role, statement="Our statement.", amount=None):
    step = _step(case, kind, role)
    submissions.submission_save(case=case, user=user, step=step, statement=statement, amount=amount)
    return submissions.submission_file(case=case, user=user, step=step)


def _all_due(case):
    """Every submission deadline is behind us (the parties had their time)."""
    TimetableStep.objects.filter(case=case).exclude(kind=StepKind.AWARD).update(
        due_at=timezone.now() - timedelta(minutes=1)
    )


def _issue(case, arbitrator, terms=None):
    draft = awards.award_draft_save(case=case, user=arbitrator, terms=terms or _terms())
    draft = render_draft(document_id=draft.pk)
    agreement_sign(
        document=draft,
        user=arbitrator,
        password=PASSWORD,
        full_name="Arthur Arbitrator",
        consent=True,
        totp_code=totp_code(arbitrator),
    )
    return execute_agreement(document_id=draft.pk)


# --- Entry ----------------------------------------------------------------------------------------


def test_both_consented_at_entry_goes_straight_to_arbitration(arbitration_case, claimant, run_tasks):
    assert arbitration_case.status == CaseStatus.ARBITRATION
    state = ArbitrationState.objects.get(case=arbitration_case)
    assert state.phase == ArbitrationPhase.RANKING
    assert any("rank the arbitrators" in m.subject for m in run_tasks() if claimant.email in m.to)


@pytest.mark.parametrize(("result", "outcome"), [("not_settled", "not_settled"), ("partly_settled", "partly_settled")])
def test_a_party_that_had_not_consented_may_consent_after_mediation(
    mediation_case, mediator, claimant, respondent, result, outcome
):
    mediation_case.parties.filter(role="respondent").update(consents_to_arbitration=False)
    outcome_record(
        case=mediation_case,
        user=mediator,
        result=result,
        amount=Decimal("100.00") if result == "partly_settled" else None,
        terms="Part settled." if result == "partly_settled" else "",
    )
    mediation_case.refresh_from_db()
    entry = ArbitrationEntry.objects.get(case=mediation_case)
    assert mediation_case.status == CaseStatus.MEDIATION
    assert mediation_case.deadline_at == entry.consent_closes_at
    with pytest.raises(ServiceError, match="already agreed"):
        arbitration_consent(case=mediation_case, user=claimant, agree=True)
    arbitration_consent(case=mediation_case, user=respondent, agree=True)
    mediation_case.refresh_from_db()
    assert mediation_case.status == CaseStatus.ARBITRATION
    consent = AuditEntry.objects.get(case=mediation_case, action="arbitration.consented")
    assert consent.actor == respondent
    assert consent.data["role"] == "respondent"


@pytest.mark.parametrize(("result", "outcome"), [("not_settled", "not_settled"), ("partly_settled", "partly_settled")])
def test_declining_arbitration_closes_with_the_mediations_outcome(
    mediation_case, mediator, respondent, result, outcome
):
    mediation_case.parties.filter(role="respondent").update(consents_to_arbitration=False)
    outcome_record(
        case=mediation_case,
        user=mediator,
        result=result,
        amount=Decimal("100.00") if result == "partly_settled" else None,
        terms="Part settled." if result == "partly_settled" else "",
    )
    arbitration_consent(case=mediation_case, user=respondent, agree=False)
    mediation_case.refresh_from_db()
    assert (mediation_case.status, mediation_case.outcome) == (CaseStatus.CLOSED, outcome)


def test_outsider_cannot_consent_for_a_party(mediation_case, mediator, outsider):
    mediation_case.parties.filter(role="respondent").update(consents_to_arbitration=False)
    outcome_record(case=mediation_case, user=mediator, result="not_settled")
    with pytest.raises(ServiceError, match="Only the parties"):
        arbitration_consent(case=mediation_case, user=outsider, agree=True)


def test_arbitration_waits_for_its_fee_and_closes_unsettled_if_unpaid(mediation_case, mediator, fee_schedule):
    outcome_record(case=mediation_case, user=mediator, result="not_settled")
    mediation_case.refresh_from_db()
    assert mediation_case.status == CaseStatus.MEDIATION
    assert PendingStage.objects.get(case=mediation_case).action == "escalate_to_arbitration"
    deadlines_sweep(now=mediation_case.deadline_at + timedelta(minutes=1))
    mediation_case.refresh_from_db()
    assert (mediation_case.status, mediation_case.outcome) == (CaseStatus.CLOSED, CaseOutcome.NOT_SETTLED)


# --- Appointment ------------------------------------------------------------------------------------


@pytest.fixture
def second_arbitrator(db):
    user = make_user("bea", ARBITRATOR_GROUP, mfa=True)
    return ArbitratorProfile.objects.create(
        user=user, display_name="Bea Arbitrator", accreditation="FCIArb", bio="Construction and submissions."
    )


def test_rankings_propose_the_best_common_choice(
    arbitration_case, claimant, respondent, arbitrator_profile, second_arbitrator, run_tasks
):
    appointments.rankings_submit(
        case=arbitration_case, user=claimant, arbitrator_ids=[second_arbitrator.pk, arbitrator_profile.pk]
    )
    appointments.rankings_submit(case=arbitration_case, user=respondent, arbitrator_ids=[arbitrator_profile.pk])
    proposal = ArbitratorAppointment.objects.get(case=arbitration_case)
    assert proposal.arbitrator == arbitrator_profile
    assert proposal.proposed_by == "ranking"
    assert any("Proposed as arbitrator" in m.subject for m in run_tasks() if "arthur@example.com" in m.to)


def test_ranking_deadline_without_agreement_goes_to_an_administrator(arbitration_case, claimant, arbitrator_profile):
    appointments.rankings_submit(case=arbitration_case, user=claimant, arbitrator_ids=[arbitrator_profile.pk])
    state = ArbitrationState.objects.get(case=arbitration_case)
    deadlines_sweep(now=state.ranking_deadline_at + timedelta(minutes=1))
    state.refresh_from_db()
    assert state.phase == ArbitrationPhase.ADMINISTRATOR_TO_APPOINT


def test_the_mediator_may_arbitrate_only_if_both_parties_agree_in_writing(
    arbitration_case, mediator, claimant, respondent, administrator
):
    as_arbitrator = ArbitratorProfile.objects.create(
        user=mediator, display_name="Mia Mediator", accreditation="FHKIArb", bio="Both panels."
    )
    assert as_arbitrator not in appointments.eligible_arbitrators(arbitration_case)
    with pytest.raises(ServiceError, match="mediated this case"):
        appointments.arbitrator_appoint(case=arbitration_case, actor=administrator, arbitrator=as_arbitrator)
    with pytest.raises(ServiceError, match="Tick the box"):
        appointments.mediator_waiver_give(
            case=arbitration_case, user=claimant, arbitrator=as_arbitrator, full_name="Alice", agree=False
        )
    appointments.mediator_waiver_give(
        case=arbitration_case, user=claimant, arbitrator=as_arbitrator, full_name="Alice Chan", agree=True
    )
    assert as_arbitrator not in appointments.eligible_arbitrators(arbitration_case)  # one party is not enough
    waiver = appointments.mediator_waiver_give(
        case=arbitration_case, user=respondent, arbitrator=as_arbitrator, full_name="Bob Lee", agree=True
    )
    assert "Mia Mediator, who mediated this case, may act as its arbitrator" in waiver.statement
    assert as_arbitrator in appointments.eligible_arbitrators(arbitration_case)
    appointment = appointments.arbitrator_appoint(case=arbitration_case, actor=administrator, arbitrator=as_arbitrator)
    assert appointment.status == AppointmentStatus.PROPOSED


def test_a_conflicted_arbitrator_cannot_be_appointed(arbitration_case, administrator, arbitrator_profile, claimant_org):
    arbitrator_profile.linked_organisations.add(claimant_org)
    assert arbitrator_profile not in appointments.eligible_arbitrators(arbitration_case)
    with pytest.raises(ServiceError, match="linked to one of the parties"):
        appointments.arbitrator_appoint(case=arbitration_case, actor=administrator, arbitrator=arbitrator_profile)


def test_the_arbitrator_accepts_by_signing_a_sealed_declaration(appointed_arbitration, arbitrator, claimant, run_tasks):
    appointment = ArbitratorAppointment.objects.get(case=appointed_arbitration)
    assert appointment.status == AppointmentStatus.ACCEPTED
    assert CaseAssignment.objects.filter(
        case=appointed_arbitration, user=arbitrator, role=NeutralRole.ARBITRATOR, active=True
    ).exists()
    assert ArbitrationState.objects.get(case=appointed_arbitration).phase == ArbitrationPhase.APPOINTED
    declaration = IssuedDocument.objects.get(
        case=appointed_arbitration, kind=IssuedKind.DECLARATION_OF_INDEPENDENCE, status=IssuedStatus.EXECUTED
    )
    text = _text(_bytes(declaration))
    assert "Declaration of Acceptance and" in text
    assert "Arthur Arbitrator" in text
    assert verify_upload(_bytes(declaration)).authentic
    assert any("arbitrator appointed" in m.subject for m in run_tasks() if claimant.email in m.to)


def test_declaration_needs_independence_and_only_the_proposed_arbitrator_signs(
    arbitration_case, administrator, arbitrator, arbitrator_profile, outsider, seal
):
    appointment = appointments.arbitrator_appoint(
        case=arbitration_case, actor=administrator, arbitrator=arbitrator_profile
    )
    with pytest.raises(ServiceError, match="independent and impartial"):
        appointments.appointment_accept(appointment=appointment, user=arbitrator, independent=False)
    with pytest.raises(ServiceError, match="another arbitrator"):
        appointments.appointment_accept(appointment=appointment, user=outsider, independent=True)
    appointments.appointment_accept(appointment=appointment, user=arbitrator, independent=True, disclosures="None.")
    draft = render_draft(
        document_id=IssuedDocument.objects.get(case=arbitration_case, kind=IssuedKind.DECLARATION_OF_INDEPENDENCE).pk
    )
    with pytest.raises(ServiceError, match="not the person who signs"):
        agreement_sign(document=draft, user=outsider, password=PASSWORD, full_name="Charlie", consent=True)
    with pytest.raises(ServiceError, match="two-factor code"):
        agreement_sign(document=draft, user=arbitrator, password=PASSWORD, full_name="Arthur", consent=True)
    assert ArbitratorAppointment.objects.get(pk=appointment.pk).status == AppointmentStatus.PROPOSED


def test_a_declining_arbitrator_goes_back_to_the_administrator(
    arbitration_case, administrator, arbitrator, arbitrator_profile
):
    appointment = appointments.arbitrator_appoint(
        case=arbitration_case, actor=administrator, arbitrator=arbitrator_profile
    )
    with pytest.raises(ServiceError, match="Say why"):
        appointments.appointment_decline(appointment=appointment, user=arbitrator, reason=" ")
    appointments.appointment_decline(appointment=appointment, user=arbitrator, reason="Fully booked.")
    assert ArbitrationState.objects.get(case=arbitration_case).phase == ArbitrationPhase.ADMINISTRATOR_TO_APPOINT
    assert arbitrator_profile not in appointments.eligible_arbitrators(arbitration_case)


# --- Timetable ---------------------------------------------------------------------------------------


def test_the_timetable_comes_from_settings_and_sets_the_award_deadline(proceedings, settings):
    steps = {(s.kind, s.party_role): s for s in TimetableStep.objects.filter(case=proceedings)}
    assert set(steps) == {
        ("claim", "claimant"),
        ("defence", "respondent"),
        ("reply", "claimant"),
        ("reply", "respondent"),
        ("award", ""),
    }
    reply_due = steps[("reply", "claimant")].due_at
    assert steps[("award", "")].due_at == reply_due + timedelta(days=settings.ODR_ARBITRATION_AWARD_DAYS)
    assert proceedings.deadline_at == steps[("award", "")].due_at
    assert ArbitrationState.objects.get(case=proceedings).phase == ArbitrationPhase.PROCEEDINGS


def test_timetable_dates_must_be_in_order_and_within_the_month(appointed_arbitration, arbitrator, claimant):
    dates = timetable.default_dates()
    with pytest.raises(ServiceError, match="after the statement of claim"):
        timetable.timetable_set(
            case=appointed_arbitration, user=arbitrator, **{**dates, "defence_due": dates["claim_due"]}
        )
    with pytest.raises(ServiceError, match="within 31 days"):
        timetable.timetable_set(
            case=appointed_arbitration,
            user=arbitrator,
            **{**dates, "reply_due": dates["reply_due"] + timedelta(days=5)},
        )
    with pytest.raises(ServiceError, match="Only the appointed arbitrator"):
        timetable.timetable_set(case=appointed_arbitration, user=claimant, **dates)
    assert not TimetableStep.objects.filter(case=appointed_arbitration).exists()


def test_only_the_arbitrator_extends_with_a_reason_and_it_is_audited(proceedings, arbitrator, claimant):
    step = _step(proceedings, StepKind.CLAIM, "claimant")
    until = step.due_at + timedelta(days=3)
    with pytest.raises(ServiceError, match="Only the appointed arbitrator"):
        timetable.deadline_extend(case=proceedings, user=claimant, step=step, until=until, reason="Please")
    with pytest.raises(ServiceError, match="reason"):
        timetable.deadline_extend(case=proceedings, user=arbitrator, step=step, until=until, reason="")
    with pytest.raises(ServiceError, match="later"):
        timetable.deadline_extend(case=proceedings, user=arbitrator, step=step, until=step.due_at, reason="Why")
    timetable.deadline_extend(case=proceedings, user=arbitrator, step=step, until=until, reason="Bank holiday")
    step.refresh_from_db()
    assert step.due_at == until
    assert step.extensions == 1
    entry = AuditEntry.objects.get(case=proceedings, action="arbitration.deadline_extended")
    assert entry.actor == arbitrator
    assert entry.data["reason"] == "Bank holiday"


def test_reminders_go_once_to_the_party_who_must_file(proceedings, claimant, respondent, run_tasks):
    step = _step(proceedings, StepKind.CLAIM, "claimant")
    run_tasks()
    assert timetable.step_reminders_send(now=step.due_at - timedelta(hours=20)) == 1
    assert timetable.step_reminders_send(now=step.due_at - timedelta(hours=19)) == 0
    assert [m.to for m in run_tasks() if "deadline is near" in m.subject] == [[claimant.email]]


# --- Submissions --------------------------------------------------------------------------------------


def test_a_draft_is_its_authors_alone_until_filed(proceedings, claimant, respondent, arbitrator, run_tasks):
    step = _step(proceedings, StepKind.CLAIM, "claimant")
    proceedings_case = proceedings

    submissions.submission_save(case=proceedings_case, user=claimant, step=step, statement="Secret draft", amount=None)
    version = submissions.submission_attach(
        case=proceedings_case, user=claimant, step=step, upload=SimpleUploadedFile("invoice.txt", b"Invoice 42")
    )
    assert version.document.withheld

    def visible(roles):
        view = next(v for v in arbitration_overview(proceedings_case, roles).steps if v.step == step)
        return view.submission, view.documents

    assert visible(frozenset({"claimant"}))[0].statement == "Secret draft"
    assert visible(frozenset({"respondent"})) == (None, [])
    assert visible(frozenset({"arbitrator"})) == (None, [])
    submissions.submission_file(case=proceedings_case, user=claimant, step=step)
    version.document.refresh_from_db()
    assert not version.document.withheld
    submission, documents = visible(frozenset({"respondent"}))
    assert submission.statement == "Secret draft"
    assert documents == [version.document]
    assert any("submission was filed" in m.subject for m in run_tasks() if respondent.email in m.to)


def test_filing_is_final_and_only_for_ones_own_side(proceedings, claimant, respondent):
    claim = _step(proceedings, StepKind.CLAIM, "claimant")
    with pytest.raises(ServiceError, match="other party's"):
        submissions.submission_save(case=proceedings, user=respondent, step=claim, statement="Forged")
    with pytest.raises(ServiceError, match="Write your statement"):
        submissions.submission_file(case=proceedings, user=claimant, step=claim)
    _file(proceedings, claimant, StepKind.CLAIM, "claimant", amount=Decimal("12000.00"))
    with pytest.raises(ServiceError, match="filed and can no longer change"):
        submissions.submission_save(case=proceedings, user=claimant, step=claim, statement="Changed")


def test_after_its_deadline_a_submission_is_closed_until_extended(proceedings, claimant, arbitrator):
    claim = _step(proceedings, StepKind.CLAIM, "claimant")
    submissions.submission_save(case=proceedings, user=claimant, step=claim, statement="Nearly done")
    TimetableStep.objects.filter(pk=claim.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    claim.refresh_from_db()
    with pytest.raises(ServiceError, match="deadline for this submission has passed"):
        submissions.submission_file(case=proceedings, user=claimant, step=claim)
    with pytest.raises(ServiceError, match="deadline for this submission has passed"):
        submissions.submission_save(case=proceedings, user=claimant, step=claim, statement="Late change")
    timetable.deadline_extend(
        case=proceedings, user=arbitrator, step=claim, until=timezone.now() + timedelta(days=2), reason="Illness"
    )
    claim.refresh_from_db()
    assert submissions.submission_file(case=proceedings, user=claimant, step=claim).status == SubmissionStatus.FILED


def test_a_reply_opens_once_the_other_side_has_filed(proceedings, claimant, respondent):
    reply = _step(proceedings, StepKind.REPLY, "respondent")
    with pytest.raises(ServiceError, match="reply once the other party"):
        submissions.submission_save(case=proceedings, user=respondent, step=reply, statement="Reply")
    _file(proceedings, claimant, StepKind.CLAIM, "claimant")
    reply.refresh_from_db()
    submissions.submission_save(case=proceedings, user=respondent, step=reply, statement="Reply")
    assert submissions.submission_file(case=proceedings, user=respondent, step=reply).status == "filed"


def test_when_everything_is_filed_the_award_is_due_sooner(proceedings, claimant, respondent, settings):
    _file(proceedings, claimant, StepKind.CLAIM, "claimant")
    _file(proceedings, respondent, StepKind.DEFENCE, "respondent")
    _file(proceedings, claimant, StepKind.REPLY, "claimant")
    last = _file(proceedings, respondent, StepKind.REPLY, "respondent")
    award_step = _step(proceedings, StepKind.AWARD)
    assert award_step.due_at == last.filed_at + timedelta(days=settings.ODR_ARBITRATION_AWARD_DAYS)


# --- Questions --------------------------------------------------------------------------------------


def test_questions_and_answers_are_seen_by_both_parties(proceedings, arbitrator, claimant, respondent):
    with pytest.raises(ServiceError, match="Only the appointed arbitrator"):
        submissions.question_ask(case=proceedings, user=claimant, to_role="respondent", text="Did you?")
    question = submissions.question_ask(
        case=proceedings, user=arbitrator, to_role="respondent", text="When was the deposit paid?"
    )
    with pytest.raises(ServiceError, match="for the other party"):
        submissions.question_answer(question=question, user=claimant, answer="On 1 March.")
    submissions.question_answer(question=question, user=respondent, answer="On 2 March.")
    with pytest.raises(ServiceError, match="already answered"):
        submissions.question_answer(question=question, user=respondent, answer="Again")
    for roles in (frozenset({"claimant"}), frozenset({"respondent"})):
        (seen,) = arbitration_overview(proceedings, roles).questions
        assert seen.answer == "On 2 March."


# --- The award ----------------------------------------------------------------------------------------


def test_the_award_waits_until_the_parties_time_is_up(proceedings, arbitrator):
    with pytest.raises(ServiceError, match="still have time"):
        awards.award_draft_save(case=proceedings, user=arbitrator, terms=_terms())
    assert not Award.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"net_amount": Decimal("10000.00")}, "do not add up"),
        ({"net_payer_role": "claimant"}, "do not add up"),
        ({"claim_awarded": Decimal("-1.00")}, "cannot be negative"),
        ({"claim_awarded": Decimal("99999.00"), "net_amount": Decimal("100499.00")}, "exceeds what was claimed"),
        ({"counterclaim_awarded": Decimal("1.00")}, "exceeds what was counterclaimed"),
        ({"costs_amount": Decimal("0.001")}, "to the cent"),
        ({"pay_by": None}, "by when"),
        ({"findings": " "}, "findings"),
    ],
)
def test_an_award_that_does_not_add_up_is_refused_and_nothing_is_issued(proceedings, arbitrator, overrides, message):
    _all_due(proceedings)
    with pytest.raises(ServiceError, match=message):
        awards.award_draft_save(case=proceedings, user=arbitrator, terms=_terms(**overrides))
    assert not Award.objects.exists()
    assert not IssuedDocument.objects.filter(kind=IssuedKind.ARBITRAL_AWARD).exists()


def test_the_net_sum_sets_off_claim_counterclaim_and_costs():
    terms = _terms(
        claim_awarded=Decimal("1000.00"),
        counterclaim_awarded=Decimal("1500.25"),
        costs_amount=Decimal("200.00"),
        costs_payer_role="respondent",
    )
    assert awards.net_of(terms) == (Decimal("300.25"), "claimant")


def test_only_the_appointed_arbitrator_drafts_the_award(proceedings, mediator, claimant):
    _all_due(proceedings)
    for user in (mediator, claimant):
        with pytest.raises(ServiceError, match="Only the appointed arbitrator"):
            awards.award_draft_save(case=proceedings, user=user, terms=_terms())


def test_the_signed_award_is_sealed_issued_to_both_and_closes_the_case(
    proceedings, arbitrator, claimant, respondent, run_tasks
):
    _file(proceedings, claimant, StepKind.CLAIM, "claimant", statement="The deposit of HK$10,000 was paid.")
    _all_due(proceedings)
    run_tasks()
    executed = _issue(proceedings, arbitrator)
    proceedings.refresh_from_db()
    assert (proceedings.status, proceedings.outcome) == (CaseStatus.CLOSED, CaseOutcome.AWARD_ISSUED)
    award = Award.objects.get(case=proceedings)
    assert award.status == "issued"
    assert executed.subject == award.subject
    notices = [m for m in run_tasks() if "award is issued" in m.subject]
    assert sorted(m.to[0] for m in notices) == sorted([claimant.email, respondent.email])
    obligation = Obligation.objects.get(case=proceedings, source="award")
    assert (obligation.payer_role, obligation.amount) == ("respondent", Decimal("10500.50"))
    pdf = _bytes(executed)
    text = _text(pdf)
    for expected in (
        "Arbitral Award",
        proceedings.reference,
        "Alpha Trading Limited",
        "Bravo Services Limited",
        "HK$10,500.50",
        "force majeure",
        "Statement of claim",
        "Arthur Arbitrator",
        executed.verification_reference,
    ):
        assert expected in text, expected
    assert "Hong Kong Dollars Ten Thousand Five Hundred" in text.replace("\n", " ")
    result = verify_upload(pdf)
    assert result.authentic
    assert [s.full_name for s in result.signatures] == ["Arthur Arbitrator"]
    middle = len(pdf) // 2
    tampered = pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :]
    assert not verify_upload(tampered).authentic


def test_signing_twice_is_refused_and_nothing_is_issued_twice(proceedings, arbitrator):
    _all_due(proceedings)
    draft = render_draft(document_id=awards.award_draft_save(case=proceedings, user=arbitrator, terms=_terms()).pk)
    sign = {"password": PASSWORD, "full_name": "Arthur Arbitrator", "consent": True}
    with pytest.raises(ServiceError, match="password is not correct"):
        agreement_sign(
            document=draft, user=arbitrator, **{**sign, "password": "wrong"}, totp_code=totp_code(arbitrator)
        )
    agreement_sign(document=draft, user=arbitrator, **sign, totp_code=totp_code(arbitrator))
    with pytest.raises(ServiceError, match="already signed"):
        agreement_sign(document=draft, user=arbitrator, **sign, totp_code=totp_code(arbitrator))
    execute_agreement(document_id=draft.pk)
    execute_agreement(document_id=draft.pk)  # a worker running the job again
    assert IssuedDocument.objects.filter(kind=IssuedKind.ARBITRAL_AWARD, status=IssuedStatus.EXECUTED).count() == 1


def test_a_correction_is_a_new_award_referencing_the_first_which_stays(proceedings, arbitrator, claimant):
    _all_due(proceedings)
    first = _issue(proceedings, arbitrator)
    with pytest.raises(ServiceError, match="Only the appointed arbitrator"):
        awards.award_correction_start(case=proceedings, user=claimant)
    awards.award_correction_start(case=proceedings, user=arbitrator)
    with pytest.raises(ServiceError, match="what the correction corrects"):
        awards.award_draft_save(case=proceedings, user=arbitrator, terms=_terms())
    corrected_terms = _terms(
        costs_amount=Decimal("550.50"), net_amount=Decimal("10550.50"), correction_note="Costs mistyped."
    )
    second = _issue(proceedings, arbitrator, corrected_terms)
    assert second.pk != first.pk
    assert second.verification_reference != first.verification_reference
    assert IssuedDocument.objects.filter(pk=first.pk, status=IssuedStatus.EXECUTED).exists()
    text = _text(_bytes(second))
    assert "Corrected Arbitral Award" in text
    assert first.verification_reference in text
    assert Obligation.objects.get(case=proceedings, source="award").amount == Decimal("10550.50")
    assert verify_upload(_bytes(first)).authentic


def test_no_correction_after_the_correction_period(proceedings, arbitrator, settings):
    _all_due(proceedings)
    _issue(proceedings, arbitrator)
    Award.objects.update(issued_at=timezone.now() - timedelta(days=settings.ODR_AWARD_CORRECTION_DAYS + 1))
    with pytest.raises(ServiceError, match="period for correcting"):
        awards.award_correction_start(case=proceedings, user=arbitrator)
