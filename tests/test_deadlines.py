from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from cases.models import Case, CaseOutcome, CaseParty, CaseStatus, DeadlineReminder
from cases.services.deadlines import deadlines_sweep


def _move_deadline(case, delta):
    Case.objects.filter(pk=case.pk).update(deadline_at=timezone.now() + delta)


def test_no_response_by_the_deadline_closes_the_case(filed_case, run_tasks):
    _move_deadline(filed_case, timedelta(seconds=-1))
    assert deadlines_sweep()["expired"] == 1
    filed_case.refresh_from_db()
    assert (filed_case.status, filed_case.outcome) == (CaseStatus.CLOSED, CaseOutcome.NO_RESPONSE)
    assert any("alice@example.com" in m.to and "deadline passed" in m.subject.lower() for m in run_tasks())
    # A second sweep finds nothing more to do.
    result = deadlines_sweep()
    assert (result["expired"], result["reminded"]) == (0, 0)


def test_deadline_not_yet_passed_is_left_alone(filed_case):
    assert deadlines_sweep()["expired"] == 0
    filed_case.refresh_from_db()
    assert filed_case.status == CaseStatus.AWAITING_RESPONSE


def test_reminders_go_out_once_per_threshold(filed_case, run_tasks, settings):
    settings.ODR_REMINDER_HOURS = [48, 24]
    deadline = filed_case.deadline_at
    assert deadlines_sweep(now=deadline - timedelta(hours=50))["reminded"] == 0
    assert deadlines_sweep(now=deadline - timedelta(hours=30))["reminded"] == 1
    assert deadlines_sweep(now=deadline - timedelta(hours=29))["reminded"] == 0
    reminders = [m for m in run_tasks() if "Reminder" in m.subject]
    assert [m.to for m in reminders] == [["bob@example.com"]]
    assert deadlines_sweep(now=deadline - timedelta(hours=10))["reminded"] == 1
    assert deadlines_sweep(now=deadline - timedelta(hours=5))["reminded"] == 0
    # A new deadline (say, extended) first seen inside both windows: one email, both thresholds marked.
    _move_deadline(filed_case, timedelta(hours=5))
    assert deadlines_sweep()["reminded"] == 1
    assert deadlines_sweep()["reminded"] == 0
    assert DeadlineReminder.objects.filter(case=filed_case).count() == 4


def test_negotiation_that_runs_out_moves_to_mediation(negotiation_case, settings):
    _move_deadline(negotiation_case, timedelta(seconds=-1))
    deadlines_sweep()
    negotiation_case.refresh_from_db()
    assert negotiation_case.status == CaseStatus.MEDIATION
    assert negotiation_case.deadline_at > timezone.now() + timedelta(days=settings.ODR_MEDIATION_DAYS - 1)


def test_mediation_that_runs_out_goes_to_arbitration_only_with_both_consents(negotiation_case):
    _move_deadline(negotiation_case, timedelta(seconds=-1))
    deadlines_sweep()  # -> mediation
    _move_deadline(negotiation_case, timedelta(seconds=-1))
    deadlines_sweep()
    negotiation_case.refresh_from_db()
    assert negotiation_case.status == CaseStatus.ARBITRATION  # both fixtures consented


def test_mediation_without_consent_to_arbitration_expires(negotiation_case):
    CaseParty.objects.filter(case=negotiation_case, role="respondent").update(consents_to_arbitration=False)
    for _ in range(2):
        _move_deadline(negotiation_case, timedelta(seconds=-1))
        deadlines_sweep()
    negotiation_case.refresh_from_db()
    assert (negotiation_case.status, negotiation_case.outcome) == (CaseStatus.CLOSED, CaseOutcome.EXPIRED)


def test_sweep_command_runs_once(filed_case, capsys):
    _move_deadline(filed_case, timedelta(seconds=-1))
    call_command("run_deadline_sweep")
    assert "1 expired" in capsys.readouterr().out
