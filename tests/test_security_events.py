"""The log of refused access: one entry per refusal by the access rules, rate-limited, shown to staff."""

from __future__ import annotations

import logging

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.urls import reverse

from cases.models import RefusalReason, SecurityEvent
from cases.security_events import record_refusal
from tests.ws import communicator_for


def _case_url(case):
    return reverse("cases:detail", kwargs={"case_id": case.public_id})


def test_an_outsider_opening_a_case_is_recorded_once_with_who_what_and_where(negotiation_case, outsider, client_for):
    response = client_for(outsider).get(_case_url(negotiation_case), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 404
    event = SecurityEvent.objects.get()
    assert event.user == outsider
    assert event.user_label == outsider.email
    assert (event.method, event.path) == ("GET", _case_url(negotiation_case))
    assert event.case_ref == negotiation_case.public_id
    assert event.reason == RefusalReason.CASE_HIDDEN
    assert event.ip_address == "203.0.113.9"


def test_allowed_people_and_plain_missing_pages_leave_no_event(negotiation_case, claimant, outsider, client_for):
    assert client_for(claimant).get(_case_url(negotiation_case)).status_code == 200
    assert client_for(outsider).get("/static/no-such-file.css").status_code == 404
    assert client_for(outsider).get("/no/such/page/").status_code == 404
    assert not SecurityEvent.objects.exists()


def test_a_party_using_another_roles_page_is_recorded(negotiation_case, claimant, client_for):
    url = reverse("administration:case_audit", kwargs={"case_id": negotiation_case.public_id})
    assert client_for(claimant).get(url).status_code == 404
    event = SecurityEvent.objects.get()
    assert (event.user, event.reason, event.case_ref) == (claimant, RefusalReason.ROLE, negotiation_case.public_id)


def test_administrators_see_the_events_and_no_one_else_does(negotiation_case, outsider, administrator, client_for):
    client_for(outsider).get(_case_url(negotiation_case))
    url = reverse("administration:security_events")
    page = client_for(administrator).get(url)
    assert page.status_code == 200
    assert outsider.email in page.text
    assert _case_url(negotiation_case) in page.text
    assert str(negotiation_case.public_id) in page.text
    # Filtered by someone else, the outsider's event is not listed.
    assert outsider.email not in client_for(administrator).get(url, {"who": "nobody@example.com"}).text
    # The outsider cannot read the log, and trying is itself recorded.
    assert client_for(outsider).get(url).status_code == 404
    assert SecurityEvent.objects.filter(user=outsider, reason=RefusalReason.STAFF_ONLY, path=url).count() == 1


def test_a_flood_of_refusals_is_counted_not_written(negotiation_case, outsider, client_for, settings):
    from django.core.cache import cache

    settings.ODR_SECURITY_EVENTS_PER_MINUTE = 3
    client = client_for(outsider)
    for _ in range(7):
        assert client.get(_case_url(negotiation_case)).status_code == 404
    assert SecurityEvent.objects.count() == 3
    # The next minute, the next refusal is recorded and says how many were only counted.
    cache.delete(f"ratelimit:security-event:user:{outsider.pk}")
    assert client.get(_case_url(negotiation_case)).status_code == 404
    latest = SecurityEvent.objects.order_by("-pk").first()
    assert latest is not None
    assert latest.suppressed_before == 4
    assert SecurityEvent.objects.count() == 4


def test_a_broken_transaction_loses_the_row_but_not_the_refusal_or_the_log_line(outsider, caplog):
    caplog.set_level(logging.WARNING, logger="odr.security")
    with transaction.atomic():
        transaction.set_rollback(True)  # as after a failed query earlier in the request
        event = record_refusal(
            reason=RefusalReason.CASE_HIDDEN, user=outsider, path="/cases/x/", method="GET", ip_address="192.0.2.1"
        )
    assert event is None
    assert "access refused (case_hidden): GET /cases/x/" in caplog.text
    assert "could not record a refusal" in caplog.text
    assert not SecurityEvent.objects.exists()


def test_events_cannot_be_changed_or_deleted(negotiation_case, outsider, client_for):
    from cases.models import AppendOnlyError

    client_for(outsider).get(_case_url(negotiation_case))
    event = SecurityEvent.objects.get()
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        SecurityEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        SecurityEvent.objects.update(path="/")


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_refused_websockets_are_recorded(negotiation_case, outsider, claimant):
    path = f"/ws/cases/{negotiation_case.public_id}/negotiation/"
    for user, origin in (
        (outsider, b"http://testserver"),
        (None, b"http://testserver"),
        (claimant, b"https://evil.example"),
    ):
        communicator = await communicator_for(path, user, origin=origin)
        connected, _code = await communicator.connect()
        assert not connected

    @database_sync_to_async
    def events():
        return list(SecurityEvent.objects.order_by("pk").values_list("reason", "user_id", "method", "path", "case_ref"))

    ref = negotiation_case.public_id
    assert await events() == [
        (RefusalReason.SOCKET_NO_ACCESS, outsider.pk, "WS", path, ref),
        (RefusalReason.SOCKET_ANONYMOUS, None, "WS", path, ref),
        # The room's socket checks the origin (odr.sockets): the person whose browser it was, and the case.
        (RefusalReason.SOCKET_ORIGIN, claimant.pk, "WS", path, ref),
    ]
    # An allowed party's socket leaves none.
    communicator = await communicator_for(path, claimant)
    connected, _code = await communicator.connect()
    assert connected
    await communicator.disconnect()
    assert len(await events()) == 3


def test_a_person_downloads_their_refusals_and_erasing_the_account_forgets_who_and_where(
    negotiation_case, outsider, client_for
):
    from cases.selectors.personal_data import personal_data_of
    from cases.services.personal_data import account_erase
    from tests.conftest import PASSWORD

    client_for(outsider).get(_case_url(negotiation_case), REMOTE_ADDR="203.0.113.9")
    exported = personal_data_of(outsider)["security_events"]
    assert [(e["path"], e["refused"], e["ip_address"]) for e in exported] == [
        (_case_url(negotiation_case), "case_hidden", "203.0.113.9")
    ]
    pseudonym = account_erase(user=outsider, password=PASSWORD)
    event = SecurityEvent.objects.get()
    assert (event.user_label, event.ip_address, event.user_agent) == (pseudonym, None, "")
    assert event.path == _case_url(negotiation_case)  # what was tried, and when, stays


def test_refusals_of_the_video_room_are_recorded(live_session, outsider, administrator, client_for):
    """The room page answers through the same access path as the case pages: a refusal is recorded."""
    url = reverse("mediation:room", kwargs={"session_id": live_session.public_id})
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(administrator).get(url).status_code == 404
    events = SecurityEvent.objects.order_by("pk")
    assert [(event.user, event.path, event.reason) for event in events] == [
        (outsider, url, RefusalReason.NOT_THEIRS),
        (administrator, url, RefusalReason.NOT_THEIRS),
    ]


def test_a_neutral_opening_the_negotiation_record_is_recorded(mediation_agreed, mediator, client_for):
    """Without-prejudice negotiation is the parties' own: the mediator is refused, and that is recorded."""
    url = reverse("negotiation:room", kwargs={"case_id": mediation_agreed.public_id})
    assert client_for(mediator).get(url).status_code == 404
    event = SecurityEvent.objects.get()
    assert (event.user, event.reason, event.case_ref) == (mediator, RefusalReason.ROLE, mediation_agreed.public_id)
