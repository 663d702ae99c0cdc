"""Every page of every journey (the accessibility test's list) on a phone 360 px wide, and at 200% zoom (a
1280x800 window zoomed to 200% lays pages out in a 640x400 CSS viewport: WCAG 1.4.4 and 1.4.10), in English
and in 繁體中文. On each page:

- the page itself never scrolls sideways (WCAG 1.4.10 reflow); only a region meant to (a wide table, a chart)
  may, and while it does it is a keyboard stop with a role and a name, so it can be scrolled without a mouse
  (axe-core's scrollable-region-focusable rule, run at this size, agrees);
- every control a keyboard reaches is on the screen when focused, not clipped by a box around it and not
  covered by anything else;
- in the header, no two items (brand, language menu, navigation links, account) overlap and none is cut off.
  The header's navigation wraps onto more lines on a small screen instead of collapsing into a menu, so
  every link stays one Tab away and there is no menu button to operate.
"""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from tests.e2e import axe
from tests.e2e.conftest import off_the_browser_thread
from tests.e2e.test_accessibility import (
    LANGUAGES,
    PUBLIC_PATHS,
    agreement_paths,
    arbitration_paths,
    filing_and_account_paths,
    mediation_pages,
    open_as,
    party_pages,
    session_cookie,
    staff_paths,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
ZOOM_200 = {"width": 640, "height": 400}
VIEWPORTS = [pytest.param(PHONE, id="phone-360"), pytest.param(ZOOM_200, id="zoom-200")]

CHECK_LAYOUT = """() => {
    const problems = [];
    const root = document.documentElement;
    const width = root.clientWidth;
    const describe = (el) => {
        const classes = typeof el.className === 'string' && el.className.trim()
            ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
        const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ');
        const name = `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${classes}`;
        return text ? `${name} "${text.slice(0, 40)}"` : name;
    };
    const scrollsSideways = (el) => {
        const style = getComputedStyle(el);
        return ['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
    };
    const insideScroller = (el) => {
        for (let a = el.parentElement; a; a = a.parentElement) if (scrollsSideways(a)) return true;
        return false;
    };

    // 1. The page never scrolls sideways; name what sticks out (outside any region that scrolls).
    window.scrollTo(0, 0);
    if (root.scrollWidth > width + 1) {
        const wide = [...document.body.querySelectorAll('*')].filter((el) => {
            const box = el.getBoundingClientRect();
            return box.width > 0 && box.right > width + 1 && !insideScroller(el);
        });
        const outermost = wide.filter((el) => !wide.includes(el.parentElement)).slice(0, 5);
        const reach = (el) => `${describe(el)} reaches ${Math.round(el.getBoundingClientRect().right)} px`;
        problems.push(`the page scrolls sideways (${root.scrollWidth} px in ${width} px): `
            + outermost.map(reach).join('; '));
    }

    // 2. A region that scrolls sideways is a keyboard stop with a role and a name.
    for (const el of document.body.querySelectorAll('*')) {
        if (!scrollsSideways(el)) continue;
        const named = el.hasAttribute('aria-label') || el.hasAttribute('aria-labelledby');
        if (el.tabIndex < 0 || !el.hasAttribute('role') || !named) {
            problems.push(`scrolls sideways but is not a named keyboard stop: ${describe(el)}`);
        }
    }

    // 3. Every control the keyboard reaches is on the screen, unclipped and uncovered when focused.
    const controls = document.querySelectorAll(
        'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]');
    for (const el of controls) {
        if (el.disabled || el.tabIndex < 0 || el.closest('[hidden], [inert]')) continue;
        el.focus();
        if (document.activeElement !== el) continue;  // not reachable now (in a closed <details>, not displayed)
        document.getAnimations().forEach((animation) => animation.finish());  // as it looks once focus settles
        el.scrollIntoView({block: 'center', inline: 'nearest'});
        const box = el.getBoundingClientRect();
        if (box.width < 1 || box.height < 1) {
            problems.push(`focused but not visible: ${describe(el)}`);
            continue;
        }
        if (box.left < -1 || box.right > width + 1) {
            const span = `${Math.round(box.left)}-${Math.round(box.right)} px`;
            problems.push(`off the screen when focused (${span}): ${describe(el)}`);
        }
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            const style = getComputedStyle(a);
            if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
            const outer = a.getBoundingClientRect();
            const outside = box.left < outer.left - 1 || box.right > outer.right + 1
                || box.top < outer.top - 1 || box.bottom > outer.bottom + 1;
            if (outside) {
                problems.push(`clipped by ${describe(a)}: ${describe(el)}`);
                break;
            }
        }
        const x = Math.min(Math.max(box.left + box.width / 2, 0), width - 1);
        const y = Math.min(Math.max(box.top + box.height / 2, 0), window.innerHeight - 1);
        const hit = document.elementFromPoint(x, y);
        const labelled = el.labels && [...el.labels].some((label) => label.contains(hit));
        if (hit && hit !== el && !el.contains(hit) && !hit.contains(el) && !labelled) {
            problems.push(`covered by ${describe(hit)}: ${describe(el)}`);
        }
    }
    document.activeElement.blur();
    window.scrollTo(0, 0);

    // 4. The header: nothing overlaps, nothing is cut off.
    const visible = (el) => {
        const box = el.getBoundingClientRect();
        return box.width > 1 && box.height > 1 && getComputedStyle(el).visibility !== 'hidden';
    };
    const items = [...document.querySelectorAll(
        '.site-header .brand, .site-header select, .site-header button, .site-nav a, .account-bar p')].filter(visible);
    for (const [i, one] of items.entries()) {
        if (one.scrollWidth > one.clientWidth + 1 && getComputedStyle(one).overflowX !== 'visible') {
            problems.push(`cut off in the header: ${describe(one)}`);
        }
        const a = one.getBoundingClientRect();
        if (a.left < -1 || a.right > width + 1) problems.push(`off the screen in the header: ${describe(one)}`);
        for (const other of items.slice(i + 1)) {
            if (one.contains(other) || other.contains(one)) continue;
            const b = other.getBoundingClientRect();
            const overlapX = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const overlapY = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (overlapX > 1 && overlapY > 1) {
                problems.push(`overlap in the header: ${describe(one)} and ${describe(other)}`);
            }
        }
    }
    return problems;
}"""


def open_at(new_page: Any, base: str, viewport: dict[str, int], language: str, session: str | None = None) -> Any:
    return open_as(new_page, base, language, session, viewport=viewport)


def check(page: Any, url: str, found: list[str], ready: str = "") -> None:
    response = page.goto(url)
    assert response is not None, url
    assert response.ok, f"{url}: HTTP {response.status}"
    if ready:
        expect(page.locator(ready)).to_be_attached()
    size = page.viewport_size
    where = f"[{page.evaluate('document.documentElement.lang')} {size['width']}x{size['height']}] {page.url}"
    scrolling = axe.run(page, rules=["scrollable-region-focusable"])
    assert scrolling is not None, f"{url}: not an HTML page with axe-core in it"
    scrolling_problems = [f"{v.rule}: {target}" for v in scrolling for target in v.targets]
    for problem in [*page.evaluate(CHECK_LAYOUT), *scrolling_problems]:
        found.append(f"{where}\n    {problem}")


def assert_none(found: list[str]) -> None:
    assert not found, "Pages that do not work on a small screen or at 200% zoom:\n" + "\n".join(found)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_public_pages(invitation_token, live_server, new_page, viewport):
    base = live_server.url
    found: list[str] = []
    for language in LANGUAGES:
        page = open_at(new_page, base, viewport, language)
        for path in [*PUBLIC_PATHS, f"/invitations/{invitation_token}/"]:
            check(page, base + path, found)
    assert_none(found)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_filing_and_account_pages(make_draft, claimant, claimant_org, mediator, live_server, new_page, viewport):
    """Filing, businesses, and allauth's own pages: email addresses (a table of several), password,
    two-factor (setting up an authenticator, and as someone who has one)."""
    draft = make_draft()
    EmailAddress.objects.create(user=claimant, email="alice.accounts-department@example.com", verified=False)
    base = live_server.url
    sessions = {"claimant": session_cookie(claimant), "mediator": session_cookie(mediator)}
    found: list[str] = []
    for language in LANGUAGES:
        page = open_at(new_page, base, viewport, language, sessions["claimant"])
        for path in [*filing_and_account_paths(draft, claimant_org), "/accounts/2fa/totp/activate/"]:
            check(page, base + path, found)
        page = open_at(new_page, base, viewport, language, sessions["mediator"])
        for path in ("/accounts/2fa/", "/accounts/2fa/totp/deactivate/"):
            check(page, base + path, found)
    assert_none(found)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_party_pages(negotiation_case, claimant, respondent, asgi_live_server_url, new_page, viewport):
    base = asgi_live_server_url
    found: list[str] = []
    for language in LANGUAGES:
        for user in (claimant, respondent):
            page = open_at(new_page, base, viewport, language, session_cookie(user))
            for path, ready in party_pages(negotiation_case):
                check(page, base + path, found, ready=ready)
    assert_none(found)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_settlement_agreement_pages(
    negotiation_case, claimant, respondent, seal, run_tasks, live_server, new_page, viewport
):
    from decimal import Decimal

    from negotiation.services.offers import offer_accept, offer_make

    def agree_terms() -> None:
        offer = offer_make(case=negotiation_case, user=respondent, amount=Decimal("7500.00"), terms="Paid in 14 days.")
        offer_accept(case=negotiation_case, user=claimant, offer_id=offer.pk)
        run_tasks()

    off_the_browser_thread(agree_terms)
    base = live_server.url
    found: list[str] = []
    for language in LANGUAGES:
        page = open_at(new_page, base, viewport, language, session_cookie(claimant))
        for path in agreement_paths(negotiation_case):
            check(page, base + path, found)
    assert_none(found)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_mediation_pages(live_session, claimant, mediator, asgi_live_server_url, new_page, viewport):
    base = asgi_live_server_url
    found: list[str] = []
    for language in LANGUAGES:
        for user, party in ((claimant, True), (mediator, False)):
            page = open_at(new_page, base, viewport, language, session_cookie(user))
            for path, ready in mediation_pages(live_session, party=party):
                check(page, base + path, found, ready=ready)
    assert_none(found)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_arbitration_pages(proceedings, claimant, arbitrator, live_server, new_page, viewport):
    base = live_server.url
    found: list[str] = []
    for language in LANGUAGES:
        for user in (claimant, arbitrator):
            page = open_at(new_page, base, viewport, language, session_cookie(user))
            for path in arbitration_paths(proceedings):
                check(page, base + path, found)
    assert_none(found)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_staff_pages(
    negotiation_case,
    administrator,
    fee_schedule,
    mediator_profile,
    arbitrator_profile,
    live_server,
    new_page,
    viewport,
):
    base = live_server.url
    found: list[str] = []
    for language in LANGUAGES:
        page = open_at(new_page, base, viewport, language, session_cookie(administrator))
        for path in staff_paths(negotiation_case, mediator_profile, arbitrator_profile):
            check(page, base + path, found)
    assert_none(found)


def test_a_table_is_a_keyboard_stop_only_while_it_scrolls(live_server, new_page):
    """js/scroll-regions.js: on a wide window the statistics table fits and is no Tab stop; made narrow, it
    scrolls sideways, becomes one, and the arrow keys scroll it; wide again, the stop goes away."""
    base = live_server.url
    page = open_at(new_page, base, {"width": 1280, "height": 800}, "en")
    page.goto(base + "/statistics/")
    table = page.get_by_role("region", name="Of the cases that reached each tier, the share resolved there")
    expect(table).not_to_have_attribute("tabindex", "0")
    page.set_viewport_size(PHONE)
    expect(table).to_have_attribute("tabindex", "0")
    table.focus()
    expect(table).to_be_focused()
    page.keyboard.press("ArrowRight")
    for _attempt in range(20):  # smooth scrolling takes a few frames
        if table.evaluate("(element) => element.scrollLeft") > 0:
            break
        page.wait_for_timeout(50)
    assert table.evaluate("(element) => element.scrollLeft") > 0
    table.blur()
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(table).not_to_have_attribute("tabindex", "0")


def test_without_javascript_a_table_stays_a_keyboard_stop(browser, live_server):
    """The server's markup alone (no script) keeps every wide table reachable by keyboard."""
    base = live_server.url
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(base + "/statistics/")
        expect(
            page.get_by_role("region", name="Of the cases that reached each tier, the share resolved there")
        ).to_have_attribute("tabindex", "0")
    finally:
        context.close()


# Messages as the room's script adds them, then what anything that runs next on the page (a key press, axe)
# finds: the next task, before the browser has drawn a frame.
ADD_MESSAGES_THEN_LOOK = """async (count) => {
    const log = document.getElementById('chat-log');
    for (let n = 0; n < count; n++) {
        const item = document.createElement('li');
        item.className = 'message';
        item.textContent = `Message ${n}: a line long enough to take some room in the chat.`;
        log.append(item);
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
    const region = document.getElementById('chat-scroll');
    return {scrolls: region.scrollHeight > region.clientHeight + 1, tabindex: region.getAttribute('tabindex')};
}"""


def test_the_chat_is_a_keyboard_stop_as_soon_as_its_messages_overflow(
    live_session, mediator, asgi_live_server_url, new_page
):
    """js/scroll-regions.js: the video room's chat, empty when the room opens (no Tab stop), scrolls once its
    messages arrive; it is a keyboard stop from then on, not only after the browser's next frame (a key
    press, or axe, may come first)."""
    base = asgi_live_server_url
    page = open_at(new_page, base, {"width": 1280, "height": 800}, "en", session_cookie(mediator))
    page.goto(f"{base}/mediation/sessions/{live_session.public_id}/")
    expect(page.locator("#mediation-connection")).to_have_attribute("data-state", "live")
    chat = page.get_by_role("log", name="Chat")
    expect(chat).not_to_have_attribute("tabindex", "0")

    seen = page.evaluate(ADD_MESSAGES_THEN_LOOK, 40)

    assert seen == {"scrolls": True, "tabindex": "0"}
    chat.focus()
    expect(chat).to_be_focused()


def test_a_table_a_live_update_brings_in_is_a_keyboard_stop_only_while_it_scrolls(live_server, new_page):
    """js/scroll-regions.js: a region that comes into the page after it loaded (a part of a live page fetched
    again) is looked after like the others: no Tab stop while it fits, one while it scrolls."""
    base = live_server.url
    page = open_at(new_page, base, {"width": 1280, "height": 800}, "en")
    page.goto(base + "/statistics/")
    page.evaluate(
        """() => {
            const part = document.createElement('section');
            part.setAttribute('aria-label', 'Brought in later');
            part.innerHTML = '<div class="table-wrap" role="region" aria-label="Later table" tabindex="0">'
                + '<table class="table"><tr>' + '<th scope="col">Column</th>'.repeat(6) + '</tr>'
                + '<tr>' + '<td>1</td>'.repeat(6) + '</tr></table></div>';
            document.querySelector('main').append(part);
        }"""
    )
    later = page.get_by_role("region", name="Later table")
    expect(later).not_to_have_attribute("tabindex", "0")
    page.set_viewport_size(PHONE)
    expect(later).to_have_attribute("tabindex", "0")
