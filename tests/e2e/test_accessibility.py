"""Every page of every user journey, in English and in 繁體中文, checked in a real browser by axe-core
(WCAG 2.0 and 2.1, levels A and AA, and the best-practice rules tests/e2e/axe.py adds): the test fails on any
violation and lists each one. Here each page is checked once it is ready (its live room connected, its chat
shown); every other browser test has its pages checked too, by the watcher in conftest.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.e2e import axe
from tests.e2e.conftest import off_the_browser_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["en", "zh-hant"]


# The pages of each journey, shared with the small-screen test (test_small_screens.py).
PUBLIC_PATHS = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/verify/", "/statistics/"]


def filing_and_account_paths(draft: Any, organisation: Any) -> list[str]:
    return [
        "/cases/file/",
        *(f"/cases/file/{draft.public_id}/step/{step}/" for step in range(1, 6)),
        "/organisations/",
        "/organisations/new/",
        f"/organisations/{organisation.pk}/",
        "/preferences/time-zone/",
        "/account/data/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
    ]


def party_pages(case: Any) -> list[tuple[str, str]]:
    """(path, what shows the page is ready) for a party of a case in negotiation."""
    case_path = f"/cases/{case.public_id}/"
    return [("/cases/", ""), (case_path, ""), (case_path + "negotiation/", "#room-connection[data-state=live]")]


def agreement_paths(case: Any) -> list[str]:
    return [f"/cases/{case.public_id}/", f"/cases/{case.public_id}/agreement/"]


def mediation_pages(session: Any, *, party: bool, chat: bool = False) -> list[tuple[str, str]]:
    """(path, ready) for a live mediation session, as a party or as the mediator; with ``chat``, the room is
    ready once its chat has been shown."""
    case = session.case
    pages = [(f"/cases/{case.public_id}/", ""), (f"/cases/{case.public_id}/mediation/", "")]
    if party:  # the parties' document: the mediator does not see it
        pages.append((f"/cases/{case.public_id}/agreement-to-mediate/", ""))
    # The mediator is in the joint room at once and reads its chat (when it has one); a party waits to be admitted.
    ready = "#chat-log li:last-child" if chat and not party else "#mediation-connection[data-state=live]"
    pages.append((f"/mediation/sessions/{session.public_id}/", ready))
    return pages


def arbitration_paths(case: Any) -> list[str]:
    return [f"/cases/{case.public_id}/arbitration/", f"/cases/{case.public_id}/"]


def staff_paths(case: Any, mediator_profile: Any, arbitrator_profile: Any) -> list[str]:
    return [
        "/staff/caseload/",
        "/staff/cases/",
        "/staff/audit/",
        "/staff/security/",
        f"/cases/{case.public_id}/",
        f"/cases/{case.public_id}/audit/",
        "/staff/payments/",
        "/staff/fees/",
        "/staff/mediators/",
        "/staff/mediators/new/",
        f"/staff/mediators/{mediator_profile.pk}/",
        "/staff/arbitrators/",
        "/staff/arbitrators/new/",
        f"/staff/arbitrators/{arbitrator_profile.pk}/",
    ]


def session_cookie(user: Any) -> str:
    """A signed-in session for ``user``, as after a full sign-in (two-factor included): the pages are under
    test here, not the sign-in itself, which the journey tests cover."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return str(client.cookies[settings.SESSION_COOKIE_NAME].value)


def open_as(
    new_page: Any, base: str, language: str, session: str | None = None, *, viewport: dict[str, int] | None = None
) -> Any:
    page = new_page(viewport["width"], viewport["height"]) if viewport else new_page()
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}]
    if session:
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base})
    page.context.add_cookies(cookies)  # every context has axe-core (tests/e2e/axe.py, conftest.py)
    # The pages' own reduced-motion styles: colours are checked as they settle, not halfway through a
    # button's 150 ms transition (the room's camera and microphone toggles change state as media starts).
    page.emulate_media(reduced_motion="reduce")
    return page


