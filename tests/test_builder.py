"""The case builder (demo/builder.py): each function leaves the case in the stage it names, with the people
that stage has and exactly the audit entries the services write on the way."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.conf import settings
from django.utils import timezone

from arbitration.models import ArbitrationPhase, ArbitrationState, Submission, SubmissionStatus, TimetableStep
from arbitration.services.award import AwardTerms
from cases.models import AuditEntry, Case, CaseOutcome, CaseSettlement, CaseStatus, Invitation, Membership
from cases.roles_setup import PARTY_GROUP
from demo import builder
from documents.models import IssuedDocument, IssuedKind, IssuedStatus
from mediation.models import MediationPhase, MediationResult, MediationState, SessionStatus
from tests.conftest import PASSWORD

DRAFTED = ["case.draft_started", "case.draft_updated", "case.draft_updated", "case.draft_updated"]
FILED = [*DRAFTED, "terms.accepted", "case.file", "invitation.sent", "case.invite"]


def _trail(case: Case) -> list[str]:
    return list(AuditEntry.objects.filter(case=case).order_by("pk").values_list("action", flat=True))


def _added(case: Case, step: Callable[[], Any]) -> tuple[Any, list[str]]:
    """What ``step`` returned, and the audit entries it added to ``case``."""
    before = len(_trail(case))
    result = step()
    return result, _trail(case)[before:]


def _people(case: Case) -> set[tuple[str, str]]:
    return {(party.role, party.user.username) for party in case.parties.select_related("user")}


def _neutrals(case: Case) -> set[tuple[str, str]]:
    return {(a.role, a.user.username) for a in case.assignments.filter(active=True).select_related("user")}


@pytest.fixture
def negotiating(claimant, claimant_org, respondent, respondent_org) -> Callable[..., Case]:
    def make(**answer: Any) -> Case:
        case = builder.case_filed(claimant=claimant, claimant_org=claimant_org)
        return builder.case_in_negotiation(case=case, respondent=respondent, respondent_org=respondent_org, **answer)

    return make


# --- People ----------------------------------------------------------------------------------------------


def test_a_person_is_made_once_and_kept_up_to_date(db):
    made = builder.person(username="dee", email="dee@example.com", group=PARTY_GROUP, password="first one")
    again = builder.person(
        username="dee",
        email="dee@example.org",
        group=PARTY_GROUP,
        password="second one",
        first_name="Dee",
        totp_secret=generate_totp_secret(),
    )
    assert again.pk == made.pk
    again.refresh_from_db()
    assert again.check_password("second one")
    assert (again.email, again.get_full_name()) == ("dee@example.org", "Dee")
    assert list(again.groups.values_list("name", flat=True)) == [PARTY_GROUP]
    assert EmailAddress.objects.filter(user=again, email="dee@example.org", verified=True, primary=True).exists()
    assert Authenticator.objects.filter(user=again, type=Authenticator.Type.TOTP).count() == 1
    assert len(builder.totp_code(again)) == 6


def test_someone_who_cannot_sign_in_has_no_address_to_verify(db):
    panel = builder.person(username="pat", email="pat@example.com", group=PARTY_GROUP, password=None)
    assert not panel.has_usable_password()
    assert not EmailAddress.objects.filter(user=panel).exists()


def test_a_business_belongs_to_its_maker_and_is_made_once(claimant):
    alpha = builder.organisation(user=claimant, name="Alpha Trading Limited")
    assert builder.organisation(user=claimant, name="Alpha Trading Limited") == alpha
    assert Membership.objects.filter(user=claimant, organisation=alpha).count() == 1
    assert (alpha.br_number, alpha.contact_email) == ("12345678", "office@alpha.example")
    overseas = builder.organisation(user=claimant, name="Overseas Co", hk=False)
    assert (overseas.is_hk_registered, overseas.br_number) == (False, "")


# --- Filing and the answer -------------------------------------------------------------------------------


def test_a_draft_has_every_step_of_the_claim_and_no_reference(claimant, claimant_org):
    claim = builder.Claim(amount_claimed=Decimal("999.99"), facts="Our own facts.")
    case = builder.case_draft(claimant=claimant, claimant_org=claimant_org, claim=claim)
    assert (case.status, case.reference) == (CaseStatus.DRAFT, None)
    assert (case.amount_claimed, case.facts) == (Decimal("999.99"), "Our own facts.")
    assert (case.respondent_name, case.respondent_email) == ("Bravo Services Limited", "bob@example.com")
    assert _people(case) == {("claimant", "alice")}
    assert _trail(case) == DRAFTED


def test_a_filed_claim_awaits_the_respondent(claimant, claimant_org):
    case = builder.case_filed(claimant=claimant, claimant_org=claimant_org, consents_to_arbitration=False)
    assert case.status == CaseStatus.AWAITING_RESPONSE
    assert case.reference
    assert _people(case) == {("claimant", "alice")}
    assert not case.parties.get().consents_to_arbitration
    assert Invitation.objects.filter(case=case, email="bob@example.com").count() == 1
    assert _trail(case) == FILED


def test_the_respondents_answer_opens_negotiation(claimant, claimant_org, respondent, respondent_org):
    case = builder.case_filed(claimant=claimant, claimant_org=claimant_org)
    case, added = _added(
        case,
        lambda: builder.case_in_negotiation(
            case=case, respondent=respondent, respondent_org=respondent_org, consents_to_arbitration=False
        ),
    )
    assert case.status == CaseStatus.NEGOTIATION
    assert _people(case) == {("claimant", "alice"), ("respondent", "bob")}
    assert case.parties.get(role="respondent").organisation == respondent_org
    assert not case.parties.get(role="respondent").consents_to_arbitration
    assert added == ["invitation.sent", "invitation.used", "terms.accepted", "case.respond"]


def test_an_answer_through_a_link_already_sent_sends_none(claimant, claimant_org, respondent, respondent_org):
    case = builder.case_filed(claimant=claimant, claimant_org=claimant_org)
    token = builder.invitation_token(case=case)
    case, added = _added(
        case,
        lambda: builder.case_in_negotiation(
            case=case, respondent=respondent, respondent_org=respondent_org, token=token
        ),
    )
    assert added == ["invitation.used", "terms.accepted", "case.respond"]


@pytest.mark.parametrize(
    ("close", "outcome", "last"),
    [
        (lambda case, who: builder.case_declined(case=case, reason="No.", **who), CaseOutcome.DECLINED, "case.decline"),
        (lambda case, who: builder.case_withdrawn(case=case, reason="Paid."), CaseOutcome.WITHDRAWN, "case.withdraw"),
        (lambda case, who: builder.case_expired(case=case), CaseOutcome.NO_RESPONSE, "case.expire"),
    ],
)
def test_a_filed_claim_that_goes_no_further_is_closed(
    claimant, claimant_org, respondent, respondent_org, close, outcome, last
):
    case = builder.case_filed(claimant=claimant, claimant_org=claimant_org)
    case = close(case, {"respondent": respondent, "respondent_org": respondent_org})
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, outcome)
    assert _trail(case)[-1] == last


# --- Negotiation and settlement ----------------------------------------------------------------------------


def test_agreed_terms_then_the_signed_agreement_settle_the_case(
    negotiating, claimant, django_capture_on_commit_callbacks, seal
):
    case = negotiating()
    case = builder.case_with_message(case=case, author=claimant, body="Shall we settle?")
    assert case.messages.get().body == "Shall we settle?"
    before = len(_trail(case))
    with django_capture_on_commit_callbacks(execute=True):  # the agreement is drafted after the commit
        case = builder.case_in_settlement(case=case, amount=Decimal("9000.00"), terms="Within 14 days.")
    added = _trail(case)[before:]
    assert case.status == CaseStatus.SETTLEMENT
    assert CaseSettlement.objects.get(case=case).amount == Decimal("9000.00")
    assert added == ["offer.made", "offer.accepted", "case.agree_settlement", "document.drafted"]

    case, added = _added(case, lambda: builder.case_settled(case=case, password=PASSWORD))
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, CaseOutcome.SETTLED)
    executed = IssuedDocument.objects.get(case=case, kind=IssuedKind.SETTLEMENT_AGREEMENT, status=IssuedStatus.EXECUTED)
    assert executed.executed_from.signatures.count() == 2
    assert added == ["document.signed", "document.signed", "document.executed", "case.settle", "compliance.obligation"]


def test_settling_needs_the_agreement_drafted_after_the_commit(negotiating):
    case = builder.case_in_settlement(case=negotiating(), amount=Decimal("9000.00"), terms="Within 14 days.")
    with pytest.raises(LookupError, match="on-commit callbacks"):
        builder.case_settled(case=case, password=PASSWORD)


# --- Mediation -------------------------------------------------------------------------------------------


def test_mediation_from_the_request_to_a_live_session(negotiating, respondent, administrator, mediator_profile):
    case, added = _added(case := negotiating(), lambda: builder.case_in_mediation(case=case, requested_by=respondent))
    assert case.status == CaseStatus.MEDIATION
    assert MediationState.objects.get(case=case).phase == MediationPhase.RANKING
    assert added == ["case.escalate_to_mediation", "mediation.opened"]
    assert AuditEntry.objects.get(case=case, action="case.escalate_to_mediation").actor == respondent

    case, added = _added(
        case, lambda: builder.case_with_mediator(case=case, administrator=administrator, mediator=mediator_profile)
    )
    assert _neutrals(case) == {("mediator", "mia")}
    assert MediationState.objects.get(case=case).phase == MediationPhase.APPOINTED
    assert added == [
        "mediation.proposed",
        "mediation.appointed_by_administrator",
        "mediation.accepted",
        "case.deadline_extended",
        "document.drafted",
    ]

    case, added = _added(case, lambda: builder.case_mediation_agreed(case=case, password=PASSWORD))
    draft = IssuedDocument.objects.get(case=case, kind=IssuedKind.AGREEMENT_TO_MEDIATE)
    assert set(draft.signatures.values_list("role", flat=True)) == {"claimant", "respondent"}
    assert added == ["document.signed", "document.signed"]

    session, added = _added(case, lambda: builder.mediation_session_live(case=case))
    assert (session.case, session.status) == (case, SessionStatus.LIVE)
    assert added == ["mediation.session_started"]


def test_mediation_ended_without_both_consents_waits_for_them(negotiating, administrator, mediator_profile):
    case = builder.case_in_mediation(case=negotiating(consents_to_arbitration=False))
    case = builder.case_with_mediator(case=case, administrator=administrator, mediator=mediator_profile)
    case, added = _added(
        case,
        lambda: builder.case_mediation_ended(
            case=case, result=MediationResult.PARTLY_SETTLED, amount=Decimal("100.00"), terms="Half."
        ),
    )
    assert case.status == CaseStatus.MEDIATION
    assert MediationState.objects.get(case=case).phase == MediationPhase.ENDED
    assert added == ["mediation.outcome", "arbitration.consent_requested"]


# --- Arbitration -----------------------------------------------------------------------------------------


def test_arbitration_from_the_failed_mediation_to_the_award(
    negotiating, administrator, mediator_profile, arbitrator_profile, seal
):
    case = builder.case_in_mediation(case=negotiating())
    case = builder.case_with_mediator(case=case, administrator=administrator, mediator=mediator_profile)
    case, added = _added(case, lambda: builder.case_in_arbitration(case=case))
    assert case.status == CaseStatus.ARBITRATION
    assert added == ["mediation.outcome", "case.escalate_to_arbitration", "arbitration.opened"]

    case, added = _added(
        case,
        lambda: builder.case_with_arbitrator(
            case=case, administrator=administrator, arbitrator=arbitrator_profile, password=PASSWORD
        ),
    )
    assert _neutrals(case) == {("mediator", "mia"), ("arbitrator", "arthur")}
    assert ArbitrationState.objects.get(case=case).phase == ArbitrationPhase.APPOINTED
    assert IssuedDocument.objects.filter(
        case=case, kind=IssuedKind.DECLARATION_OF_INDEPENDENCE, status=IssuedStatus.EXECUTED
    ).exists()
    assert added == [
        "arbitration.proposed",
        "arbitration.appointed_by_administrator",
        "document.drafted",
        "document.signed",
        "document.executed",
        "arbitration.accepted",
    ]

    case, added = _added(case, lambda: builder.case_in_proceedings(case=case))
    assert ArbitrationState.objects.get(case=case).phase == ArbitrationPhase.PROCEEDINGS
    assert TimetableStep.objects.filter(case=case).count() == 5
    assert added == ["arbitration.timetable_set"]

    case, added = _added(case, lambda: builder.case_with_submissions(case=case))
    assert sorted(
        Submission.objects.filter(step__case=case, status=SubmissionStatus.FILED).values_list("statement", flat=True)
    ) == [
        "Our claim.",
        "Our defence.",
    ]
    assert added == ["arbitration.filed", "arbitration.filed"]

    terms = AwardTerms(
        findings="Paid.",
        reasons="Refundable.",
        claim_awarded=Decimal("1000.00"),
        counterclaim_awarded=Decimal("0.00"),
        costs_amount=Decimal("0.00"),
        costs_payer_role="",
        net_amount=Decimal("1000.00"),
        net_payer_role="respondent",
        pay_by=timezone.localdate() + timedelta(days=14),
    )
    # The replies' time is up (the parties had it), so the award may be made on the claim and the defence.
    TimetableStep.objects.filter(case=case, kind="reply").update(due_at=timezone.now() - timedelta(minutes=1))
    case, added = _added(case, lambda: builder.case_awarded(case=case, terms=terms, password=PASSWORD))
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, CaseOutcome.AWARD_ISSUED)
    assert added == [
        "arbitration.award_drafted",
        "document.drafted",
        "document.signed",
        "document.executed",
        "case.issue_award",
        "compliance.obligation",
    ]


def test_every_submission_filed_brings_the_award_forward(proceedings):
    case, added = _added(proceedings, lambda: builder.case_with_submissions(case=proceedings, replies=True))
    assert Submission.objects.filter(step__case=case, status=SubmissionStatus.FILED).count() == 4
    assert added == ["arbitration.filed"] * 4 + ["arbitration.award_due"]


def test_the_builder_needs_no_test_framework():
    """The demo's seeding and the benches run it outside pytest: importing it loads no pytest."""
    code = "import django, sys; django.setup(); import demo.builder; sys.exit('pytest' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
