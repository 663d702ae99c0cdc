"""A person's own data: the export holds what is theirs and nothing of the other side's; erasure waits
until their cases are over, keeps the case records, and leaves a pseudonym in the audit trail."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.urls import reverse

from cases.audit import RequestMeta
from cases.models import AuditEntry, CaseStatus
from cases.services.personal_data import pseudonym_for
from cases.services.responses import case_withdraw
from negotiation.models import Message
from negotiation.services.bids import bid_submit
from negotiation.services.messages import message_post
from negotiation.services.offers import offer_make
from tests.conftest import PASSWORD

ERASE = reverse("cases:account_erase")


def _erase(client, password: str = PASSWORD, confirm: bool = True):
    return client.post(ERASE, {"password": password, **({"confirm": "on"} if confirm else {})})


@pytest.fixture
def talked(negotiation_case, claimant, respondent):
    """Both sides said something, the claimant made an offer and both entered a blind figure."""
    meta = RequestMeta(ip_address="203.0.113.7", user_agent="Test browser")
    message_post(case=negotiation_case, user=claimant, body="Our side: 8,000 would do.", meta=meta)
    message_post(case=negotiation_case, user=respondent, body="Their side: no more than 2,000.")
    offer_make(case=negotiation_case, user=claimant, amount=Decimal("8000"), terms="Paid in 14 days", meta=meta)
    bid_submit(case=negotiation_case, user=claimant, amount=Decimal("9100"))
    bid_submit(case=negotiation_case, user=respondent, amount=Decimal("1357.91"))
    return negotiation_case


def test_the_export_holds_the_persons_data_and_not_the_other_sides(talked, claimant, client_for):
    response = client_for(claimant).get(reverse("cases:personal_data_export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="odr-personal-data-')
    data = json.loads(response.content)
    assert data["account"]["email"] == claimant.email
    assert [m["body"] for m in data["messages"]] == ["Our side: 8,000 would do."]
    assert data["offers"][0]["amount"] == "8000.00"
    assert data["blind_bids"] == [{"case": talked.reference, "round": 1, "figure": "9100.00"}]
    assert {c["reference"] for c in data["cases"]} == {talked.reference}
    assert any(a["action"] == "message.posted" or a["case"] == talked.reference for a in data["actions"])
    text = response.content.decode()
    assert "Their side" not in text
    # The other side's blind figure (four digits before a point: no timestamp or id can contain it).
    assert "1357.91" not in text


def test_the_page_explains_why_an_account_with_an_open_case_cannot_be_closed(talked, claimant, client_for):
    client = client_for(claimant)
    page = client.get(reverse("cases:personal_data"))
    assert f"Case {talked.reference} is still open." in page.text
    assert "Close my account and erase my data" not in page.text  # no form to submit
    refused = _erase(client)
    assert refused.status_code == 400
    assert f"Case {talked.reference} is still open." in refused.text
    claimant.refresh_from_db()
    assert claimant.is_active
    assert EmailAddress.objects.filter(user=claimant).exists()


def test_a_wrong_password_or_no_confirmation_changes_nothing(talked, claimant, client_for):
    case_withdraw(case=talked, user=claimant, reason="Settled privately")
    client = client_for(claimant)
    assert "The password is not correct." in _erase(client, password="not my password").text
    assert "This field is required." in _erase(client, confirm=False).text
    claimant.refresh_from_db()
    assert claimant.is_active
    assert claimant.email == "alice@example.com"


def test_erasure_keeps_the_records_under_a_pseudonym(talked, claimant, respondent, client_for):
    case_withdraw(case=talked, user=claimant, reason="Settled privately")
    talked.refresh_from_db()
    assert talked.status == CaseStatus.CLOSED
    messages_before = Message.objects.filter(case=talked).count()
    elsewhere = client_for(claimant)
    client = client_for(claimant)

    response = _erase(client)
    assert response.status_code == 302
    assert "Your account is closed" in client.get(response["Location"]).text

    pseudonym = pseudonym_for(claimant.pk)
    claimant.refresh_from_db()
    assert not claimant.is_active
    assert claimant.email == f"{pseudonym}@erased.invalid"
    assert not claimant.has_usable_password()
    assert not EmailAddress.objects.filter(user=claimant).exists()
    # Signed out here and on every other device; the old address no longer signs in.
    assert elsewhere.get(reverse("cases:my_cases")).status_code == 302
    sign_in = client.post(reverse("account_login"), {"login": "alice@example.com", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert sign_in.status_code == 200
    # The audit trail keeps what was done, named by the pseudonym, without where from.
    theirs = AuditEntry.objects.filter(actor=claimant)
    assert theirs.exists()
    assert set(theirs.values_list("actor_label", flat=True)) == {pseudonym}
    assert set(theirs.values_list("ip_address", flat=True)) == {None}
    assert not AuditEntry.objects.filter(actor_label="alice@example.com").exists()
    erased = AuditEntry.objects.get(action="account.erased")
    assert erased.data == {"pseudonym": pseudonym}
    assert erased.actor_label == "system"
    # The other party's record of the case is whole.
    assert Message.objects.filter(case=talked).count() == messages_before
    page = client_for(respondent).get(reverse("cases:detail", kwargs={"case_id": talked.public_id}))
    assert page.status_code == 200
    assert "alice@example.com" not in page.text


def test_an_administrators_account_is_closed_by_the_centre(administrator, client_for):
    client = client_for(administrator)
    page = client.get(reverse("cases:personal_data"))
    assert "closed by the centre" in page.text
    assert _erase(client).status_code == 400
    assert User.objects.get(pk=administrator.pk).is_active


def test_the_page_needs_a_signed_in_person(client, db):
    for name in ("cases:personal_data", "cases:personal_data_export"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