def audit(page: Any, url: str, found: list[str], ready: str = "") -> None:
    """Open ``url``, let axe check it and add a line to ``found`` for each violation."""
    response = page.goto(url)
    assert response is not None, url
    assert response.ok, f"{url}: HTTP {response.status}"
    if ready:
        expect(page.locator(ready)).to_be_attached()
    violations = axe.run(page)
    assert violations is not None, f"{url}: not an HTML page with axe-core in it"
    found.extend(str(violation) for violation in violations)


def assert_none(found: list[str]) -> None:
    assert not found, "axe-core found accessibility violations:\n" + "\n".join(found)


def test_public_pages(invitation_token, live_server, new_page):
    """What anyone sees signed out: home, sign-in and sign-up, verification, statistics, an invitation."""
    base = live_server.url
    found: list[str] = []
    for language in LANGUAGES:
        page = open_as(new_page, base, language)
        for path in [*PUBLIC_PATHS, f"/invitations/{invitation_token}/"]:
            audit(page, base + path, found)
    assert_none(found)


def test_filing_and_account_pages(make_draft, claimant, claimant_org, live_server, new_page):
    """Filing a dispute step by step, the organisations and the account's own pages."""
    draft = make_draft()
    base = live_server.url
    session = session_cookie(claimant)
    found: list[str] = []
    for language in LANGUAGES:
        page = open_as(new_page, base, language, session)
        for path in filing_and_account_paths(draft, claimant_org):
            audit(page, base + path, found)
    assert_none(found)


def test_party_pages(negotiation_case, claimant, respondent, asgi_live_server_url, new_page):
    """A party's case list, the case in negotiation, its live room with more messages than its box shows
    (so it scrolls), the confirmation before accepting an offer and the filing form's first step."""
    from decimal import Decimal

    from negotiation.services.messages import message_post
    from negotiation.services.offers import offer_make

    for n in range(30):
        message_post(case=negotiation_case, user=(claimant, respondent)[n % 2], body=f"Message {n}.")
    base = asgi_live_server_url
    offer = offer_make(case=negotiation_case, user=respondent, amount=Decimal("9000.00"), terms="Paid in 14 days.")
    sessions = [session_cookie(claimant), session_cookie(respondent)]
    found: list[str] = []
    for language in LANGUAGES:
        for session in sessions:
            page = open_as(new_page, base, language, session)
            for path, ready in party_pages(negotiation_case):
                audit(page, base + path, found, ready=ready)
        page = open_as(new_page, base, language, sessions[0])
        audit(page, f"{base}/cases/file/", found)
        audit(page, f"{base}/cases/{negotiation_case.public_id}/negotiation/offers/{offer.pk}/accept/", found)
    assert_none(found)


def test_settlement_agreement_pages(negotiation_case, claimant, respondent, seal, run_tasks, live_server, new_page):
    """The parties agreed terms: the case page and the settlement agreement to sign."""
    from decimal import Decimal

    from negotiation.services.offers import offer_accept, offer_make

    def agree_terms() -> None:
        offer = offer_make(case=negotiation_case, user=respondent, amount=Decimal("7500.00"), terms="Paid in 14 days.")
        offer_accept(case=negotiation_case, user=claimant, offer_id=offer.pk)
        run_tasks()  # the worker renders the draft PDF

    off_the_browser_thread(agree_terms)
    base = live_server.url
    session = session_cookie(claimant)
    found: list[str] = []
    for language in LANGUAGES:
        page = open_as(new_page, base, language, session)
        for path in agreement_paths(negotiation_case):
            audit(page, base + path, found)
    assert_none(found)


def joint_room_chat(session: Any, author: Any, count: int = 30) -> None:
    """Messages in the joint room's chat, more than its box shows at once (so it scrolls)."""
    from mediation.models import RoomKind, RoomMessage

    RoomMessage.objects.bulk_create(
        RoomMessage(session=session, room=RoomKind.JOINT, author=author, author_role="mediator", body=f"Note {n}.")
        for n in range(count)
    )


