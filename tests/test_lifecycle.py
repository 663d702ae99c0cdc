from datetime import timedelta

import pytest
from django.utils import timezone

from cases.lifecycle import TRANSITIONS, Action, TransitionError, allowed_actions, case_transition
from cases.models import AppendOnlyError, AuditEntry, CaseOutcome, CaseStatus
from cases.roles import Role


def test_filing_moves_case_to_awaiting_response_with_deadline_and_audit(filed_case, settings):
    assert filed_case.status == CaseStatus.AWAITING_RESPONSE
    expected = timezone.now() + timedelta(days=settings.ODR_RESPONSE_DAYS)
    assert abs(filed_case.deadline_at - expected) < timedelta(minutes=1)
    actions = list(AuditEntry.objects.filter(case=filed_case).values_list("action", "from_status", "to_status"))
    assert ("case.file", "draft", "filed") in actions
    assert ("case.invite", "filed", "awaiting_response") in actions


def test_illegal_transition_raises_clear_error(filed_case, claimant):
    with pytest.raises(TransitionError, match="move to arbitration: the case is awaiting response"):
        case_transition(case=filed_case, action=Action.ESCALATE_TO_ARBITRATION, actor=claimant)
    filed_case.refresh_from_db()
    assert filed_case.status == CaseStatus.AWAITING_RESPONSE


def test_actor_without_the_right_role_is_refused(filed_case, outsider, claimant):
    with pytest.raises(TransitionError, match="not allowed"):
        case_transition(case=filed_case, action=Action.WITHDRAW, actor=outsider)
    with pytest.raises(TransitionError, match="not allowed"):
        # Only the respondent (or the platform, at the deadline) may answer or expire the claim.
        case_transition(case=filed_case, action=Action.EXPIRE, actor=claimant)


def test_closing_records_outcome_reason_and_clears_deadline(negotiation_case, claimant):
    case_transition(case=negotiation_case, action=Action.WITHDRAW, actor=claimant, reason="Paid")
    negotiation_case.refresh_from_db()
    assert negotiation_case.status == CaseStatus.CLOSED
    assert negotiation_case.outcome == CaseOutcome.WITHDRAWN
    assert negotiation_case.closing_reason == "Paid"
    assert negotiation_case.deadline_at is None
    entry = AuditEntry.objects.filter(case=negotiation_case).last()
    assert (entry.action, entry.actor, entry.data["reason"]) == ("case.withdraw", claimant, "Paid")


def test_nothing_leaves_a_closed_case(negotiation_case, claimant, administrator):
    case_transition(case=negotiation_case, action=Action.WITHDRAW, actor=claimant, reason="Paid")
    for action in Action:
        with pytest.raises(TransitionError):
            case_transition(case=negotiation_case, action=action, actor=None)


def test_every_transition_target_is_a_status_and_closing_ones_have_outcomes():
    for (status, _action), transition in TRANSITIONS.items():
        assert status != CaseStatus.CLOSED
        assert (transition.target == CaseStatus.CLOSED) == (transition.outcome is not None)


def test_allowed_actions_depend_on_role(negotiation_case):
    assert Action.WITHDRAW in allowed_actions(negotiation_case, frozenset({Role.CLAIMANT}))
    assert Action.WITHDRAW not in allowed_actions(negotiation_case, frozenset({Role.RESPONDENT}))
    assert allowed_actions(negotiation_case, frozenset()) == set()


def test_audit_log_is_append_only(filed_case):
    entry = AuditEntry.objects.filter(case=filed_case).first()
    entry.action = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(case=filed_case).update(action="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(case=filed_case).delete()
    assert not AuditEntry.objects.filter(action="tampered").exists()
