"""Both parties sign the settlement agreement in the browser and download the sealed, executed copy."""

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cases.models import CaseStatus
from documents.sealing import check_seal
from negotiation.services.offers import offer_accept, offer_make
from tests.conftest import PASSWORD
from tests.e2e.conftest import off_the_browser_thread, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign(page, name: str) -> None:
    page.get_by_role("link", name="Open the agreement").click()
    page.get_by_role("link", name="Download this draft (PDF) to review")  # present before signing
    page.get_by_label("Your full name").fill(name)
    page.get_by_label("Your password").fill("not my password")
    page.get_by_label("I have read this version and sign it on behalf of my business.").check()
    page.get_by_role("button", name="Sign the agreement").click()
    expect(page.get_by_text("The password is not correct.").first).to_be_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I have read this version and sign it on behalf of my business.").check()
    page.get_by_role("button", name="Sign the agreement").click()
    expect(page.get_by_text("You signed the agreement.")).to_be_visible()


def test_parties_sign_and_download_the_executed_agreement(
    negotiation_case, claimant, respondent, seal, run_tasks, asgi_live_server_url, new_page
):
    def agree_terms() -> None:
        offer = offer_make(case=negotiation_case, user=respondent, amount=Decimal("7500.00"), terms="Paid in 14 days.")
        offer_accept(case=negotiation_case, user=claimant, offer_id=offer.pk)  # drafts the agreement after commit
        run_tasks()  # the worker renders the draft PDF

    off_the_browser_thread(agree_terms)
    base = asgi_live_server_url
    case_url = f"{base}/cases/{negotiation_case.public_id}/"

    alice = new_page()
    sign_in(alice, base, "alice@example.com", PASSWORD)
    alice.goto(case_url)
    _sign(alice, "Alice Chan")
    expect(alice.get_by_text("You have signed this version.")).to_be_visible()

    bob = new_page(width=390)
    sign_in(bob, base, "bob@example.com", PASSWORD)
    bob.goto(case_url)
    _sign(bob, "Bob Lee")
    # The claimant's open page shows the respondent's signature without a reload ...
    expect(alice.get_by_text("Bob Lee (Bravo Services Limited)")).to_be_visible()
    expect(alice.locator("#agreement-live")).not_to_contain_text("being prepared")

    off_the_browser_thread(run_tasks)  # the worker seals the executed copy and closes the case
    # ... and both open pages the sealed copy.
    for page in (alice, bob):
        expect(page.get_by_role("heading", name="Executed and sealed")).to_be_visible()
    with bob.expect_download() as download:
        bob.get_by_role("link", name="Download the executed agreement (PDF)").click()
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"%PDF-")
    assert off_the_browser_thread(lambda: check_seal(content).ok)  # pyHanko validates with asyncio
    negotiation_case.refresh_from_db()
    assert (negotiation_case.status, negotiation_case.outcome) == (CaseStatus.CLOSED, "settled")
    alice.goto(case_url)
    expect(alice.get_by_text("Outcome: Settled")).to_be_visible()
