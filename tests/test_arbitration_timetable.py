"""What the arbitration timetable tells the parties: deadlines in order after an extension, the reason for an
extension, the award once issued, and the award's payment obligation once in the timeline."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from arbitration.models import Award, StepKind, TimetableStep
from arbitration.services import award as awards
from arbitration.services import timetable
from cases.models import Obligation
from cases.services import ServiceError
from tests.test_arbitration import _all_due, _issue, _terms


def _step(case, kind, role=""):
    return TimetableStep.objects.get(case=case, kind=kind, party_role=role)


def _page(case):
    return reverse("arbitration:case", kwargs={"case_id": case.public_id})


def _issue_award(case, arbitrator, terms=None):
    _all_due(case)
    return _issue(case, arbitrator, terms)


def test_extending_the_defence_past_the_replies_is_refused_and_nothing_changes(proceedings, arbitrator):
    defence = _step(proceedings, StepKind.DEFENCE, "respondent")
    reply = _step(proceedings, StepKind.REPLY, "claimant")

    def extend_defence():
        timetable.deadline_extend(
            case=proceedings,
            user=arbitrator,
            step=defence,
            until=reply.due_at + timedelta(days=3),
            reason="The respondent's director is ill",
        )

    with pytest.raises(ServiceError, match="replies") as refused:
        extend_defence()
    assert refused.value.field == "until"
    defence_before = defence.due_at
    defence.refresh_from_db()
    assert (defence.due_at, defence.extensions) == (defence_before, 0)
    # Extending the replies first leaves room for the defence.
    for role in ("claimant", "respondent"):
        timetable.deadline_extend(
            case=proceedings,
            user=arbitrator,
            step=_step(proceedings, StepKind.REPLY, role),
            until=reply.due_at + timedelta(days=7),
            reason="Room for a later defence",
        )
    extend_defence()
    ordered = [s.kind for s in TimetableStep.objects.filter(case=proceedings).order_by("due_at", "pk")]
    assert ordered == ["claim", "defence", "reply", "reply", "award"]


def test_extending_the_claim_past_the_defence_is_refused_on_the_page(proceedings, arbitrator, client_for):
    claim = _step(proceedings, StepKind.CLAIM, "claimant")
    defence = _step(proceedings, StepKind.DEFENCE, "respondent")
    until = timezone.localtime(defence.due_at).date() + timedelta(days=1)
    response = client_for(arbitrator).post(
        reverse("arbitration:action", kwargs={"case_id": proceedings.public_id, "action": "extend"}),
        {"step": claim.pk, "until": until.isoformat(), "reason": "Documents are late"},
    )
    assert response.status_code == 400
    assert "The statement of claim would then be due after the defence" in response.text
    claim.refresh_from_db()
    assert claim.extensions == 0


def test_the_page_shows_why_a_deadline_was_extended(proceedings, arbitrator, claimant, client_for):
    claim = _step(proceedings, StepKind.CLAIM, "claimant")
    timetable.deadline_extend(
        case=proceedings, user=arbitrator, step=claim, until=claim.due_at + timedelta(days=1), reason="Typhoon signal 8"
    )
    text = client_for(claimant).get(_page(proceedings)).text
    assert "Extended once: Typhoon signal 8" in text


def test_after_the_award_the_parties_page_says_it_was_issued_not_due(proceedings, arbitrator, claimant, client_for):
    _issue_award(proceedings, arbitrator)
    award = Award.objects.get(case=proceedings)
    text = client_for(claimant).get(_page(proceedings)).text
    assert "The award is due by" not in text
    issued_on = formats.date_format(timezone.localtime(award.issued_at), "DATE_FORMAT")
    assert f"The award was issued on {issued_on}." in text


def test_the_timeline_shows_the_awards_payment_obligation_once(proceedings, arbitrator, claimant, client_for):
    """A correction of the findings leaves the one sum to pay as it was: the timeline does not announce it again."""
    _issue_award(proceedings, arbitrator)
    awards.award_correction_start(case=proceedings, user=arbitrator)
    _issue_award(proceedings, arbitrator, _terms(findings="The deposit was paid.", correction_note="Typo."))
    assert Obligation.objects.filter(case=proceedings).count() == 1
    text = client_for(claimant).get(reverse("cases:detail", kwargs={"case_id": proceedings.public_id})).text
    assert text.count("to be paid under the award") == 1
    # A correction that changes the sum says so, once.
    awards.award_correction_start(case=proceedings, user=arbitrator)
    _issue_award(
        proceedings,
        arbitrator,
        _terms(claim_awarded=Decimal("11000.00"), net_amount=Decimal("11500.50"), correction_note="Sum."),
    )
    text = client_for(claimant).get(reverse("cases:detail", kwargs={"case_id": proceedings.public_id})).text
    assert text.count("to be paid under the award") == 1
    assert text.count("Under the corrected award, the sum to be paid is now HK$11,500.50") == 1
