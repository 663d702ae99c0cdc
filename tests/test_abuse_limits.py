"""Limits on what one account or address can do in bulk, and what a password change ends: sign-up,
invitations, websocket connections, and the sessions and sockets of a user whose password changed."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.contrib.auth.models import User
from django.urls import reverse

from cases.models import Case, CaseStatus, Invitation
from cases.services.filing import claim_draft_update
from tests.conftest import PASSWORD
from tests.ws import communicator_for


@pytest.fixture(autouse=True)
def _fresh_layer():
    yield
    # Each async test runs in its own event loop; a Redis layer's connections belong to the loop that made them.
    channel_layers.backends.clear()


def test_sign_up_is_limited_per_address(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/m/ip"}
    for number in range(2):
        response = client.post(
            reverse("account_signup"),
            {
                "email": f"new{number}@example.com",
                "password1": "a long unusual phrase 9",
                "password2": "a long unusual phrase 9",
            },
        )
        assert response.status_code == 302
        client.logout()
    refused = client.post(
        reverse("account_signup"),
        {"email": "third@example.com", "password1": "a long unusual phrase 9", "password2": "a long unusual phrase 9"},
    )
    assert refused.status_code == 429
    assert not User.objects.filter(email="third@example.com").exists()


def _file(client, case: Case):
    return client.post(
        reverse("cases:file_step", kwargs={"case_id": case.public_id, "step": 5}), {"accept_terms": "on"}
    )


def test_filing_is_limited_by_the_invitations_a_day(make_draft, claimant, client_for, settings, run_tasks):
    settings.ODR_INVITATIONS_PER_DAY = 2
    client = client_for(claimant)
    drafts = [make_draft() for _ in range(3)]
    for draft in drafts:
        claim_draft_update(case=draft, user=claimant, step=4, values={})  # evidence step done
    for draft in drafts[:2]:
        assert _file(client, draft).status_code == 302
    refused = _file(client, drafts[2])
    assert refused.status_code == 429
    assert "the most invitations allowed in a day" in refused.text
    drafts[2].refresh_from_db()
    # Nothing lost: the third claim is still a draft, with its answers, and no invitation went for it.
    assert drafts[2].status == CaseStatus.DRAFT
    assert drafts[2].amount_claimed is not None
    assert not Invitation.objects.filter(case=drafts[2]).exists()
    assert len([m for m in run_tasks() if "invit" in m.subject.lower()]) == 2


def test_resending_invitations_shares_the_same_limit(filed_case, claimant, client_for, settings):
    settings.ODR_INVITATION_RESEND_MINUTES = 0
    settings.ODR_INVITATIONS_PER_DAY = 1
    client = client_for(claimant)
    url = reverse("cases:invitation_resend", kwargs={"case_id": filed_case.public_id})
    client.post(url)
    before = Invitation.objects.filter(case=filed_case).count()
    page = client.post(url, follow=True)
    assert "the most invitations allowed in a day" in page.text
    assert Invitation.objects.filter(case=filed_case).count() == before


async def _connect(case, user):
    communicator = await communicator_for(f"/ws/cases/{case.public_id}/negotiation/", user)
    connected, code = await communicator.connect()
    return communicator, connected, code


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_socket_connections_are_limited_per_user(negotiation_case, claimant, respondent, settings):
    settings.ODR_SOCKET_CONNECTS_PER_MINUTE = 2
    for _ in range(2):
        communicator, connected, _code = await _connect(negotiation_case, claimant)
        assert connected
        assert (await communicator.receive_json_from())["type"] == "hello"
        await communicator.disconnect()
    communicator, connected, _code = await _connect(negotiation_case, claimant)
    frame = await communicator.receive_json_from()
    assert frame["type"] == "error"
    assert frame["code"] == "rate_limited"
    assert "reconnect shortly" in frame["message"]
    closed = await communicator.receive_output()
    assert closed == {"type": "websocket.close", "code": 4429}
    # The limit is the user's: the other party still gets in.
    other, connected, _code = await _connect(negotiation_case, respondent)
    assert connected
    assert (await other.receive_json_from())["type"] == "hello"
    await other.disconnect()


def test_a_password_change_ends_the_users_other_sessions(claimant, client_for):
    here, elsewhere = client_for(claimant), client_for(claimant)
    assert elsewhere.get(reverse("cases:my_cases")).status_code == 200
    response = here.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "a brand new phrase 42", "password2": "a brand new phrase 42"},
    )
    assert response.status_code == 302
    signed_out = elsewhere.get(reverse("cases:my_cases"))
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith(reverse("account_login"))


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_password_change_closes_the_users_open_sockets(negotiation_case, claimant, respondent):
    mine, connected, _code = await _connect(negotiation_case, claimant)
    assert connected
    theirs, connected, _code = await _connect(negotiation_case, respondent)
    assert connected
    await mine.receive_json_from()  # hello
    await theirs.receive_json_from()

    @database_sync_to_async
    def change_password() -> None:
        user = User.objects.get(pk=claimant.pk)
        user.set_password("a brand new phrase 42")
        user.save()

    await change_password()
    while (output := await mine.receive_output(timeout=2))["type"] != "websocket.close":
        pass
    assert output["code"] == 4401
    # The other party's socket is untouched.
    await theirs.send_json_to({"type": "ping"})
    while (await theirs.receive_json_from())["type"] != "pong":
        pass
    await theirs.disconnect()


def test_an_unrelated_save_of_the_user_closes_nothing(claimant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        claimant.first_name = "Alice"
        claimant.save()
        claimant.last_login = claimant.date_joined
        claimant.save(update_fields=["last_login"])
    assert callbacks == []
