"""The claimant pays the registration fee by card on the case page, against localstripe's fake Stripe.js.

The claim is filed with a fee schedule in force, so it waits in "filed" and the respondent hears of it
only once the fee is settled: the card payment is what sends the claim on.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import CaseStatus, Invitation
from payments.models import Charge, ChargeStatus, FeeKind, Payment, PaymentStatus
from payments.providers.stripe import client as stripe_client
from tests.conftest import PASSWORD
from tests.e2e.conftest import off_the_browser_thread, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DECLINED = "4000000000000341"  # attaches, then the bank declines the charge
GOOD = "4242424242424242"
THREE_D_SECURE = "4000002500003155"  # the bank asks the cardholder to authenticate
PROCESSOR = 15_000  # ms: outcomes that wait on a round trip through localstripe


def _open_pay_page(page, base: str, case) -> None:
    sign_in(page, base, "alice@example.com", PASSWORD)
    page.goto(f"{base}/cases/{case.public_id}/")
    expect(page.get_by_role("heading", name=f"Case {case.reference}")).to_be_visible()
    expect(page.locator("header .badge")).to_have_text("Filed")
    fees = page.locator("section", has=page.get_by_role("heading", name="Fees", exact=True))
    expect(fees.get_by_text("You owe HK$200.00.")).to_be_visible()
    expect(fees.get_by_role("row", name=re.compile("^Registration fee"))).to_contain_text("Due")
    fees.get_by_role("link", name="Pay HK$200.00", exact=True).click()
    expect(page.get_by_role("heading", name="Pay the Registration fee")).to_be_visible()
    expect(page.locator("#amount-due")).to_have_text("HK$200.00")
    # localstripe's Stripe.js has mounted its (plain input) card element in ours.
    expect(page.locator("#card-element").get_by_placeholder("number", exact=True)).to_be_visible()


def _watch_posts_to(page, base: str) -> list[str]:
    """The bodies of the POSTs the page sends to our server (not to the card processor)."""
    bodies: list[str] = []

    def record(request) -> None:
        if request.method == "POST" and request.url.startswith(base):
            bodies.append(request.post_data or "")

    page.on("request", record)
    return bodies


def _enter_card(page, number: str, month: str = "12", year: str = "30") -> None:
    card = page.locator("#card-element")
    card.get_by_placeholder("number", exact=True).fill(number)
    card.get_by_placeholder("exp_month", exact=True).fill(month)
    card.get_by_placeholder("exp_year", exact=True).fill(year)
    card.get_by_placeholder("cvc", exact=True).fill("123")
    card.get_by_placeholder("postal_code", exact=True).fill("00000")


def _pay_button(page):
    return page.get_by_role("button", name="Pay HK$200.00 by card", exact=True)


def _registration_charge(case) -> Charge:
    return Charge.objects.get(case=case, kind=FeeKind.REGISTRATION, party__role="claimant")


def _assert_paid_once(case, charge: Charge) -> Payment:
    """The record: one card payment succeeded for the amount the server decided, and it settled the fee."""
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.PAID
    assert charge.settled_at is not None
    paid = charge.payments.get(status=PaymentStatus.SUCCEEDED)
    assert paid.provider == "stripe"
    assert (paid.amount, paid.amount_received, paid.currency_received) == (Decimal("200.00"), Decimal("200.00"), "HKD")
    assert not paid.mismatch
    assert paid.provider_reference.startswith("pi_")
    # The card processor holds the same figure: HK$200.00 is 20000 cents.
    intent = stripe_client().v1.payment_intents.retrieve(paid.provider_reference)
    assert (intent["status"], intent["amount"], intent["currency"]) == ("succeeded", 20000, "hkd")
    assert intent["metadata"]["payment"] == str(paid.public_id)
    # The claim went on to the respondent with that payment.
    case.refresh_from_db()
    assert case.status == CaseStatus.AWAITING_RESPONSE
    assert Invitation.objects.filter(case=case, email="bob@example.com", revoked_at__isnull=True).count() == 1
    return paid


def _assert_still_due(case, charge: Charge) -> None:
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.DUE
    assert not charge.payments.filter(status=PaymentStatus.SUCCEEDED).exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.FILED
    assert not Invitation.objects.filter(case=case).exists()


def test_claimant_pays_the_registration_fee_after_a_declined_card(
    fee_schedule, filed_case, stripe_settings, seal, run_tasks, asgi_live_server_url, new_page
):
    charge = _registration_charge(filed_case)
    assert (charge.status, charge.amount_due) == (ChargeStatus.DUE, Decimal("200.00"))
    assert filed_case.status == CaseStatus.FILED
    base = asgi_live_server_url
    page = new_page()
    _open_pay_page(page, base, filed_case)
    sent_to_us = _watch_posts_to(page, base)

    # A declined card: a clear message, the button back, and nothing paid.
    _enter_card(page, DECLINED)
    _pay_button(page).click()
    error = page.get_by_role("alert").filter(has_text="Your card was declined.")
    expect(error).to_be_visible(timeout=PROCESSOR)
    expect(page.locator("#card-error")).to_have_text("Your card was declined.")
    expect(_pay_button(page)).to_be_enabled()
    expect(page.get_by_role("heading", name="Pay the Registration fee")).to_be_visible()  # still on the page
    _assert_still_due(filed_case, charge)
    failed = charge.payments.get()
    assert (failed.provider, failed.status, failed.amount) == ("stripe", PaymentStatus.FAILED, Decimal("200.00"))
    assert failed.failure_message == "Your card was declined."

    # Another card on the same page goes through.
    _enter_card(page, GOOD)
    _pay_button(page).click()
    expect(page.get_by_role("heading", name="Payment received")).to_be_visible(timeout=PROCESSOR)
    expect(page.locator("#payment-status")).to_have_text("Paid")
    expect(page.get_by_role("definition").filter(has_text="HK$200.00")).to_be_visible()
    paid = _assert_paid_once(filed_case, charge)
    assert set(charge.payments.values_list("status", flat=True)) == {PaymentStatus.FAILED, PaymentStatus.SUCCEEDED}
    expect(page.get_by_role("definition").filter(has_text=paid.provider_reference)).to_be_visible()
    # Only card tokens reached our server, never a card number or an amount.
    assert len(sent_to_us) == 2
    assert all(re.fullmatch(r"token=tok_\w+", body) for body in sent_to_us), sent_to_us

    # The worker seals the receipt and sends the claim to the respondent.
    sent = off_the_browser_thread(run_tasks)
    invitation = next(m for m in sent if m.to == ["bob@example.com"])
    assert re.search(r"/invitations/\S+", invitation.body)

    page.get_by_role("link", name=f"Back to case {filed_case.reference}").click()
    expect(page.locator("header .badge")).to_have_text("Awaiting response")
    fees = page.locator("section", has=page.get_by_role("heading", name="Fees", exact=True))
    expect(fees.get_by_text("You owe")).to_have_count(0)
    expect(fees.get_by_role("link", name="Pay HK$200.00", exact=True)).to_have_count(0)
    row = fees.get_by_role("row", name=re.compile("^Registration fee"))
    expect(row.locator(".badge")).to_have_text("Paid")
    expect(row).to_contain_text("Your card was declined.")  # the failed attempt stays on the record
    with page.expect_download() as download:
        row.get_by_role("link", name="Receipt (PDF)").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")

    # The pay page now only says there is nothing to pay.
    page.goto(base + reverse("payments:pay", kwargs={"case_id": filed_case.public_id, "charge_id": charge.public_id}))
    expect(page.get_by_text("This fee is settled: there is nothing to pay.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Case {filed_case.reference}")).to_be_visible()


def test_claimant_pays_with_a_card_that_needs_3d_secure(
    fee_schedule, filed_case, stripe_settings, asgi_live_server_url, new_page
):
    charge = _registration_charge(filed_case)
    page = new_page(width=390)  # on a phone
    _open_pay_page(page, asgi_live_server_url, filed_case)

    _enter_card(page, THREE_D_SECURE)
    _pay_button(page).click()
    # localstripe's Stripe.js stands in for the bank's authentication page.
    expect(page.get_by_text("3D Secure")).to_be_visible(timeout=PROCESSOR)
    _assert_still_due(filed_case, charge)  # nothing is paid until the cardholder authenticates
    assert charge.payments.get().status == PaymentStatus.PENDING
    page.get_by_role("button", name="Complete authentication").click()

    expect(page.get_by_role("heading", name="Payment received")).to_be_visible(timeout=PROCESSOR)
    expect(page.locator("#payment-status")).to_have_text("Paid")
    paid = _assert_paid_once(filed_case, charge)
    assert charge.payments.count() == 1
    assert paid.status == PaymentStatus.SUCCEEDED


def test_failed_3d_secure_leaves_the_fee_due(fee_schedule, filed_case, stripe_settings, asgi_live_server_url, new_page):
    charge = _registration_charge(filed_case)
    page = new_page()
    _open_pay_page(page, asgi_live_server_url, filed_case)

    _enter_card(page, THREE_D_SECURE)
    _pay_button(page).click()
    page.get_by_role("button", name="Fail authentication").click()

    expect(page.get_by_role("heading", name="The payment did not go through")).to_be_visible(timeout=PROCESSOR)
    expect(page.get_by_role("alert").filter(has_text="failed authentication")).to_be_visible()
    _assert_still_due(filed_case, charge)
    assert charge.payments.get().status == PaymentStatus.FAILED

    # Trying again goes back to the pay page, with the fee still owed.
    page.get_by_role("link", name="Try again").click()
    expect(page.locator("#amount-due")).to_have_text("HK$200.00")
    expect(_pay_button(page)).to_be_enabled()


def test_two_tabs_pay_one_fee_and_it_is_taken_once(
    fee_schedule, filed_case, stripe_settings, asgi_live_server_url, new_page
):
    """Tab 1 starts paying with a card that asks for 3-D Secure and is left open; tab 2 pays with a card
    that needs none; then the cardholder completes 3-D Secure in tab 1. HK$200 is taken once."""
    charge = _registration_charge(filed_case)
    base = asgi_live_server_url
    first_tab = new_page()
    _open_pay_page(first_tab, base, filed_case)
    _enter_card(first_tab, THREE_D_SECURE)
    _pay_button(first_tab).click()
    expect(first_tab.get_by_text("3D Secure")).to_be_visible(timeout=PROCESSOR)
    left_waiting = charge.payments.get()
    assert left_waiting.status == PaymentStatus.PENDING

    second_tab = first_tab.context.new_page()
    second_tab.goto(
        base + reverse("payments:pay", kwargs={"case_id": filed_case.public_id, "charge_id": charge.public_id})
    )
    _enter_card(second_tab, GOOD)
    _pay_button(second_tab).click()
    expect(second_tab.get_by_role("heading", name="Payment received")).to_be_visible(timeout=PROCESSOR)

    first_tab.bring_to_front()
    first_tab.get_by_role("button", name="Complete authentication").click()
    expect(first_tab.get_by_role("heading", name="The payment did not go through")).to_be_visible(timeout=PROCESSOR)
    expect(first_tab.get_by_role("alert")).to_contain_text("another payment for the same fee was started")
    expect(first_tab.get_by_role("status").filter(has_text="This fee is settled by another payment")).to_be_visible()
    expect(first_tab.get_by_role("link", name="Try again")).to_have_count(0)

    paid = _assert_paid_once(filed_case, charge)
    left_waiting.refresh_from_db()
    assert left_waiting.status == PaymentStatus.FAILED
    assert set(charge.payments.values_list("pk", "status")) == {
        (paid.pk, PaymentStatus.SUCCEEDED),
        (left_waiting.pk, PaymentStatus.FAILED),
    }
    # At the card processor: the first tab's intent was cancelled before the second was made, so the
    # cardholder's authentication could not take the money; HK$200 is all that was taken.
    first_intent = stripe_client().v1.payment_intents.retrieve(left_waiting.provider_reference).to_dict()
    assert (first_intent["status"], first_intent.get("amount_received") or 0) == ("canceled", 0)


def test_demo_card_form_takes_the_expiry_as_people_write_it(
    fee_schedule, filed_case, stripe_settings, seal, run_tasks, asgi_live_server_url, new_page
):
    """The demo's card form (localstripe's fake Stripe.js) has a month and a year box: a year in two or four
    digits, or "MM/YY" or "MM/YYYY" typed in the month box, all work; anything else is a clear error."""
    charge = _registration_charge(filed_case)
    page = new_page()
    _open_pay_page(page, asgi_live_server_url, filed_case)
    for month, year in [("13", "30"), ("12", "3"), ("12/203", ""), ("ab", "cd")]:
        _enter_card(page, GOOD, month, year)
        _pay_button(page).click()
        expect(page.locator("#card-error")).to_have_text(
            "Enter the card's expiry date as MM/YY or MM/YYYY, for example 12/30."
        )
        expect(_pay_button(page)).to_be_enabled()
    _assert_still_due(filed_case, charge)
    assert not charge.payments.exists()

    _enter_card(page, GOOD, "12", "2030")
    _pay_button(page).click()
    expect(page.get_by_role("heading", name="Payment received")).to_be_visible(timeout=PROCESSOR)
    _assert_paid_once(filed_case, charge)


@pytest.mark.parametrize("month", ["12/30", "12/2030"])
def test_demo_card_form_takes_month_and_year_in_one_box(
    month, fee_schedule, filed_case, stripe_settings, seal, run_tasks, asgi_live_server_url, new_page
):
    charge = _registration_charge(filed_case)
    page = new_page()
    _open_pay_page(page, asgi_live_server_url, filed_case)
    _enter_card(page, GOOD, month, "")
    _pay_button(page).click()
    expect(page.get_by_role("heading", name="Payment received")).to_be_visible(timeout=PROCESSOR)
    _assert_paid_once(filed_case, charge)
