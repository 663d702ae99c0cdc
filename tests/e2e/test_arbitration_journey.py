"""An arbitration in real browsers: both parties file their statements, the arbitrator drafts, previews,
signs and issues the award, both parties download the sealed award, and it verifies on the public page."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from arbitration.models import TimetableStep
from tests.conftest import PASSWORD
from tests.e2e.conftest import off_the_browser_thread, sign_in, sign_in_with_code, totp_secret, unused_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLAIM = "Alpha paid a HK$12,000 deposit for an event Bravo cancelled and never refunded."
DEFENCE = "Bravo cancelled under a closure order; the deposit was spent on the venue."


def _step(page: Any, name: str) -> Any:
    """The timetable step's own <article>, found by its heading."""
    return page.locator("article", has=page.get_by_role("heading", name=re.compile(f"^{name} · ")))


def _file_statement(page: Any, step: str, statement: str, attachment: tuple[str, bytes], amount: str = "") -> None:
    article = _step(page, step)
    article.get_by_label("Your statement").fill(statement)
    if amount:
        article.get_by_label("Sum you claim, or counterclaim (HK$)").fill(amount)
    article.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Your draft is saved. Only you can see it until you file it.")).to_be_visible()
    article = _step(page, step)
    expect(article.get_by_text("Draft: only you can see it.")).to_be_visible()
    name, content = attachment
    article.get_by_label("Supporting document").set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": content}
    )
    article.get_by_label("Title").fill("Bank statement")
    article.get_by_role("button", name="Attach to my draft").click()
    expect(page.get_by_text("The document is attached to your draft.")).to_be_visible()
    article = _step(page, step)
    expect(article.get_by_role("link", name="Bank statement")).to_be_visible()
    expect(article.get_by_label("Your statement")).to_have_value(statement)  # the draft survived the upload
    article.get_by_role("button", name=f"File my {step.lower()}").click()
    expect(
        page.get_by_text("Your submission is filed. The other party and the arbitrator can now read it.")
    ).to_be_visible()
    article = _step(page, step)
    expect(article.get_by_text(re.compile(r"^Filed \d+ \w+ \d{4}, \d\d:\d\d\.$"))).to_be_visible()
    expect(article.get_by_text(statement)).to_be_visible()
    expect(article.get_by_role("button", name=f"File my {step.lower()}")).to_have_count(0)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_parties_file_the_arbitrator_issues_the_award_and_it_verifies(
    proceedings, claimant, respondent, arbitrator, run_tasks, live_server, new_page, tmp_path
):
    case = proceedings
    base = live_server.url
    arbitration_url = f"{base}/cases/{case.public_id}/arbitration/"
    case_url = f"{base}/cases/{case.public_id}/"
    secret = totp_secret(arbitrator)  # read before the browsers open
    used_codes: set[str] = set()

    # The claimant files its statement of claim with a supporting document.
    alice = new_page()
    sign_in(alice, base, "alice@example.com", PASSWORD)
    alice.goto(arbitration_url)
    expect(alice.get_by_role("heading", name=f"Arbitration: {case.reference}")).to_be_visible()
    _file_statement(alice, "Statement of claim", CLAIM, ("deposit.pdf", PDF), amount="12000.00")

    # The respondent reads it (and its document) at once, and files its defence.
    bob = new_page(width=390)
    sign_in(bob, base, "bob@example.com", PASSWORD)
    bob.goto(arbitration_url)
    claim = _step(bob, "Statement of claim")
    expect(claim.get_by_text(CLAIM)).to_be_visible()
    expect(claim.get_by_text("Sum claimed: HK$12,000.00")).to_be_visible()
    expect(claim.get_by_role("link", name="Bank statement")).to_be_visible()
    _file_statement(bob, "Defence and any counterclaim", DEFENCE, ("receipt.pdf", PDF))

    # The replies' time runs out: the arbitrator may decide on what was filed.
    off_the_browser_thread(
        lambda: (
            TimetableStep.objects.filter(case=case)
            .exclude(kind="award")
            .update(due_at=timezone.now() - timedelta(minutes=1))
        )
    )

    # The arbitrator drafts the award and previews its PDF.
    arthur = new_page()
    sign_in_with_code(arthur, base, arbitrator.email, secret, used_codes)
    arthur.goto(arbitration_url)
    expect(_step(arthur, "Defence and any counterclaim").get_by_text(DEFENCE)).to_be_visible()
    draft = arthur.get_by_role("region", name="Draft the award")
    draft.get_by_label("Findings").fill("The deposit was paid and the event did not take place.")
    draft.get_by_label("Reasons").fill("A deposit for a service not provided is refundable, less costs proven.")
    draft.get_by_label("Awarded to the claimant on the claim (HK$)").fill("10000.00")
    draft.get_by_label("Awarded to the respondent on any counterclaim (HK$)").fill("0.00")
    draft.get_by_label("Costs (HK$)").fill("0.00")
    draft.get_by_label("Net sum payable (HK$)").fill("10000.00")
    draft.get_by_label("The net sum is paid by").select_option(label="The respondent")
    draft.get_by_label("To be paid by").fill((timezone.localdate() + timedelta(days=28)).isoformat())
    draft.get_by_role("button", name="Save and make a PDF to preview").click()
    expect(arthur.get_by_text("The award draft is saved. Preview the PDF, then sign it to issue it.")).to_be_visible()
    expect(arthur.get_by_text("The PDF is being prepared. Reload the page in a moment.")).to_be_visible()
    off_the_browser_thread(run_tasks)  # the worker renders the draft PDF
    arthur.reload()
    with arthur.expect_download() as preview:
        arthur.get_by_role("link", name="Preview the award (PDF)").click()
    assert Path(preview.value.path()).read_bytes().startswith(b"%PDF-")

    # ... then signs it with his password and a fresh two-factor code, and the worker seals it.
    for _attempt in range(3):
        arthur.get_by_label("Your full name").fill("Arthur Arbitrator")
        arthur.get_by_label("Your password").fill(PASSWORD)
        arthur.get_by_label("Two-factor code").fill(unused_code(arthur, secret, used_codes))
        arthur.get_by_label("I have read this version and sign it as the arbitrator.").check()
        with arthur.expect_navigation():
            arthur.get_by_role("button", name="Sign and issue the award").click()
        if arthur.get_by_text("You signed the award. It is being sealed and issued to both parties.").is_visible():
            break
        expect(arthur.get_by_text("The two-factor code is not correct.").first).to_be_visible()
    expect(arthur.get_by_text("You signed the award. It is being sealed and issued to both parties.")).to_be_visible()
    expect(arthur.get_by_text("You have signed this version. It is being sealed and issued.")).to_be_visible()
    off_the_browser_thread(run_tasks)  # the worker seals the award, issues it and closes the case

    # Both parties find the sealed award on the case page and download it.
    downloads = []
    for page in (alice, bob):
        page.goto(case_url)
        expect(page.get_by_text("Outcome: Award issued")).to_be_visible()
        issued = page.get_by_role("region", name="Signed and sealed documents")
        with page.expect_download() as award:
            issued.get_by_role("link", name="Arbitral award", exact=True).click()
        content = Path(award.value.path()).read_bytes()
        assert content.startswith(b"%PDF-")
        downloads.append(content)
    assert downloads[0] == downloads[1]  # the same sealed copy for both

    # Anyone holding the file can check it on the public page, without signing in.
    award_pdf = tmp_path / "award.pdf"
    award_pdf.write_bytes(downloads[1])
    visitor = new_page()
    visitor.goto(base + "/verify/")
    visitor.get_by_label("The PDF you hold").set_input_files(award_pdf)
    visitor.get_by_role("button", name="Verify").click()
    result = visitor.get_by_role("status")
    expect(result).to_contain_text("Authentic:")
    expect(result).to_contain_text(
        f"this is the executed Arbitral award for case {case.reference}, unchanged since the Centre sealed it."
    )
    expect(result).to_contain_text("Arthur Arbitrator")
