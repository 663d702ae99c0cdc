"""Two parties in two browsers negotiate live: messages, an offer, acceptance, and both see the settlement."""

import pytest
from playwright.sync_api import expect

from cases.models import CaseStatus
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_parties_exchange_messages_and_settle_by_offer(negotiation_case, asgi_live_server_url, new_page):
    base = asgi_live_server_url
    room = f"{base}/cases/{negotiation_case.public_id}/negotiation/"
    claimant = new_page()
    respondent = new_page(width=390)  # one side on a phone
    sign_in(claimant, base, "alice@example.com", PASSWORD)
    sign_in(respondent, base, "bob@example.com", PASSWORD)
    claimant.goto(room)
    respondent.goto(room)
    for page in (claimant, respondent):
        expect(page.locator("#room-connection")).to_have_attribute("data-state", "live")
    expect(claimant.locator("#presence li[data-role=respondent]")).to_have_attribute("data-online", "1")

    claimant.get_by_label("Your message").fill("Could we settle at HK$10,000?")
    claimant.get_by_role("button", name="Send", exact=True).click()
    expect(respondent.locator("#message-list")).to_contain_text("Could we settle at HK$10,000?")
    expect(claimant.get_by_label("Your message")).to_have_value("")

    respondent.get_by_label("Your message").fill("We can offer a little less.")
    respondent.get_by_label("Your message").press("Enter")
    expect(claimant.locator("#message-list")).to_contain_text("We can offer a little less.")

    respondent.get_by_label("Amount (HKD)").fill("9000.50")
    respondent.get_by_label("Terms").first.fill("Paid by bank transfer within 14 days.")
    respondent.get_by_role("button", name="Send offer").click()
    accept = claimant.get_by_role("button", name="Accept HK$9,000.50")
    expect(accept).to_be_visible()
    accept.click()
    # Accepting binds: the claimant reads the terms and confirms before anything happens.
    expect(claimant.get_by_text("Paid by bank transfer within 14 days.")).to_be_visible()
    expect(respondent.get_by_role("heading", name="The negotiation has ended")).to_have_count(0)
    claimant.get_by_role("button", name="Yes, accept and be bound").click()

    for page in (claimant, respondent):
        expect(page.get_by_role("heading", name="The negotiation has ended")).to_be_visible()
        expect(page.get_by_text("the parties agreed on HK$9,000.50.")).to_be_visible()
        expect(page.locator("#message-form")).to_be_hidden()
    negotiation_case.refresh_from_db()
    assert negotiation_case.status == CaseStatus.SETTLEMENT
    assert negotiation_case.settlement.amount == 9000.50

    # The record holds what the pages showed, after a reload too.
    respondent.reload()
    expect(respondent.locator("#message-list")).to_contain_text("Could we settle at HK$10,000?")
    expect(respondent.get_by_text("the parties agreed on HK$9,000.50.")).to_be_visible()
