"""Two businesses in two browsers negotiate a deal's text live: Bob's proposal appears on Alice's page without a
reload, she accepts it, and both pages show the new version. axe checks both pages (tests/e2e/conftest.py), and
neither page may log an error to its console."""

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_DELIVERY = "The Seller delivers the goods, unloaded, to the place of delivery by the delivery date."


def _console_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_a_proposal_appears_live_and_is_accepted(negotiating_deal, asgi_live_server_url, new_page):
    base = asgi_live_server_url
    url = f"{base}/deals/{negotiating_deal.public_id}/"
    alice, bob = new_page(), new_page(width=390)  # one side on a phone
    errors = {"alice": _console_errors(alice), "bob": _console_errors(bob)}
    sign_in(alice, base, "alice@example.com", PASSWORD)
    sign_in(bob, base, "bob@example.com", PASSWORD)
    for page in (alice, bob):
        page.goto(url)
        expect(page.locator("#deal-connection")).to_have_attribute("data-state", "live")
    expect(alice.locator("#deal-presence li[data-side=counterparty]")).to_have_attribute("data-online", "1")
    expect(alice.locator("#deal-presence li[data-side=counterparty]")).to_contain_text("online")

    clause = bob.locator("#clause-delivery")
    clause.get_by_text("Propose new wording").click()
    clause.get_by_label("New text (English)").fill(NEW_DELIVERY)
    clause.get_by_role("button", name="Send the proposal").click()
    expect(bob.get_by_text("Your proposal is sent to the other business.")).to_be_attached()
    expect(clause.locator(".proposal")).to_contain_text("Your proposal")

    # Alice's page shows it without a reload, on the clause and in the summary of open proposals.
    theirs = alice.locator("#clause-delivery .proposal")
    expect(theirs).to_contain_text("Proposal from the other business")
    expect(alice.locator("#deal-summary")).to_contain_text("awaits your answer")
    theirs.get_by_role("button", name="Accept").click()

    for page in (alice, bob):
        expect(page.locator("#clause-delivery .deal-text")).to_contain_text(NEW_DELIVERY)
        expect(page.locator("#clause-delivery .proposal")).to_have_count(0)
        expect(page.locator("#deal-state")).to_contain_text("Version 2")
        expect(page.locator("#final")).to_contain_text("Mark version 2 final")

    # Writing on a clause shows on the other page, under that clause only.
    clause.get_by_text("Comment", exact=True).click()
    clause.get_by_label("Your comment").press_sequentially("Unloaded by whom?")
    expect(alice.locator("#clause-delivery [data-typing]")).to_have_text("The other business is writing here…")
    expect(alice.locator("#clause-sale [data-typing]")).to_have_text("")
    clause.get_by_role("button", name="Post the comment").click()
    expect(alice.locator("#clause-delivery .comment-list")).to_contain_text("Unloaded by whom?")

    # A refusal is said next to the form that caused it, in the service's words.
    alice.locator("#field-price").get_by_text("Propose a new value").click()
    alice.locator("#field-price").get_by_label("New value").fill("35000")
    alice.locator("#field-price").get_by_role("button", name="Send the proposal").click()
    expect(bob.locator("#field-price .proposal")).to_contain_text("Proposal from the other business")
    bob.get_by_role("button", name="Mark version 2 final").click()
    refusal = bob.locator("#final [role=alert]")
    expect(refusal).to_contain_text("Accept, reject or withdraw the open proposals first (1 open).")
    negotiating_deal.refresh_from_db()
    assert negotiating_deal.current_version == 2
    assert list(negotiating_deal.proposals.values_list("status", flat=True)) == ["accepted", "open"]
    assert errors == {"alice": [], "bob": []}
