"""Keyboard only: a claimant files a claim and accepts an offer with Tab, Shift+Tab, typing, Enter and Space.

After signing in, nothing on the page under test is clicked, checked, selected or filled by Playwright:
focus moves with Tab, text is typed at the focused control, and controls are worked with the keys a
keyboard user has. ``tab_to`` fails if a control cannot be reached by Tab (or focus gets stuck), and
each control reached must show the site's focus indicator.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from cases.models import Case, CaseStatus
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# What has focus, in a few words, for the failure message.
DESCRIBE_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "<body>";
  const label = (el.labels && el.labels[0] && el.labels[0].textContent)
    || el.getAttribute("aria-label") || el.textContent || el.value || "";
  const id = el.id ? "#" + el.id : "";
  const name = el.getAttribute("name") ? `[name=${el.getAttribute("name")}]` : "";
  return `<${el.tagName.toLowerCase()}${id}${name}> ${label.trim().replace(/\\s+/g, " ").slice(0, 50)}`;
}"""

# The site's focus indicator (static/css/app.css, ":focus-visible"): a 3px solid outline.
FOCUS_SHOWN = """el => {
  const style = getComputedStyle(el);
  return el.matches(":focus-visible") && style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
}"""


def is_focused(locator) -> bool:
    return bool(locator.evaluate("el => el === document.activeElement"))


