"""Accepting an offer binds the party: it is confirmed first, on a page that states the offer's terms (without
JavaScript too), and the websocket's accept frame is refused unless it carries the confirmation."""

from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.urls import reverse

from cases.models import CaseStatus
from negotiation.models import Offer
from negotiation.services.offers import offer_make
from odr import ratelimit
from tests.ws import communicator_for, next_of

BOUND = "Yes, accept and be bound"


@pytest.fixture
def offer(negotiation_case, respondent):
    return offer_make(case=negotiation_case, user=respondent, amount=Decimal("7000.00"), terms="Paid by cheque.")


def _action(case, action):
    return reverse("negotiation:action", kwargs={"case_id": case.public_id, "action": action})


def test_the_accept_button_leads_to_a_confirmation_with_the_offers_terms(negotiation_case, offer, claimant, client_for):
    client = client_for(claimant)
    room = client.get(reverse("negotiation:room", kwargs={"case_id": negotiation_case.public_id})).text
    confirm_url = reverse("negotiation:accept", kwargs={"case_id": negotiation_case.public_id, "offer_id": offer.pk})
    assert f'action="{confirm_url}"' in room
    assert 'data-socket="offer.accept"' not in room  # never accepted over the socket in one click
    page = client.get(confirm_url)
    assert page.status_code == 200
    for expected in ("HK$7,000.00", "Paid by cheque.", BOUND, "Offered by</dt><dd>Respondent"):
        assert expected in page.text, expected
    assert Offer.objects.get(pk=offer.pk).status == "open"  # looking is not accepting
    negotiation_case.refresh_from_db()
    assert negotiation_case.status == CaseStatus.NEGOTIATION


def test_a_post_without_the_confirmation_accepts_nothing(negotiation_case, offer, claimant, client_for):
    client = client_for(claimant)
    response = client.post(_action(negotiation_case, "accept"), {"offer_id": offer.pk}, follow=True)
    assert "Confirm that you accept this offer" in response.text
    assert BOUND in response.text  # back on the confirmation
    assert Offer.objects.get(pk=offer.pk).status == "open"
    response = client.post(_action(negotiation_case, "accept"), {"offer_id": offer.pk, "confirm": "yes"}, follow=True)
    assert "the parties agreed on HK$7,000.00." in response.text
    negotiation_case.refresh_from_db()
    assert negotiation_case.status == CaseStatus.SETTLEMENT


def test_the_confirmation_is_only_for_the_party_the_offer_is_made_to(
    negotiation_case, offer, respondent, outsider, client_for
):
    url = reverse("negotiation:accept", kwargs={"case_id": negotiation_case.public_id, "offer_id": offer.pk})
    assert client_for(outsider).get(url).status_code == 404
    page = client_for(respondent).get(url, follow=True)
    assert BOUND not in page.text
    assert "You cannot accept your own offer." in page.text


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_socket_refuses_an_accept_without_the_confirmation(negotiation_case, claimant, respondent):
    ratelimit.reset()
    made = await database_sync_to_async(offer_make)(
        case=negotiation_case, user=respondent, amount=Decimal("7000.00"), terms=""
    )
    alice = await communicator_for(f"/ws/cases/{negotiation_case.public_id}/negotiation/", claimant)
    assert (await alice.connect())[0]
    await next_of(alice, "hello")
    await alice.send_json_to({"type": "offer.accept", "offer_id": made.pk, "ref": "one-click"})
    refused = await next_of(alice, "error")
    assert (refused["code"], refused["ref"]) == ("confirm_required", "one-click")
    assert "Confirm that you accept this offer" in refused["message"]
    assert (await Offer.objects.aget(pk=made.pk)).status == "open"
    await alice.send_json_to({"type": "offer.accept", "offer_id": made.pk, "confirm": True, "ref": "confirmed"})
    assert (await next_of(alice, "ack"))["ref"] == "confirmed"
    await negotiation_case.arefresh_from_db()
    assert negotiation_case.status == CaseStatus.SETTLEMENT
    await alice.disconnect()
    channel_layers.backends.clear()
