"""The agreement page updates live, as the negotiation room does: a party's signature (and the sealed copy, and
a new version) reaches the other party's open page through the case's room, after the commit; the page then
fetches its own fresh part. Without JavaScript a reload shows the same."""

from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.urls import reverse

from documents.services import agreement_revise, agreement_sign, current_draft, execute_agreement, render_draft
from negotiation.services.offers import offer_accept, offer_make
from odr import ratelimit
from tests.conftest import PASSWORD
from tests.ws import communicator_for, drain, next_of

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def _rendered_draft(case, claimant, respondent):
    offer = offer_make(case=case, user=respondent, amount=Decimal("7500.00"), terms="Paid in 14 days.")
    offer_accept(case=case, user=claimant, offer_id=offer.pk)
    return render_draft(document_id=current_draft(case).pk)


def _sign(document, user, name):
    return agreement_sign(document=document, user=user, password=PASSWORD, full_name=name, consent=True)


@pytest.fixture(autouse=True)
def _fresh_rate_limits_and_layer():
    ratelimit.reset()
    yield
    channel_layers.backends.clear()


async def _on_the_page(case, user):
    """The agreement page's socket: the case's room, holding no messages it needs (it shows none)."""
    communicator = await communicator_for(f"/ws/cases/{case.public_id}/negotiation/?after_id=9223372036854775807", user)
    assert (await communicator.connect())[0]
    await next_of(communicator, "hello")
    await drain(communicator)
    return communicator


async def test_the_other_partys_signature_reaches_an_open_agreement_page(
    negotiation_case, claimant, respondent, seal, client_for
):
    draft = await database_sync_to_async(_rendered_draft)(negotiation_case, claimant, respondent)
    alice = await _on_the_page(negotiation_case, claimant)
    await database_sync_to_async(_sign)(draft, respondent, "Bob Lee")
    event = await next_of(alice, "document")
    assert event["data"] == {"kind": "settlement_agreement"}
    # What the page then fetches: its live part, with the signature.
    url = reverse("documents:agreement", kwargs={"case_id": negotiation_case.public_id}) + "?partial=live"
    part = (await database_sync_to_async(lambda: client_for(claimant).get(url))()).text
    assert "Bob Lee (Bravo Services Limited)" in part
    assert "<html" not in part
    # Both signed: the sealed copy, made by the worker, reaches the page too.
    await database_sync_to_async(_sign)(draft, claimant, "Alice Chan")
    await next_of(alice, "document")
    await database_sync_to_async(execute_agreement)(document_id=draft.pk)
    await next_of(alice, "document")
    part = (await database_sync_to_async(lambda: client_for(claimant).get(url))()).text
    assert "Executed and sealed" in part
    await alice.disconnect()


async def test_a_new_version_and_its_pdf_reach_an_open_agreement_page(negotiation_case, claimant, respondent, seal):
    await database_sync_to_async(_rendered_draft)(negotiation_case, claimant, respondent)
    bob = await _on_the_page(negotiation_case, respondent)
    revised = await database_sync_to_async(agreement_revise)(
        case=negotiation_case, user=claimant, terms="Paid in 7 days."
    )
    assert (await next_of(bob, "document"))["data"] == {"kind": "settlement_agreement"}
    await database_sync_to_async(render_draft)(document_id=revised.pk)
    assert (await next_of(bob, "document"))["data"] == {"kind": "settlement_agreement"}
    await bob.disconnect()


async def test_the_agreement_page_says_where_its_live_updates_come_from(
    negotiation_case, claimant, respondent, seal, client_for
):
    await database_sync_to_async(_rendered_draft)(negotiation_case, claimant, respondent)
    url = reverse("documents:agreement", kwargs={"case_id": negotiation_case.public_id})
    page = (await database_sync_to_async(lambda: client_for(claimant).get(url))()).text
    assert f'data-ws-path="/ws/cases/{negotiation_case.public_id}/negotiation/"' in page
    assert "js/agreement.js" in page