def test_mediation_pages(live_session, claimant, mediator, asgi_live_server_url, new_page):
    """The mediation page and the agreement to mediate, and the live session's room with a chat long enough to
    scroll, as a party and as the mediator."""
    joint_room_chat(live_session, mediator)
    base = asgi_live_server_url
    sessions = {"claimant": session_cookie(claimant), "mediator": session_cookie(mediator)}
    found: list[str] = []
    for language in LANGUAGES:
        for who, session in sessions.items():
            page = open_as(new_page, base, language, session)
            for path, ready in mediation_pages(live_session, party=who == "claimant", chat=True):
                audit(page, base + path, found, ready=ready)
    assert_none(found)


def test_arbitration_pages(proceedings, claimant, arbitrator, live_server, new_page):
    """The arbitration page as a party and as the arbitrator, and the case page each of them sees."""
    base = live_server.url
    sessions = [session_cookie(claimant), session_cookie(arbitrator)]
    found: list[str] = []
    for language in LANGUAGES:
        for session in sessions:
            page = open_as(new_page, base, language, session)
            for path in arbitration_paths(proceedings):
                audit(page, base + path, found)
    assert_none(found)


def payment_and_document(case: Any, claimant: Any) -> None:
    """A document on the case, and a registration fee the claimant declared paid by bank transfer."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.services.evidence import document_upload
    from negotiation.services.escalation import mediation_request
    from payments.models import Charge
    from payments.services.payments import payment_execute, payment_start

    document_upload(case=case, user=claimant, upload=SimpleUploadedFile("invoice.txt", b"invoice 42"), title="Invoice")
    mediation_request(case=case, user=claimant)
    charge = Charge.objects.get(case=case, party__role="claimant")
    payment_execute(
        payment=payment_start(charge=charge, user=claimant, provider="manual"),
        user=claimant,
        data={"reference": "TT-1"},
    )


def test_staff_pages(
    negotiation_case, claimant, administrator, fee_schedule, mediator_profile, arbitrator_profile, live_server, new_page
):
    """A case administrator's caseload dashboard, case list, audit trails, a case's page with a document,
    payments (one listed), fees and the mediator and arbitrator panels."""
    payment_and_document(negotiation_case, claimant)
    base = live_server.url
    session = session_cookie(administrator)
    found: list[str] = []
    for language in LANGUAGES:
        page = open_as(new_page, base, language, session)
        for path in staff_paths(negotiation_case, mediator_profile, arbitrator_profile):
            audit(page, base + path, found)
    assert_none(found)


def deal_paths(deal: Any) -> list[str]:
    """A deal's own pages, for one of its two businesses."""
    return [f"/deals/{deal.public_id}/", f"/deals/{deal.public_id}/versions/?left=1&right=2"]


