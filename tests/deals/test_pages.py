"""The deal pages as their people use them, without JavaScript: plain forms, errors that keep what was
typed, and 404 for anyone outside the deal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from deals.models import Deal, DealTemplate, Proposal
from deals.services.templates import first_templates_publish

pytestmark = pytest.mark.django_db


def _detail(deal: Deal) -> str:
    return reverse("deals:detail", kwargs={"deal_id": deal.public_id})


def test_starting_a_deal_by_form(claimant: Any, claimant_org: Any, client_for: Any) -> None:
    from demo.builder import SALE_VALUES

    first_templates_publish()
    template = DealTemplate.objects.get(key="sale-of-goods", status="published")
    client = client_for(claimant)
    url = reverse("deals:new", kwargs={"template_id": template.pk})
    assert "Place of delivery" in client.get(url).content.decode()
    form = {
        "organisation": claimant_org.pk,
        "role_key": "seller",
        "title": "Masks",
        "language": "en",
        "counterparty_email": "bob@example.com",
        **{f"f_{k}": v for k, v in SALE_VALUES.items()},
    }
    refused = client.post(url, {**form, "f_price": "lots"})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Enter an amount" in page
    assert 'value="Masks"' in page
    assert not Deal.objects.exists()
    started = client.post(url, form)
    deal = Deal.objects.get()
    assert started.status_code == 302
    assert started["Location"] == _detail(deal)
    assert "Masks" in client.get(_detail(deal)).content.decode()


def test_a_redline_by_form_then_accepted_by_the_other_side(
    negotiating_deal: Deal, claimant: Any, respondent: Any, client_for: Any
) -> None:
    bob = client_for(respondent)
    propose = reverse("deals:propose", kwargs={"deal_id": negotiating_deal.public_id})
    refused = bob.post(propose, {"target": "clause:delivery", "base_version": 1, "action": "change", "text_en": " "})
    assert refused.status_code == 400
    assert "Write the clause" in refused.content.decode()
    sent = bob.post(
        propose,
        {"target": "clause:delivery", "base_version": 1, "action": "change", "text_en": "Delivery by 15 January."},
    )
    assert sent.status_code == 302
    proposal = Proposal.objects.get()
    alice = client_for(claimant)
    page = alice.get(_detail(negotiating_deal)).content.decode()
    assert "<ins>" in page
    assert "Delivery by 15 January." not in page.split("<ins>")[0][-10:]
    accept = reverse(
        "deals:decide", kwargs={"deal_id": negotiating_deal.public_id, "proposal_id": proposal.pk, "decision": "accept"}
    )
    assert alice.post(accept).status_code == 302
    versions = alice.get(reverse("deals:versions", kwargs={"deal_id": negotiating_deal.public_id})).content.decode()
    assert "Accepted a proposal: a new version" in versions
    assert "Version 2" in versions


def test_only_the_two_businesses_see_a_deal(
    negotiating_deal: Deal, outsider: Any, administrator: Any, client_for: Any
) -> None:
    for user in (outsider, administrator):
        client = client_for(user)
        assert client.get(_detail(negotiating_deal)).status_code == 404
        propose = reverse("deals:propose", kwargs={"deal_id": negotiating_deal.public_id})
        assert client.post(propose, {"target": "clause:sale", "base_version": 1}).status_code == 404
    assert client_for(None).get(_detail(negotiating_deal)).status_code == 302  # to sign in


def test_templates_page_is_the_administrators(administrator: Any, claimant: Any, client_for: Any) -> None:
    assert client_for(claimant).get(reverse("deals:templates")).status_code == 404
    page = client_for(administrator).get(reverse("deals:templates"))
    assert page.status_code == 200
    assert "Sale of goods" in page.content.decode()


def test_the_live_page_fetches_parts_through_the_same_check(
    negotiating_deal: Deal, claimant: Any, respondent: Any, outsider: Any, client_for: Any
) -> None:
    from deals.models import DealParty
    from deals.services.redlines import proposal_make

    proposal_make(
        deal=negotiating_deal, user=respondent, target_kind="field", target_key="price", base_version=1, value="35000"
    )
    url = _detail(negotiating_deal) + "?partial=field:price&partial=summary&partial=clause:nothing&partial=final"
    response = client_for(claimant).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    # The parts asked for, in the elements the page has (the live page swaps them in), and nothing else.
    assert 'id="field-price" data-target="field:price"' in html
    assert 'id="deal-summary"' in html
    assert 'id="final"' in html
    assert "1 open proposal" in html
    assert 'data-deal-form="accept"' in html
    assert "<html" not in html
    assert 'id="particulars"' not in html
    assert 'id="field-quantity"' not in html
    assert "clause:nothing" not in html
    # Reading the parts is seeing them: the digest email is not needed.
    assert DealParty.objects.get(deal=negotiating_deal, side="initiator").awaiting_since is None
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302


def test_the_page_names_its_live_room_and_keeps_its_plain_forms(
    negotiating_deal: Deal, claimant: Any, client_for: Any
) -> None:
    html = client_for(claimant).get(_detail(negotiating_deal)).content.decode()
    assert f'data-ws-path="/ws/deals/{negotiating_deal.public_id}/"' in html
    assert 'id="deal-labels"' in html
    assert "js/deal-room.js" in html
    # Every form the room sends over the socket still posts to its plain URL without JavaScript.
    for kind, action in (("propose", "propose/"), ("comment", "comment/"), ("final", "final/")):
        plain = (
            rf'<form method="post" action="{re.escape(_detail(negotiating_deal) + action)}"[^>]*data-deal-form="{kind}"'
        )
        assert re.search(plain, html), kind
