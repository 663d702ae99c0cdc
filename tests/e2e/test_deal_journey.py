"""Two businesses in two browsers, from a template to a sealed contract to a dispute opened from it, in English
and in Chinese: Alice's business starts a sale of goods and invites Bob's by email; Bob joins through the link,
proposes a lower price, which Alice's open page shows live and she accepts; both mark the text final, sign it
after re-entering their passwords, and download the sealed copy, which verifies; then Alice opens a dispute
from the contract and finds the claim drafted. axe checks every page visited (tests/e2e/conftest.py)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import translation
from playwright.sync_api import expect
from pypdf import PdfReader

from cases.models import DocumentVersion
from deals.models import Deal, DealStatus
from deals.services.templates import first_templates_publish
from demo.builder import SALE_VALUES
from documents.sealing import check_seal
from tests.conftest import PASSWORD
from tests.e2e.conftest import off_the_browser_thread, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def _open(page: Any, base: str, email: str, language: str) -> None:
    """Signed in, and reading the site in ``language`` as chosen from the language menu."""
    sign_in(page, base, email, PASSWORD)
    page.locator("#language-select").select_option(language)
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def _start_deal(alice: Any, base: str, language: str, t: Any) -> None:
    alice.goto(base + "/deals/")
    alice.get_by_role("link", name={"en": "Sale of goods", "zh-hant": "貨品買賣合約"}[language]).click()
    alice.get_by_label(t("Your business"), exact=True).select_option(label="Alpha Trading Limited")
    alice.get_by_label(t("Your business is the")).select_option("seller")
    alice.get_by_label(t("Title of the deal")).fill("Masks for the winter season")
    alice.get_by_label(t("Language of the contract")).select_option(language)
    alice.get_by_label(t("The other business's email")).fill("bob@example.com")
    for key, value in SALE_VALUES.items():
        field = alice.locator(f"[name=f_{key}]")
        if key == "currency":
            field.select_option(value)
        else:
            field.fill(value)
    alice.get_by_role("button", name=t("Start the deal and invite the other business")).click()
    expect(alice.get_by_text(t("The deal is started and the other business is invited."))).to_be_visible()


def _join(bob: Any, t: Any, run_tasks: Any) -> None:
    off_the_browser_thread(run_tasks)  # the worker sends the invitation email
    (invitation,) = [m for m in mail.outbox if "bob@example.com" in m.to]
    link = re.search(r"https?://\S+/deals/invitation/\S+/", invitation.body)
    assert link is not None, invitation.body
    bob.goto(bob.url.split("/", 3)[0] + "//" + bob.url.split("/", 3)[2] + "/" + link.group(0).split("/", 3)[3])
    bob.get_by_label(t("Join as")).select_option(label="Bravo Services Limited")
    bob.get_by_role("button", name=t("Join the deal")).click()
    expect(bob.get_by_text(t("You joined the deal. Read the text and propose any changes."))).to_be_visible()


def _negotiate(alice: Any, bob: Any, url: str, t: Any) -> None:
    for page in (alice, bob):
        page.goto(url)
        expect(page.locator("#deal-connection")).to_have_attribute("data-state", "live")
    price = bob.locator("#field-price")
    price.get_by_text(t("Propose a new value")).click()
    price.get_by_label(t("New value")).fill("34,500")
    price.get_by_role("button", name=t("Send the proposal")).click()
    theirs = alice.locator("#field-price .proposal")  # on Alice's open page without a reload
    expect(theirs).to_contain_text(t("Proposal from the other business"))
    theirs.get_by_role("button", name=t("Accept"), exact=True).click()
    mark = t("Mark version %(number)s final") % {"number": 2}
    for page in (alice, bob):
        expect(page.locator("#field-price .deal-value")).to_contain_text("34500.00")
        page.get_by_role("button", name=mark).click()
        expect(page.get_by_role("button", name=mark)).to_have_count(0)
    locked = t("Both businesses marked version %(number)s final. The text is locked for signing.") % {"number": 2}
    for page in (alice, bob):  # both open pages say so without a reload
        expect(page.locator("#final")).to_contain_text(locked)


def _sign(page: Any, url: str, name: str, t: Any) -> None:
    page.goto(url)
    page.get_by_label(t("Your full name")).fill(name)
    page.get_by_label(t("Your password")).fill(PASSWORD)
    page.get_by_label(t("I have read this version and sign it on behalf of my business.")).check()
    page.get_by_role("button", name=t("Sign the contract")).click()


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_from_a_template_to_a_sealed_contract_to_a_dispute(
    language, claimant, claimant_org, respondent, respondent_org, seal, run_tasks, asgi_live_server_url, new_page
):
    def t(text: str) -> str:
        return _in(language, text)

    first_templates_publish()  # what the migration did, if an earlier transactional test emptied the database
    base = asgi_live_server_url
    alice, bob = new_page(), new_page(width=390)  # Bob's business works from a phone
    _open(alice, base, "alice@example.com", language)
    _open(bob, base, "bob@example.com", language)
    _start_deal(alice, base, language, t)
    deal = Deal.objects.get()
    url = f"{base}/deals/{deal.public_id}/"
    _join(bob, t, run_tasks)
    _negotiate(alice, bob, url, t)
    deal.refresh_from_db()
    assert (deal.status, deal.locked_version) == (DealStatus.SIGNING, 2)

    off_the_browser_thread(run_tasks)  # the worker renders the contract to sign
    _sign(alice, url, "Alice Chan", t)
    _sign(bob, url, "Bob Lee", t)
    off_the_browser_thread(run_tasks)  # the worker seals the executed copy
    alice.goto(url)
    with alice.expect_download() as download:
        alice.get_by_role("link", name=t("Download the signed and sealed contract (PDF)")).click()
    content = Path(download.value.path()).read_bytes()
    assert off_the_browser_thread(lambda: check_seal(content).ok)  # pyHanko validates with asyncio
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert {"en": "Online dispute resolution", "zh-hant": "網上解決爭議"}[language] in text
    assert "Bob Lee" in text

    alice.get_by_role("button", name=t("Open a dispute"), exact=True).click()
    expect(alice.locator("textarea[name=facts]")).to_contain_text(deal.reference or "")
    # The sealed contract is the drafted claim's first evidence (the evidence step shows it once reached).
    (evidence,) = DocumentVersion.objects.filter(document__case__created_by=claimant)
    assert evidence.sha256 == deal.contract.executed_sha256
