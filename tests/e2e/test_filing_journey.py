"""A claimant signs up and files a claim with a PDF; the respondent follows the invitation and consents."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from cases.models import Case, CaseStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "a long and unusual passphrase 42"


def _link_in_last_mail_to(address: str, pattern: str) -> str:
    message = next(m for m in reversed(mail.outbox) if address in m.to)
    return re.search(pattern, message.body).group(0)


def _sign_up_and_verify(page, base: str, email: str, run_tasks) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    run_tasks()  # the worker sends the verification email
    link = _link_in_last_mail_to(email, r"http://\S+/accounts/confirm-email/\S+")
    page.goto(base + link.split("testserver", 1)[-1] if "testserver" in link else link)
    page.get_by_role("button", name="Confirm").click()


def _add_business(page, name: str, br: str) -> None:
    page.get_by_label("Business name").fill(name)
    page.get_by_label("Business Registration number").fill(br)
    page.get_by_label("Size").select_option("small")
    page.get_by_label("Address").fill("8 Connaught Road, Central")
    page.get_by_role("button", name="Save").click()


def test_claimant_files_and_respondent_consents(live_server, new_page, run_tasks, settings):
    settings.SITE_URL = live_server.url
    base = live_server.url

    claimant = new_page()
    claimant.goto(base + "/accounts/signup/")
    _sign_up_and_verify(claimant, base, "owner@alpha.example", run_tasks)
    expect(claimant.get_by_role("heading", name="My cases")).to_be_visible()

    claimant.get_by_role("link", name="File a dispute").first.click()
    _add_business(claimant, "Alpha Trading Limited", "12345678")
    claimant.get_by_role("button", name="Start the claim").click()
    claimant.get_by_label("Respondent's business name").fill("Bravo Services Limited")
    claimant.get_by_label("Respondent's contact email").fill("manager@bravo.example")
    claimant.get_by_label("Respondent is a Hong Kong business").check()
    claimant.get_by_role("button", name="Save and continue").click()
    claimant.get_by_label("Category").select_option("services")
    claimant.get_by_label("The dispute arises from or relates to COVID-19").check()
    claimant.get_by_label("How COVID-19 affected it").fill("The exhibition was cancelled by the closure order.")
    claimant.get_by_label("Facts").fill("We paid a deposit of HK$12,345.67 for stand design; nothing was delivered.")
    claimant.get_by_role("button", name="Save and continue").click()
    claimant.get_by_label("Amount claimed (HKD)").fill("12345.67")
    claimant.get_by_label("Remedy sought").fill("Refund of the deposit.")
    claimant.get_by_role("button", name="Save and continue").click()
    claimant.get_by_label("Title").fill("Deposit invoice")
    claimant.get_by_label("File").set_input_files({"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": PDF})
    claimant.get_by_role("button", name="Add file").click()
    expect(claimant.get_by_role("cell", name=re.compile("^Deposit invoice invoice.pdf"))).to_be_visible()
    claimant.get_by_role("button", name="Continue to review").click()
    expect(claimant.get_by_text("HK$12,345.67").first).to_be_visible()
    claimant.get_by_label("I accept the ODR terms for this case on behalf of my business.").check()
    claimant.get_by_role("button", name="File the claim").click()
    case = Case.objects.get()
    expect(claimant.get_by_role("heading", name=f"Case {case.reference}")).to_be_visible()
    expect(claimant.get_by_text("Awaiting response").first).to_be_visible()

    run_tasks()  # the worker sends the invitation
    invitation = _link_in_last_mail_to("manager@bravo.example", r"http://\S+/invitations/\S+")

    respondent = new_page(width=390)  # on a phone
    respondent.goto(invitation)
    expect(respondent.get_by_text("Alpha Trading Limited has filed claim")).to_be_visible()
    respondent.get_by_role("link", name="Create an account").click()
    _sign_up_and_verify(respondent, base, "manager@bravo.example", run_tasks)
    # Back on the invitation, asked for the business first.
    respondent.get_by_role("link", name="Add your business").click()
    _add_business(respondent, "Bravo Services Limited", "87654321")
    expect(respondent.get_by_role("heading", name=f"Claim {case.reference}")).to_be_visible()
    respondent.get_by_label("Your response to the claim").fill(
        "The design work was started; we offer a partial refund."
    )
    respondent.locator("#respond-heading ~ form").get_by_label(
        "I accept the ODR terms for this case on behalf of my business."
    ).check()
    respondent.get_by_role("button", name="Consent and file my response").click()
    expect(respondent.get_by_role("heading", name=f"Case {case.reference}")).to_be_visible()
    expect(respondent.get_by_text("Negotiation").first).to_be_visible()

    claimant.reload()
    expect(claimant.get_by_text("Negotiation").first).to_be_visible()
    expect(claimant.get_by_text("The design work was started")).to_be_visible()
    case.refresh_from_db()
    assert case.status == CaseStatus.NEGOTIATION
