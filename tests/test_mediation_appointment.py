"""Appointing the mediator: rankings, the first mediator acceptable to both, conflicts, answers,
replacement; scheduling with .ics invitations and reminders; the outcome."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases.models import AuditEntry, CaseAssignment, CaseStatus, Membership
from cases.models.panel import AppointmentStatus
from cases.services import ServiceError
from cases.services.deadlines import deadlines_sweep
from mediation.models import (
    MediationPhase,
    MediationState,
    MediatorAppointment,
    MediatorNote,
    MediatorProfile,
    SessionStatus,
)
from mediation.services.appointment import (
    appointment_respond,
    eligible_mediators,
    mediator_appoint,
    mediator_replace,
    rankings_deadline_sweep,
    rankings_submit,
)
from mediation.services.sessions import (
    availability_mark,
    note_add,
    outcome_record,
    session_confirm,
    session_open,
    session_propose,
    session_reminders_send,
)
from negotiation.services.escalation import mediation_request
from tests.conftest import make_user


def profile(name: str) -> MediatorProfile:
    user = make_user(name, "Mediators", mfa=True)
    return MediatorProfile.objects.create(
        user=user, display_name=name.title(), languages=["en"], specialisms=[], accreditation="Accredited", bio="Bio"
    )


@pytest.fixture
def in_mediation(negotiation_case, claimant):
    mediation_request(case=negotiation_case, user=claimant)
    negotiation_case.refresh_from_db()
    return negotiation_case


@pytest.fixture
def panel(db):
    return [profile("ann"), profile("ben"), profile("cat")]


def test_entering_mediation_opens_the_ranking_window(in_mediation, settings, run_tasks):
    state = MediationState.objects.get(case=in_mediation)
    assert state.phase == MediationPhase.RANKING
    expected = timezone.now() + timedelta(days=settings.ODR_MEDIATION_RANKING_DAYS)
    assert abs((state.ranking_deadline_at - expected).total_seconds()) < 60
    subjects = [m.subject for m in run_tasks()]
    assert any("Rank mediators" in s for s in subjects)


def test_the_first_mediator_acceptable_to_both_is_proposed(in_mediation, panel, claimant, respondent):
    ann, ben, cat = panel
    rankings_submit(case=in_mediation, user=claimant, mediator_ids=[ann.pk, ben.pk, cat.pk])
    assert MediationState.objects.get(case=in_mediation).phase == MediationPhase.RANKING
    rankings_submit(case=in_mediation, user=respondent, mediator_ids=[cat.pk, ben.pk])  # Ann not acceptable
    proposal = MediatorAppointment.objects.get(case=in_mediation)
    # Ben: ranks 2 and 2 (worst 2) beats Cat: 3 and 1 (worst 3).
    assert (proposal.mediator, proposal.status, proposal.proposed_by) == (ben, "proposed", "ranking")
    assert MediationState.objects.get(case=in_mediation).phase == MediationPhase.PROPOSED


def test_no_common_choice_goes_to_an_administrator(in_mediation, panel, claimant, respondent, administrator, run_tasks):
    ann, ben, _cat = panel
    rankings_submit(case=in_mediation, user=claimant, mediator_ids=[ann.pk])
    rankings_submit(case=in_mediation, user=respondent, mediator_ids=[ben.pk])
    assert MediationState.objects.get(case=in_mediation).phase == MediationPhase.ADMINISTRATOR_TO_APPOINT
    assert not MediatorAppointment.objects.exists()
    assert any("Appoint a mediator" in m.subject for m in run_tasks())


def test_when_the_ranking_window_closes_what_is_there_decides(in_mediation, panel, claimant):
    rankings_submit(case=in_mediation, user=claimant, mediator_ids=[panel[0].pk])
    later = timezone.now() + timedelta(days=30)
    assert rankings_deadline_sweep(now=later) == 1
    assert MediationState.objects.get(case=in_mediation).phase == MediationPhase.ADMINISTRATOR_TO_APPOINT
    with pytest.raises(ServiceError, match="time to rank"):
        rankings_submit(case=in_mediation, user=claimant, mediator_ids=[panel[1].pk])


def test_ranking_rules(in_mediation, panel, claimant, outsider):
    with pytest.raises(ServiceError, match="at least one"):
        rankings_submit(case=in_mediation, user=claimant, mediator_ids=[])
    with pytest.raises(ServiceError, match="once"):
        rankings_submit(case=in_mediation, user=claimant, mediator_ids=[panel[0].pk, panel[0].pk])
    with pytest.raises(ServiceError, match="Only the parties"):
        rankings_submit(case=in_mediation, user=outsider, mediator_ids=[panel[0].pk])


def test_a_mediator_linked_to_a_party_is_blocked_automatically(in_mediation, panel, claimant_org, administrator):
    ann = panel[0]
    Membership.objects.create(user=ann.user, organisation=claimant_org)
    assert ann not in eligible_mediators(in_mediation)
    with pytest.raises(ServiceError, match="linked"):
        mediator_appoint(case=in_mediation, actor=administrator, mediator=ann)
    ben = panel[1]
    ben.linked_organisations.add(claimant_org)
    assert ben not in eligible_mediators(in_mediation)
    assert eligible_mediators(in_mediation) == [panel[2]]


def test_a_party_on_the_panel_is_never_eligible_for_its_own_case(in_mediation, panel, respondent):
    party = MediatorProfile.objects.create(
        user=respondent, display_name="Bob", languages=["en"], specialisms=[], accreditation="Accredited", bio="Bio"
    )
    assert party not in eligible_mediators(in_mediation)
    assert len(eligible_mediators(in_mediation)) == len(panel)


def test_the_mediator_declares_no_conflict_to_accept_and_becomes_the_cases_mediator(
    in_mediation, panel, administrator, client_for
):
    ann = panel[0]
    proposal = mediator_appoint(case=in_mediation, actor=administrator, mediator=ann)
    # Before accepting, Ann sees the summary on the proposal page (linked from My cases), not the case page.
    ann_client = client_for(ann.user)
    my_cases = ann_client.get(reverse("cases:my_cases")).text
    assert reverse("mediation:proposal", kwargs={"appointment_id": proposal.pk}) in my_cases
    assert ann_client.get(reverse("cases:detail", kwargs={"case_id": in_mediation.public_id})).status_code == 404
    page = ann_client.get(reverse("mediation:proposal", kwargs={"appointment_id": proposal.pk}))
    assert in_mediation.reference in page.text
    assert in_mediation.facts[:30] in page.text
    refused = ann_client.post(
        reverse("mediation:proposal", kwargs={"appointment_id": proposal.pk}), {"answer": "accept"}
    )
    assert refused.status_code == 400
    assert "no conflict of interest" in refused.text
    accepted = ann_client.post(
        reverse("mediation:proposal", kwargs={"appointment_id": proposal.pk}),
        {"answer": "accept", "no_conflict": "on", "declaration": "I met the claimant's director once, in 2019."},
    )
    assert accepted.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == AppointmentStatus.ACCEPTED
    assert proposal.conflict_declaration.startswith("I met")
    assert CaseAssignment.objects.filter(case=in_mediation, user=ann.user, role="mediator", active=True).exists()
    assert ann_client.get(reverse("mediation:case", kwargs={"case_id": in_mediation.public_id})).status_code == 200
    # Someone else's proposal page is 404.
    other = client_for(panel[1].user)
    assert other.get(reverse("mediation:proposal", kwargs={"appointment_id": proposal.pk})).status_code == 404


def test_a_declining_mediator_gives_way_to_the_next_common_choice(in_mediation, panel, claimant, respondent):
    ann, ben, _cat = panel
    rankings_submit(case=in_mediation, user=claimant, mediator_ids=[ann.pk, ben.pk])
    rankings_submit(case=in_mediation, user=respondent, mediator_ids=[ann.pk, ben.pk])
    first = MediatorAppointment.objects.get(case=in_mediation)
    with pytest.raises(ServiceError, match="why"):
        appointment_respond(appointment=first, user=ann.user, accept=False)
    appointment_respond(appointment=first, user=ann.user, accept=False, decline_reason="Fully booked")
    following = MediatorAppointment.objects.get(case=in_mediation, status="proposed")
    assert following.mediator == ben


def test_replacing_the_mediator_needs_a_reason_and_ends_their_access(mediation_case, administrator, mediator):
    with pytest.raises(ServiceError, match="reason"):
        mediator_replace(case=mediation_case, actor=administrator, reason="")
    mediator_replace(case=mediation_case, actor=administrator, reason="Illness")
    assert not CaseAssignment.objects.filter(case=mediation_case, user=mediator, active=True).exists()
    assert MediationState.objects.get(case=mediation_case).phase == MediationPhase.ADMINISTRATOR_TO_APPOINT
    assert AuditEntry.objects.get(case=mediation_case, action="mediation.replaced").data["reason"] == "Illness"


def test_times_are_offered_answered_and_confirmed_with_an_ics_invitation(
    mediation_case, mediator, claimant, respondent, run_tasks
):
    start = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    session = session_propose(
        case=mediation_case,
        user=mediator,
        slots=[(start, start + timedelta(hours=2)), (start + timedelta(days=1), start + timedelta(days=1, hours=2))],
    )
    first, second = list(session.slots.all())
    availability_mark(session=session, user=claimant, available_slot_ids={first.pk, second.pk})
    availability_mark(session=session, user=respondent, available_slot_ids={second.pk})
    run_tasks()
    mail.outbox.clear()
    session = session_confirm(session=session, user=mediator, slot_id=second.pk)
    assert (session.status, session.starts_at) == (SessionStatus.SCHEDULED, second.starts_at)
    sent = run_tasks()
    assert sorted(m.to[0] for m in sent) == sorted([claimant.email, respondent.email, mediator.email])
    filename, content, mimetype = sent[0].attachments[0]
    assert filename == "mediation-session.ics"
    assert mimetype.startswith("text/calendar")
    assert f"DTSTART:{second.starts_at.strftime('%Y%m%dT%H%M%SZ')}" in content
    assert f"UID:{session.public_id}@odr-centre" in content
    assert "(Hong Kong time)" in sent[0].body


def test_the_ics_invitation_names_its_organizer_and_attendees(
    mediation_case, mediator, claimant, respondent, run_tasks, settings
):
    """RFC 5546: a REQUEST names its ORGANIZER and every ATTENDEE, and carries a SEQUENCE, or mail clients do
    not treat it as an invitation."""
    import icalendar

    settings.DEFAULT_FROM_EMAIL = "ODR Centre <registry@odr.example>"
    start = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    session = session_propose(case=mediation_case, user=mediator, slots=[(start, start + timedelta(hours=2))])
    run_tasks()
    session = session_confirm(session=session, user=mediator, slot_id=session.slots.get().pk)
    sent = run_tasks()
    _filename, content, mimetype = sent[0].attachments[0]
    assert mimetype == "text/calendar; method=REQUEST"
    calendar = icalendar.Calendar.from_ical(content)
    assert calendar["METHOD"] == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert event["UID"] == f"{session.public_id}@odr-centre"
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTEND") == start + timedelta(hours=2)
    assert event["SEQUENCE"] == 0
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:registry@odr.example"
    assert organizer.params["CN"] == "ODR Centre"
    attendees = {str(a): a.params for a in event["ATTENDEE"]}
    assert set(attendees) == {f"mailto:{u.email}" for u in (claimant, respondent, mediator)}
    assert attendees[f"mailto:{mediator.email}"]["ROLE"] == "CHAIR"
    assert attendees[f"mailto:{mediator.email}"]["CN"] == "Mia Mediator"
    assert attendees[f"mailto:{claimant.email}"]["CN"] == "alice@example.com (Alpha Trading Limited)"
    for party in (claimant, respondent):
        assert attendees[f"mailto:{party.email}"]["ROLE"] == "REQ-PARTICIPANT"
        assert attendees[f"mailto:{party.email}"]["PARTSTAT"] == "NEEDS-ACTION"
    assert mediation_case.reference in event["SUMMARY"]


def test_a_mediator_cannot_be_double_booked(mediation_case, mediator, negotiation_case):
    start = timezone.now() + timedelta(days=3)
    one = session_propose(case=mediation_case, user=mediator, slots=[(start, start + timedelta(hours=2))])
    session_confirm(session=one, user=mediator, slot_id=one.slots.get().pk)
    two = session_propose(
        case=mediation_case, user=mediator, slots=[(start + timedelta(hours=1), start + timedelta(hours=3))]
    )
    with pytest.raises(ServiceError, match="already have a session"):
        session_confirm(session=two, user=mediator, slot_id=two.slots.get().pk)


def test_reminders_go_out_24_hours_and_1_hour_before_once_each(mediation_case, mediator, run_tasks):
    start = timezone.now() + timedelta(hours=30)
    session = session_propose(case=mediation_case, user=mediator, slots=[(start, start + timedelta(hours=1))])
    session_confirm(session=session, user=mediator, slot_id=session.slots.get().pk)
    run_tasks()
    assert session_reminders_send(now=start - timedelta(hours=25)) == 0
    # The deadline sweep runs it, as in production.
    assert deadlines_sweep(now=start - timedelta(hours=23))["session_reminders"] == 1
    assert session_reminders_send(now=start - timedelta(hours=22)) == 0
    assert session_reminders_send(now=start - timedelta(minutes=50)) == 1
    assert session_reminders_send(now=start - timedelta(minutes=40)) == 0
    subjects = [m.subject for m in run_tasks()]
    assert sum("Mediation session soon" in s for s in subjects) == 6  # 2 reminders x 3 people


def test_settled_mediation_hands_the_terms_to_the_settlement_agreement(
    mediation_agreed, mediator, claimant, client_for
):
    mediation_case = mediation_agreed
    note_add(case=mediation_case, user=mediator, body="Respondent's cash flow is the real issue.")
    session = session_open(case=mediation_case, user=mediator)
    with pytest.raises(ServiceError, match="End the session"):
        outcome_record(case=mediation_case, user=mediator, result="settled", amount=Decimal("9000"), terms="x")
    from mediation.services.sessions import session_end

    session_end(session=session, user=mediator)
    with pytest.raises(ServiceError, match="terms"):
        outcome_record(case=mediation_case, user=mediator, result="settled", amount=Decimal("9000"), terms="")
    outcome_record(
        case=mediation_case, user=mediator, result="settled", amount=Decimal("9000.00"), terms="Paid in 3 instalments."
    )
    mediation_case.refresh_from_db()
    assert mediation_case.status == CaseStatus.SETTLEMENT
    assert mediation_case.settlement.source == "mediation"
    assert mediation_case.settlement.terms == "Paid in 3 instalments."
    # The mediator's notes are the mediator's alone.
    page = client_for(claimant).get(reverse("mediation:case", kwargs={"case_id": mediation_case.public_id}))
    assert "cash flow" not in page.text
    assert MediatorNote.objects.count() == 1


@pytest.mark.parametrize(
    ("both_agreed_to_arbitration", "result", "expected"),
    [
        (True, "not_settled", (CaseStatus.ARBITRATION, "")),
        (False, "not_settled", (CaseStatus.CLOSED, "not_settled")),
        (False, "partly_settled", (CaseStatus.CLOSED, "partly_settled")),
    ],
)
def test_unsettled_mediation_goes_to_arbitration_only_if_both_agreed(
    mediation_case, mediator, both_agreed_to_arbitration, result, expected
):
    if not both_agreed_to_arbitration:
        mediation_case.parties.filter(role="respondent").update(consents_to_arbitration=False)
    outcome_record(
        case=mediation_case,
        user=mediator,
        result=result,
        amount=Decimal("100.00") if result == "partly_settled" else None,
        terms="Part" if result == "partly_settled" else "",
    )
    mediation_case.refresh_from_db()
    if not both_agreed_to_arbitration:
        # The party that had not agreed may still agree for a while; unless it does, the case then closes
        # with the mediation's outcome.
        assert mediation_case.status == CaseStatus.MEDIATION
        deadlines_sweep(now=mediation_case.deadline_at + timedelta(minutes=1))
        mediation_case.refresh_from_db()
    assert (mediation_case.status, mediation_case.outcome) == expected


def test_the_mediation_page_by_persona(
    mediation_case, live_session, client_for, claimant, respondent, mediator, arbitrator, outsider, administrator
):
    url = reverse("mediation:case", kwargs={"case_id": mediation_case.public_id})
    for user in (claimant, respondent, mediator, administrator):
        assert client_for(user).get(url).status_code == 200
    for user in (arbitrator, outsider):
        assert client_for(user).get(url).status_code == 404
    room = reverse("mediation:room", kwargs={"session_id": live_session.public_id})
    for user in (claimant, respondent, mediator):
        assert client_for(user).get(room).status_code == 200
    for user in (arbitrator, outsider, administrator):
        assert client_for(user).get(room).status_code == 404
    # A party cannot act as the mediator.
    note = reverse("mediation:action", kwargs={"case_id": mediation_case.public_id, "action": "note"})
    assert client_for(claimant).post(note, {"body": "x"}).status_code == 404
    assert client_for(mediator).post(note, {"body": ""}).status_code == 400


def test_the_panel_is_kept_by_administrators(client_for, administrator, mediator, claimant, db):
    assert client_for(claimant).get(reverse("mediation:panel")).status_code == 404
    response = client_for(administrator).post(
        reverse("mediation:profile_new"),
        {
            "user": mediator.pk,
            "display_name": "Mia M.",
            "languages": ["en", "yue"],
            "specialisms": ["services"],
            "accreditation": "HKMAAL",
            "bio": "Bio",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert MediatorProfile.objects.get(user=mediator).languages == ["en", "yue"]
    assert "Mia M." in client_for(administrator).get(reverse("mediation:panel")).text
    assert AuditEntry.objects.filter(action="mediation.panel_created").exists()


def test_one_extension_of_the_mediation_period_when_both_parties_agree(mediation_case, claimant, respondent, settings):
    from mediation.services.sessions import mediation_extension_request

    before = mediation_case.deadline_at
    mediation_extension_request(case=mediation_case, user=claimant)
    with pytest.raises(ServiceError, match="already asked"):
        mediation_extension_request(case=mediation_case, user=claimant)
    mediation_extension_request(case=mediation_case, user=respondent)
    mediation_case.refresh_from_db()
    assert mediation_case.deadline_at == before + timedelta(days=settings.ODR_MEDIATION_EXTENSION_DAYS)
    with pytest.raises(ServiceError, match="once"):
        mediation_extension_request(case=mediation_case, user=claimant)


def test_no_session_before_both_parties_sign_the_agreement_to_mediate(
    mediation_case, mediator, claimant, respondent, client_for, seal, run_tasks, django_capture_on_commit_callbacks
):
    from io import BytesIO

    from pypdf import PdfReader

    from documents.models import IssuedDocument, IssuedKind

    with pytest.raises(ServiceError, match="agreement to mediate"):
        session_open(case=mediation_case, user=mediator)
    from documents.services import render_draft

    draft = IssuedDocument.objects.get(case=mediation_case, kind=IssuedKind.AGREEMENT_TO_MEDIATE, status="draft")
    draft = render_draft(document_id=draft.pk)  # the background task's body (queued after the commit)
    with draft.pdf.open("rb") as file:
        text = "".join(page.extract_text() for page in PdfReader(BytesIO(file.read())).pages)
    assert "Agreement to Mediate" in text
    assert "Mia Mediator" in text
    assert "no audio or video" in text
    page_url = reverse("documents:agreement_to_mediate", kwargs={"case_id": mediation_case.public_id})
    page = client_for(claimant).get(page_url)
    assert "Agreement to mediate" in page.text
    assert "Propose different wording" not in page.text  # the Centre's standard text
    sign_url = reverse(
        "documents:agreement_sign", kwargs={"case_id": mediation_case.public_id, "document_id": draft.pk}
    )
    from tests.conftest import PASSWORD

    for user in (claimant, respondent):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(user).post(
                sign_url, {"password": PASSWORD, "full_name": user.username, "consent": "on", "totp_code": ""}
            )
        assert response.status_code == 302, response.content
        assert response["Location"] == page_url
    session = session_open(case=mediation_case, user=mediator)
    assert session.status == SessionStatus.LIVE
    run_tasks()  # the sealed copy
    assert IssuedDocument.objects.filter(case=mediation_case, kind=IssuedKind.AGREEMENT_TO_MEDIATE, status="executed")
    mediation_case.refresh_from_db()
    assert mediation_case.status == CaseStatus.MEDIATION  # signing it does not settle anything


def test_the_session_record_shows_attendance_and_duration(
    live_session, mediation_agreed, mediator, claimant, client_for
):
    from mediation.access import session_access
    from mediation.services.room import room_join, room_leave
    from mediation.services.sessions import session_end

    joined = room_join(access=session_access(claimant, live_session.pk), user=claimant, channel_name="test.chan")
    room_leave(peer_id=joined.peer_id)
    session_end(session=live_session, user=mediator)
    page = client_for(mediator).get(reverse("mediation:case", kwargs={"case_id": mediation_agreed.public_id}))
    assert "Attendance (0 minutes)" in page.text
    assert f"{claimant.email} (claimant)" in page.text


def test_session_times_show_in_hong_kong_time_unless_the_user_chose_another_zone(
    mediation_case, mediator, claimant, client_for
):
    from datetime import UTC, datetime

    start = datetime(2030, 1, 15, 2, 0, tzinfo=UTC)  # 10:00 in Hong Kong, 02:00 in London
    session_propose(case=mediation_case, user=mediator, slots=[(start, start + timedelta(hours=2))])
    url = reverse("mediation:case", kwargs={"case_id": mediation_case.public_id})
    browser = client_for(claimant)
    assert "10:00" in browser.get(url).text
    chosen = browser.post(
        reverse("cases:timezone"), {"timezone": "Europe/London", "next": "https://evil.example/"}, follow=False
    )
    assert chosen.status_code == 302
    assert chosen["Location"] == "/"  # never off-site
    page = browser.get(url).text
    assert "02:00" in page
    assert "Europe/London" in page
    browser.cookies["odr_timezone"] = "Mars/Olympus_Mons"  # nonsense is ignored: Hong Kong time
    assert "10:00" in browser.get(url).text
    refused = browser.post(reverse("cases:timezone"), {"timezone": "Mars/Olympus_Mons"})
    assert refused.status_code == 400


def test_the_mediator_may_propose_wording_for_a_settlement_reached_in_mediation(
    mediation_case, mediator, claimant, client_for, django_capture_on_commit_callbacks
):
    from documents.models import IssuedDocument, IssuedKind

    with django_capture_on_commit_callbacks(execute=True):  # the settlement hook drafts the agreement
        outcome_record(
            case=mediation_case, user=mediator, result="settled", amount=Decimal("9000.00"), terms="Paid by March."
        )
    page = reverse("documents:agreement", kwargs={"case_id": mediation_case.public_id})
    assert "Propose different wording" in client_for(mediator).get(page).text
    revise = reverse("documents:agreement_revise", kwargs={"case_id": mediation_case.public_id})
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(mediator).post(revise, {"terms": "Paid in two instalments, by March and by June."})
    assert response.status_code == 302
    versions = IssuedDocument.objects.filter(case=mediation_case, kind=IssuedKind.SETTLEMENT_AGREEMENT)
    assert versions.get(status="draft").terms == "Paid in two instalments, by March and by June."
    assert versions.count() == 2


def test_scheduling_and_the_extension_through_the_mediation_page(
    mediation_case, mediator, claimant, respondent, client_for, run_tasks
):
    from mediation.models import MediationSession

    def act(user, action, data):
        url = reverse("mediation:action", kwargs={"case_id": mediation_case.public_id, "action": action})
        return client_for(user).post(url, data)

    refused = act(mediator, "propose", {"slot1": "2020-01-01T10:00", "minutes": "120"})
    assert refused.status_code == 400
    assert "Offer times in the future." in refused.text
    assert (
        act(
            mediator, "propose", {"slot1": "2030-03-04T10:00", "slot2": "2030-03-05T15:30", "minutes": "90"}
        ).status_code
        == 302
    )
    session = MediationSession.objects.get(case=mediation_case)
    first, second = session.slots.order_by("starts_at")
    assert first.starts_at.isoformat() == "2030-03-04T02:00:00+00:00"  # entered in Hong Kong time, stored in UTC
    assert (second.ends_at - second.starts_at) == timedelta(minutes=90)
    for user in (claimant, respondent):
        assert act(user, "availability", {"session": session.public_id, "slot": [second.pk]}).status_code == 302
    page = client_for(mediator).get(reverse("mediation:case", kwargs={"case_id": mediation_case.public_id})).text
    import re

    answers = re.sub(r"\s+", " ", page)
    assert "claimant can, respondent can" in answers, answers[answers.find("Confirm a time") :][:600]
    assert act(claimant, "confirm", {"session": session.public_id, "slot": second.pk}).status_code == 404  # mediator's
    assert act(mediator, "confirm", {"session": session.public_id, "slot": second.pk}).status_code == 302
    session.refresh_from_db()
    assert (session.status, session.starts_at) == (SessionStatus.SCHEDULED, second.starts_at)
    assert act(claimant, "extension", {}).status_code == 302
    assert act(respondent, "extension", {}).status_code == 302
    assert MediationState.objects.get(case=mediation_case).extended_at is not None


def test_a_mediator_without_two_factor_cannot_answer_a_proposal_or_enter_the_room(
    live_session, mediation_case, administrator, client_for
):
    from mediation.access import session_access

    nina = make_user("nina", "Mediators", mfa=False)
    profile = MediatorProfile.objects.create(
        user=nina, display_name="Nina", languages=["en"], specialisms=[], accreditation="A", bio="B"
    )
    mediator_replace(case=mediation_case, actor=administrator, reason="Unavailable")
    proposal = mediator_appoint(case=mediation_case, actor=administrator, mediator=profile)
    page = client_for(nina).get(reverse("mediation:proposal", kwargs={"appointment_id": proposal.pk}))
    assert page.status_code == 302
    assert page["Location"] == reverse("mfa_activate_totp")
    CaseAssignment.objects.create(case=mediation_case, user=nina, role="mediator", active=True)
    assert session_access(nina, live_session.pk) is None
