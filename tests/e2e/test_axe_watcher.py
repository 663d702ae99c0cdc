"""The axe-core watcher (tests/e2e/axe.py) that conftest.py puts on every browser test's pages: it finds the
violations of each page a test visits, as loaded and as left at the end, with the rule, the page and the
elements; it lets be what is not an HTML page, a page that closed and a page that navigated on under it.

Its pages are served by the browser itself (routes), with violations on purpose, in a Chromium of this
module's own: the ``browser`` fixture's is watched, and would fail these tests for their pages.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e import axe
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser]

SITE = "http://pages.test"
PAGE = """<!doctype html><html lang="en"><head><title>{title}</title></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""
PAGES = {
    "/loaded": PAGE.format(title="Loaded", body='<img id="bare" src="/pixel.png"><p><a href="/later">Later</a></p>'),
    # A field without a label arrives after the load event, as a live room's messages do.
    "/later": PAGE.format(
        title="Later",
        body="<p>Content comes.</p><script>window.addEventListener('load', () => setTimeout(() =>"
        " document.querySelector('main').insertAdjacentHTML('beforeend', '<input id=\"late\">'), 300));</script>",
    ),
    "/fine": PAGE.format(title="Fine", body="<p>Nothing wrong here.</p>"),
    # Leaves at once for another page, under a check that had started.
    "/moving": PAGE.format(
        title="Moving", body="<img id='left-behind' src='/pixel.png'><script>location.replace('/arrived');</script>"
    ),
    "/arrived": PAGE.format(title="Arrived", body='<img id="arrived" src="/pixel.png">'),
    # Left at once by the test: it goes elsewhere, follows the link or sends the form.
    "/passing": PAGE.format(
        title="Passing",
        body='<img id="passed" src="/pixel.png"><p><a href="/fine">On</a></p>'
        '<form method="post" action="/sent"><label for="word">Word</label><input id="word" name="word">'
        "<button>Send</button></form>",
    ),
}
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def serve(route: Any) -> None:
    path = route.request.url.removeprefix(SITE).split("?")[0]
    if path in PAGES:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=PAGES[path])
    elif path == "/sent" and route.request.method == "POST":
        sent = route.request.post_data or ""
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=PAGE.format(title="Sent", body=sent))
    elif path == "/pixel.png":
        route.fulfill(status=204)
    elif path == "/notes.txt":
        route.fulfill(status=200, content_type="text/plain", body="Plain text, no HTML: <img src=x>")
    elif path == "/award.pdf":
        route.fulfill(status=200, content_type="application/pdf", body=PDF)
    else:
        route.fulfill(status=404, content_type="text/plain", body="Not found")


@pytest.fixture
def own_browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (.ci/run does).")
    if not axe.installed():
        pytest.fail(axe.missing())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def watched(browser: Any, watcher: axe.Watcher, **options: Any) -> Any:
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    context.route(f"{SITE}/**", serve)
    watcher.watch_context(context, scripts_disabled=options.get("java_script_enabled") is False)
    return context


def found(watcher: axe.Watcher) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(violation.rule, violation.url, violation.targets) for violation in watcher.violations}


def test_each_page_is_checked_as_loaded_and_as_left(own_browser):
    """A violation on a page the test moved on from is found (checked at its load); one that came after the
    load, on the page the test ends on, is found at the end. Each names its rule, page and elements."""
    watcher = axe.Watcher()
    page = watched(own_browser, watcher).new_page()
    page.goto(f"{SITE}/loaded")
    page.get_by_role("link", name="Later").click()
    page.wait_for_url(f"{SITE}/later")
    page.locator("#late").wait_for(state="attached")

    report = watcher.finish()

    assert found(watcher) == {("image-alt", f"{SITE}/loaded", ("#bare",)), ("label", f"{SITE}/later", ("#late",))}
    assert len(report) == 2
    assert any(line.startswith("image-alt (critical)") and f"on {SITE}/loaded [en]" in line for line in report)
    assert any(line.startswith("label (critical)") and "#late" in line for line in report)
    assert watcher.runs >= 3  # both loads, and the page left open at the end


def test_pages_that_are_not_html_or_closed_are_let_be(own_browser):
    """Plain text, a PDF in the browser's viewer and a page closed before the end raise nothing and count as
    no violation (axe would find several on a document that is not HTML)."""
    watcher = axe.Watcher()
    context = watched(own_browser, watcher)
    text = context.new_page()
    text.goto(f"{SITE}/notes.txt")
    pdf = context.new_page()
    pdf.goto(f"{SITE}/award.pdf")
    closed = context.new_page()
    closed.goto(f"{SITE}/fine")
    closed.close()

    assert watcher.finish() == []
    assert watcher.violations == []


def test_a_page_that_navigates_under_a_check_is_checked_where_it_lands(own_browser):
    """A page that leaves at once: the check that started on it ends quietly or retries on the next document,
    which is checked in any case; nothing is reported as an error."""
    watcher = axe.Watcher()
    page = watched(own_browser, watcher).new_page()
    page.goto(f"{SITE}/moving")
    page.wait_for_url(f"{SITE}/arrived")

    watcher.finish()

    assert watcher.errors == []
    assert ("image-alt", f"{SITE}/arrived", ("#arrived",)) in found(watcher)


def test_a_page_without_javascript_is_checked_too(own_browser):
    """In a context with JavaScript switched off (the pages' own scripts never run) axe still checks each page
    as the server sent it: the one the test moved on from and the one it ends on."""
    watcher = axe.Watcher()
    page = watched(own_browser, watcher, java_script_enabled=False).new_page()
    page.goto(f"{SITE}/loaded")
    page.wait_for_timeout(500)  # a person reads the page before following its link
    page.get_by_role("link", name="Later").click()
    page.wait_for_url(f"{SITE}/later")
    page.get_by_role("heading", name="Later").wait_for()

    watcher.finish()

    assert found(watcher) == {("image-alt", f"{SITE}/loaded", ("#bare",))}  # the late field never comes
    assert watcher.runs == 3  # both pages as loaded, and the one left open at the end


@pytest.mark.parametrize("leave", ["link", "form", "goto"])
def test_a_page_the_test_leaves_at_once_is_checked_before_it_goes(own_browser, leave):
    """The test goes elsewhere, follows a link or sends a form as soon as the page has loaded: the navigation
    waits for the check under way, which finds the page's violation, and then goes on as it was (a form's
    data arrives)."""
    watcher = axe.Watcher()
    page = watched(own_browser, watcher).new_page()
    for _visit in range(3):
        page.goto(f"{SITE}/passing")
        if leave == "goto":
            page.goto(f"{SITE}/fine")
        elif leave == "link":
            page.get_by_role("link", name="On").click()
            page.wait_for_url(f"{SITE}/fine")
        else:
            page.get_by_label("Word").fill("kept")
            page.get_by_role("button", name="Send").click()
            page.wait_for_url(f"{SITE}/sent")
            assert page.get_by_role("main").inner_text().endswith("word=kept")

    watcher.finish()

    assert ("image-alt", f"{SITE}/passing", ("#passed",)) in found(watcher)
    assert watcher.missed == []
    assert watcher.errors == []