def tab_to(page, locator, max_steps: int = 60, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``locator``'s element has focus, and check the focus shows."""
    key = "Shift+Tab" if backwards else "Tab"
    expect(locator).to_have_count(1)
    visited: list[str] = []
    for _step in range(max_steps):
        if is_focused(locator):
            break
        page.keyboard.press(key)
        visited.append(page.evaluate(DESCRIBE_FOCUS))
        if len(visited) >= 4 and len(set(visited[-4:])) == 1:
            raise AssertionError(f"Focus is stuck on {visited[-1]} after {len(visited)} presses of {key}")
    else:
        raise AssertionError(
            f"{locator} never got focus after {max_steps} presses of {key}; focus went to:\n  " + "\n  ".join(visited)
        )
    assert locator.evaluate(FOCUS_SHOWN), f"{page.evaluate(DESCRIBE_FOCUS)} has focus but shows no focus outline"


def type_into(page, locator, text: str) -> None:
    tab_to(page, locator)
    page.keyboard.type(text)
    expect(locator).to_have_value(text)


def submit_with_enter(page, button) -> None:
    tab_to(page, button)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def toggle_with_space(page, checkbox, *, checked: bool) -> None:
    tab_to(page, checkbox)
    page.keyboard.press("Space")
    expect(checkbox).to_be_checked(checked=checked)


def test_claimant_files_a_claim_by_keyboard(claimant, claimant_org, live_server, new_page, settings):
    settings.SITE_URL = live_server.url
    base = live_server.url
    page = new_page()
    # Have Playwright catch file pickers from the start: the catching is switched on in the browser a
    # moment after the first listener is added, and a picker opened before then is lost.
    page.on("filechooser", lambda _chooser: None)
    sign_in(page, base, "alice@example.com", PASSWORD)
    page.goto(base + "/cases/file/")

    # The skip link is the first stop and takes focus past the header.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert is_focused(skip), page.evaluate(DESCRIBE_FOCUS)
    assert skip.evaluate(FOCUS_SHOWN), "the skip link shows no focus outline"
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    # Start: the claimant's only business is already chosen.
    expect(page.get_by_label("Business you act for")).to_have_value(str(claimant_org.pk))
    submit_with_enter(page, page.get_by_role("button", name="Start the claim"))

    # Step 1: the respondent.
    expect(page.get_by_role("heading", name="Respondent", exact=True)).to_be_visible()
    type_into(page, page.get_by_label("Respondent's business name"), "Bravo Services Limited")
    type_into(page, page.get_by_label("Respondent's contact email"), "bob@example.com")
    toggle_with_space(page, page.get_by_label("Respondent is a Hong Kong business"), checked=True)
    submit_with_enter(page, page.get_by_role("button", name="Save and continue"))

    # Step 2: the dispute. The category is chosen by typing its name at the closed <select>.
    expect(page.get_by_role("heading", name="The dispute", exact=True)).to_be_visible()
    category = page.get_by_label("Category")
    tab_to(page, category)
    page.keyboard.type("Services")
    expect(category).to_have_value("services")
    toggle_with_space(page, page.get_by_label("The dispute arises from or relates to COVID-19"), checked=True)
    type_into(page, page.get_by_label("How COVID-19 affected it"), "Event cancelled by closure order.")
    type_into(page, page.get_by_label("Facts"), "Deposit paid, event cancelled.")
    # Shift+Tab goes back a control without losing what was typed; Tab then goes on to the button.
    tab_to(page, page.get_by_label("How COVID-19 affected it"), backwards=True)
    expect(page.get_by_label("Facts")).to_have_value("Deposit paid, event cancelled.")
    submit_with_enter(page, page.get_by_role("button", name="Save and continue"))

    # Step 3: the claim.
    expect(page.get_by_role("heading", name="Your claim", exact=True)).to_be_visible()
    type_into(page, page.get_by_label("Amount claimed (HKD)"), "12345.67")
    type_into(page, page.get_by_label("Remedy sought"), "Refund of the deposit.")
    submit_with_enter(page, page.get_by_role("button", name="Save and continue"))

    # Step 4: evidence. Space on the file field opens the system's file picker, where the file is chosen.
    expect(page.get_by_role("heading", name="Evidence", exact=True)).to_be_visible()
    type_into(page, page.get_by_label("Title"), "Deposit invoice")
    tab_to(page, page.get_by_label("File"))
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(files=[{"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    submit_with_enter(page, page.get_by_role("button", name="Add file"))
    expect(page.get_by_text("File added.")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("^Deposit invoice invoice.pdf"))).to_be_visible()
    submit_with_enter(page, page.get_by_role("button", name="Continue to review"))

    # Step 5: review, the three checkboxes, and file.
    expect(page.get_by_role("heading", name="Review your claim")).to_be_visible()
    expect(page.get_by_text("HK$12,345.67").first).to_be_visible()
    expect(page.get_by_text("your claim meets the scheme's rules.")).to_be_visible()
    toggle_with_space(
        page, page.get_by_label("I accept the ODR terms for this case on behalf of my business."), checked=True
    )
    mediation = page.get_by_label("If negotiation does not settle the dispute, I agree to mediation.")
    expect(mediation).to_be_checked()  # ticked already; Space twice leaves it as it was
    toggle_with_space(page, mediation, checked=False)
    page.keyboard.press("Space")
    expect(mediation).to_be_checked()
    toggle_with_space(
        page,
        page.get_by_label("If mediation does not settle the dispute, I agree to binding arbitration on the documents."),
        checked=True,
    )
    submit_with_enter(page, page.get_by_role("button", name="File the claim"))

    heading = page.get_by_role("heading", name=re.compile(r"^Case ODR-\d{4}-\d{6}$"))
    expect(heading).to_be_visible()
    expect(page.get_by_text("Awaiting response").first).to_be_visible()
    case = Case.objects.get()
    # Filed (reference and date given), and at once past "filed": the respondent has been invited.
    assert case.filed_at is not None
    assert case.status == CaseStatus.AWAITING_RESPONSE
    assert re.fullmatch(r"ODR-\d{4}-\d{6}", case.reference)
    expect(heading).to_have_text(f"Case {case.reference}")
    assert case.respondent_email == "bob@example.com"
    assert case.respondent_is_hk
    assert case.category == "services"
    assert case.covid_related
    assert case.amount_claimed == Decimal("12345.67")
    assert case.documents.get().title == "Deposit invoice"
    claimant_party = case.parties.get(role="claimant")
    assert claimant_party.consents_to_mediation
    assert claimant_party.consents_to_arbitration


@pytest.fixture
def open_offer(negotiation_case, respondent):
    """The respondent's offer, made before the browser opens (list this fixture before ``new_page``)."""
    from negotiation.services.offers import offer_make

    return offer_make(case=negotiation_case, user=respondent, amount=Decimal("9000.00"), terms="Paid in 14 days.")


def test_claimant_accepts_an_offer_by_keyboard(negotiation_case, open_offer, asgi_live_server_url, new_page):
    base = asgi_live_server_url
    page = new_page()
    sign_in(page, base, "alice@example.com", PASSWORD)
    page.goto(f"{base}/cases/{negotiation_case.public_id}/negotiation/")
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "live")

    offer = page.locator("#offers li.offer")
    expect(offer).to_contain_text("HK$9,000.00")
    expect(offer).to_contain_text("Paid in 14 days.")
    accept = page.get_by_role("button", name="Accept HK$9,000.00")
    tab_to(page, accept)  # from the top of the page, past the header, the messages and the message form
    page.keyboard.press("Enter")

    # Accepting binds: a page states the offer's terms and asks first; nothing is accepted yet.
    expect(page.get_by_role("heading", name=re.compile("Accept this offer"))).to_be_visible()
    expect(page.get_by_text("Paid in 14 days.")).to_be_visible()
    open_offer.refresh_from_db()
    assert open_offer.status == "open"
    confirm = page.get_by_role("button", name="Yes, accept and be bound")
    tab_to(page, confirm)
    page.keyboard.press("Enter")

    # Back in the room, at the outcome.
    page.wait_for_url(re.compile(r"/negotiation/#outcome$"))
    expect(page.get_by_role("heading", name="The negotiation has ended")).to_be_visible()
    expect(page.get_by_text("the parties agreed on HK$9,000.00.")).to_be_visible()
    expect(page.locator(".page-header .badge")).to_have_text("Settlement")
    negotiation_case.refresh_from_db()
    assert negotiation_case.status == CaseStatus.SETTLEMENT
    assert negotiation_case.settlement.amount == Decimal("9000.00")
    open_offer.refresh_from_db()
    assert open_offer.status == "accepted"
