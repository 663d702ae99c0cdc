"""Starting a deal from a template and bringing the other business in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from cases.models import AuditEntry
from cases.services import ServiceError
from deals.content import FieldErrors
from deals.models import Deal, DealInvitation, DealStatus, DealTemplate, DealVersion, Side
from deals.services.starting import deal_cancel, deal_invitation_for_token, deal_join
from deals.services.templates import first_templates_publish
from demo import builder
from tests.conftest import make_organisation

pytestmark = pytest.mark.django_db


def test_a_fresh_platform_offers_the_three_first_templates_in_both_languages() -> None:
    first_templates_publish()  # what the migration did, if a transactional test emptied the database since
    offered = DealTemplate.objects.filter(status="published").order_by("key")
    assert [(t.key, t.version) for t in offered] == [
        ("memorandum-of-understanding", 1),
        ("sale-of-goods", 1),
        ("supply-of-services", 1),
    ]
    for template in offered:
        odr = [c for c in template.body["clauses"] if c.get("odr")]
        assert len(odr) == 1
        assert odr[0]["text"]["zh-hant"].startswith("凡因本合約")


def test_starting_a_deal_makes_version_1_from_the_template_and_invites_the_other_business(
    started_deal: Deal, django_capture_on_commit_callbacks: Any, run_tasks: Any
) -> None:
    assert started_deal.status == DealStatus.INVITING
    assert started_deal.reference.startswith("DL-")
    version = DealVersion.objects.get(deal=started_deal, number=1)
    assert version.content["fields"]["price"] == "36000.00"
    assert version.content["fields"]["delivery_date"] == "2027-01-15"
    keys = [c["key"] for c in version.content["clauses"]]
    assert keys[-1] == "odr"
    assert "sale" in keys
    assert set(version.content["clauses"][0]["text"]) == {"en"}  # an English contract keeps English text
    assert started_deal.parties.get().side == Side.INITIATOR
    invitation = DealInvitation.objects.get(deal=started_deal)
    assert invitation.email == "bob@example.com"
    actions = list(AuditEntry.objects.filter(subject=f"deal:{started_deal.public_id}").values_list("action", flat=True))
    assert actions == ["deal.started", "deal.invitation_sent"]


def test_a_bilingual_deal_keeps_both_texts(claimant: Any, claimant_org: Any) -> None:
    deal = builder.deal_started(
        initiator=claimant, initiator_org=claimant_org, counterparty_email="bob@example.com", language="bilingual"
    )
    clause = DealVersion.objects.get(deal=deal, number=1).content["clauses"][0]
    assert set(clause["text"]) == {"en", "zh-hant"}


def test_every_wrong_field_is_named_at_once_and_nothing_is_saved(claimant: Any, claimant_org: Any) -> None:
    values = {**builder.SALE_VALUES, "price": "thirty", "delivery_date": "15/01/2027", "currency": "XYZ", "goods": ""}
    with pytest.raises(FieldErrors) as refused:
        builder.deal_started(
            initiator=claimant, initiator_org=claimant_org, counterparty_email="bob@example.com", values=values
        )
    assert set(refused.value.errors) == {"price", "delivery_date", "currency", "goods"}
    assert "YYYY-MM-DD" in refused.value.errors["delivery_date"]
    assert not Deal.objects.exists()
    assert not AuditEntry.objects.filter(subject__startswith="deal:").exists()


def test_an_oversized_text_field_is_refused(claimant: Any, claimant_org: Any) -> None:
    with pytest.raises(FieldErrors) as refused:
        builder.deal_started(
            initiator=claimant,
            initiator_org=claimant_org,
            counterparty_email="bob@example.com",
            values={**builder.SALE_VALUES, "quantity": "x" * 301},
        )
    assert "300" in refused.value.errors["quantity"]


def test_inviting_oneself_is_refused(claimant: Any, claimant_org: Any) -> None:
    with pytest.raises(ServiceError) as refused:
        builder.deal_started(initiator=claimant, initiator_org=claimant_org, counterparty_email="ALICE@example.com")
    assert refused.value.field == "counterparty_email"
    assert not Deal.objects.exists()


def test_a_retired_template_cannot_start_a_deal(claimant: Any, claimant_org: Any) -> None:
    DealTemplate.objects.filter(key="sale-of-goods").update(status="retired")
    with pytest.raises(DealTemplate.DoesNotExist):
        builder.deal_started(initiator=claimant, initiator_org=claimant_org, counterparty_email="bob@example.com")


def test_the_invited_business_joins_in_the_other_role(negotiating_deal: Deal, respondent: Any) -> None:
    counterparty = negotiating_deal.parties.get(side=Side.COUNTERPARTY)
    assert (counterparty.user, counterparty.role_key) == (respondent, "buyer")
    assert negotiating_deal.status == DealStatus.NEGOTIATING


def test_an_invitation_works_once(started_deal: Deal, respondent: Any, respondent_org: Any, outsider: Any) -> None:
    token = builder.deal_invitation_token(deal=started_deal)
    deal_join(token=token, user=respondent, organisation=respondent_org)
    with pytest.raises(ServiceError, match="already been used"):
        deal_join(token=token, user=outsider, organisation=make_organisation(outsider, "Charlie Co"))


def test_an_expired_invitation_is_refused_and_joins_nobody(
    started_deal: Deal, respondent: Any, respondent_org: Any
) -> None:
    token = builder.deal_invitation_token(deal=started_deal)
    DealInvitation.objects.filter(deal=started_deal).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ServiceError, match="expired"):
        deal_join(token=token, user=respondent, organisation=respondent_org)
    assert started_deal.parties.count() == 1


def test_a_tampered_link_is_refused() -> None:
    with pytest.raises(ServiceError, match="not valid"):
        deal_invitation_for_token("not-a-token")


def test_a_newer_invitation_replaces_the_older(started_deal: Deal, respondent: Any, respondent_org: Any) -> None:
    first = builder.deal_invitation_token(deal=started_deal)
    builder.deal_invitation_token(deal=started_deal)
    with pytest.raises(ServiceError, match="replaced"):
        deal_join(token=first, user=respondent, organisation=respondent_org)


def test_the_initiator_cannot_join_its_own_deal(started_deal: Deal, claimant: Any, claimant_org: Any) -> None:
    token = builder.deal_invitation_token(deal=started_deal)
    with pytest.raises(ServiceError, match="side that started"):
        deal_join(token=token, user=claimant, organisation=claimant_org)


def test_the_invitation_email_carries_a_working_link(
    claimant: Any, claimant_org: Any, django_capture_on_commit_callbacks: Any, run_tasks: Any, client: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        deal = builder.deal_started(
            initiator=claimant, initiator_org=claimant_org, counterparty_email="bob@example.com"
        )
    run_tasks()
    sent = [m for m in mail.outbox if "bob@example.com" in m.to]
    assert sent
    assert deal.reference in sent[0].subject
    link = next(line for line in sent[0].body.splitlines() if "/deals/invitation/" in line)
    page = client.get(link.strip().split("testserver")[-1] if "testserver" in link else link[link.index("/deals/") :])
    assert page.status_code == 200
    assert "Alpha Trading Limited" in page.content.decode()


def test_a_cancelled_deal_stops_its_invitation(
    started_deal: Deal, claimant: Any, respondent: Any, respondent_org: Any
) -> None:
    token = builder.deal_invitation_token(deal=started_deal)
    deal_cancel(deal=started_deal, user=claimant, reason="Found another buyer")
    with pytest.raises(ServiceError):
        deal_join(token=token, user=respondent, organisation=respondent_org)