def test_deal_pages(negotiating_deal, claimant, respondent, administrator, seal, live_server, new_page):
    """Deal-making: my deals, starting one from a template, a deal with a redline, a comment and an accepted
    change (so two versions compare), a contract being signed (its form), a signed and sealed deal with its
    obligations, the invitation link, and the templates page."""
    from deals.models import DealTemplate
    from deals.services.redlines import comment_post, proposal_accept, proposal_make
    from deals.services.signing import deal_sign, render_contract_draft
    from demo import builder
    from tests.conftest import PASSWORD

    def between_the_two(title: str) -> Any:
        deal = builder.deal_started(
            initiator=claimant,
            initiator_org=negotiating_deal.parties.get(side="initiator").organisation,
            counterparty_email="bob@example.com",
            title=title,
        )
        counterparty_org = negotiating_deal.parties.get(side="counterparty").organisation
        return builder.deal_locked(
            deal=builder.deal_in_negotiation(deal=deal, counterparty=respondent, counterparty_org=counterparty_org)
        )

    def negotiate() -> tuple[Any, str, Any, Any]:
        deal = negotiating_deal
        price = proposal_make(
            deal=deal, user=respondent, target_kind="field", target_key="price", base_version=1, value="34500"
        )
        proposal_accept(deal=deal, proposal_id=price.pk, user=claimant)
        proposal_make(
            deal=deal,
            user=respondent,
            target_kind="clause",
            target_key="delivery",
            base_version=2,
            text={"en": "The Seller delivers the goods to the Buyer's warehouse by the delivery date."},
        )
        comment_post(deal=deal, user=claimant, target_kind="clause", target_key="quality", body="Which standard?")
        waiting = builder.deal_started(
            initiator=claimant,
            initiator_org=deal.parties.get(side="initiator").organisation,
            counterparty_email="dora@example.com",
            language="bilingual",
        )
        token = builder.deal_invitation_token(deal=waiting)
        kept = builder.deal_executed(deal=between_the_two("Masks, signed"), password=PASSWORD)
        signing = between_the_two("Masks, being signed")
        render_contract_draft(deal_id=signing.pk)
        deal_sign(deal=signing, user=respondent, password=PASSWORD, full_name="Bob Lee", consent=True)
        return waiting, token, kept, signing

    waiting, token, kept, signing = off_the_browser_thread(negotiate)
    template = DealTemplate.objects.get(key="sale-of-goods", status="published")
    base = live_server.url
    found: list[str] = []
    for language in LANGUAGES:
        page = open_as(new_page, base, language)
        audit(page, f"{base}/deals/invitation/{token}/", found)
        for session in (session_cookie(claimant), session_cookie(respondent)):
            page = open_as(new_page, base, language, session)
            for path in [
                "/deals/",
                f"/deals/new/{template.pk}/",
                *deal_paths(negotiating_deal),
                f"/deals/{kept.public_id}/",
                f"/deals/{signing.public_id}/",
            ]:
                audit(page, base + path, found)
        page = open_as(new_page, base, language, session_cookie(claimant))
        audit(page, f"{base}/deals/{waiting.public_id}/", found)
        page = open_as(new_page, base, language, session_cookie(administrator))
        for path in ["/deals/templates/", f"/deals/templates/new/?from={template.pk}"]:
            audit(page, base + path, found)
    assert_none(found)


def test_deal_fee_pages(claimant, claimant_org, respondent, respondent_org, administrator, live_server, new_page):
    """A business's deal-making fee, due once the text is locked: the deal page that shows it in place of the
    signing form, and the pay page (card and bank transfer), in English and Chinese."""
    from decimal import Decimal

    from django.utils import timezone

    from demo import builder
    from payments.services.fees import fee_schedule_create

    def lock_with_a_fee() -> Any:
        fee_schedule_create(
            actor=administrator, name="Scheme 2026", effective_from=timezone.now(),
            registration_fee=Decimal("200.00"), mediation_fee=Decimal("1000.00"), arbitration_fee=Decimal("2500.00"),
            deal_fees={"micro": Decimal("0"), **{size: Decimal("500") for size in ("small", "medium", "large")}},
        )  # fmt: skip
        deal = builder.deal_started(
            initiator=claimant, initiator_org=claimant_org, counterparty_email="bob@example.com"
        )
        deal = builder.deal_in_negotiation(deal=deal, counterparty=respondent, counterparty_org=respondent_org)
        return builder.deal_locked(deal=deal)

    deal = off_the_browser_thread(lock_with_a_fee)
    base = live_server.url
    found: list[str] = []
    for language in LANGUAGES:
        page = open_as(new_page, base, language, session_cookie(claimant))
        for path in [f"/deals/{deal.public_id}/", f"/deals/{deal.public_id}/fee/"]:
            audit(page, base + path, found)
    assert_none(found)
