"""axe-core in the browser tests: one configuration, one runner, and a watcher that checks every page a test
visits.

axe-core comes from the npm registry at package.json's pinned version (scripts/test installs it into
node_modules/) and is added to each document before its own scripts, as the browser's DevTools would: the
pages' Content-Security-Policy (script-src 'self') refuses an inline <script> tag, rightly, so a script tag
cannot be added. Nothing is fetched from a CDN.

The rules: WCAG 2.0 and 2.1, levels A and AA, and a few of axe's best-practice rules that a screen-reader user
meets as defects. ``Watcher`` has each page of a watched browser context check itself when it has loaded and,
at the end of the test, checks every page still open (a live room fills after its load event);
tests/e2e/conftest.py watches every context the browser tests open and fails a test whose pages had
violations.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from playwright.sync_api import Error as PlaywrightError

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Rules axe always leaves for review ("incomplete") though what they find is a defect: an id used twice and
# referenced by a label or ARIA attribute names or describes one of the elements only.
DEFINITE_WHEN_INCOMPLETE = ["duplicate-id-aria"]
# axe's best-practice rules that a screen-reader user meets as defects, checked too: two landmarks of one
# name cannot be told apart in the landmarks list, and an element given a role its own kind may not take
# (a list made a log) loses what it was.
BEST_PRACTICE_RULES = ["landmark-unique", "aria-allowed-role"]
# Targets listed for each violation (the count says how many elements there are in all).
TARGETS_LISTED = 5
# How long a navigation waits at most for the check of the document it leaves.
HOLD_SECONDS = 20

# Runs are queued one after another in the page (axe refuses to start while it runs), and each waits for
# the animations running then (a button's 150 ms colour transition) to end, so colours are checked as they
# settle, not halfway. A document that is not HTML (a PDF in the browser's viewer, plain text) or not from a
# web server (about:blank, the browser's error pages) is not checked: the runner answers null. In a context
# without JavaScript the page's timers never fire, so axe gets timers that run at once (nothing else of the
# page's can run there).
RUN_AXE = """async ([tags, definite, extra, only, scriptsDisabled, listed]) => {
    const http = location.protocol === 'http:' || location.protocol === 'https:';
    if (!http || typeof axe === 'undefined' || document.contentType !== 'text/html' || !document.body) return null;
    if (scriptsDisabled) {
        window.setTimeout = (callback, delay, ...args) => {
            Promise.resolve().then(() => callback(...args));
            return 0;
        };
        window.clearTimeout = () => {};
    }
    const settled = () => {
        const finite = document.getAnimations().filter((animation) => {
            const timing = animation.effect && animation.effect.getComputedTiming();
            return timing && Number.isFinite(timing.endTime);
        });
        const ended = Promise.all(finite.map((animation) => animation.finished.catch(() => null)));
        return Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 1000))]);
    };
    const check = async () => {
        await settled();
        const rules = Object.fromEntries(extra.map((id) => [id, {enabled: true}]));
        const chosen = only.length ? {type: 'rule', values: only} : {type: 'tag', values: tags};
        const options = {runOnly: chosen, rules: only.length ? {} : rules, resultTypes: ['violations', 'incomplete']};
        const results = await axe.run(document, options);
        const found = results.violations.concat(results.incomplete.filter((v) => definite.includes(v.id)));
        return {
            url: location.href,
            language: document.documentElement.lang,
            violations: found.map((v) => ({
                rule: v.id,
                impact: v.impact || '',
                help: v.help,
                count: v.nodes.length,
                targets: v.nodes.slice(0, listed).map((node) => node.target.join(' ')),
            })),
        };
    };
    const run = (window.__axeQueue || Promise.resolve()).catch(() => null).then(check);
    window.__axeQueue = run;
    return run;
}"""


# Bindings through which a page tells the watcher that its own check began and what it found.
STARTED = "__axeCheckStarted"
REPORTED = "__axeCheckReported"

# Each document checks itself as soon as it has loaded (after the page's own load handlers), in the page:
# no round trip to the test first, and nothing to wait for that a navigation could hold up. A frame is
# checked with its page.
CHECK_ON_LOAD = """(() => {
    if (window.top !== window) return;
    window.__axeCheck = %(runner)s;
    window.addEventListener('load', () => {
        const started = window.%(started)s;
        const reported = window.%(reported)s;
        if (typeof started !== 'function' || typeof reported !== 'function') return;
        started();
        setTimeout(() => window.__axeCheck(%(arguments)s).then(
            reported, (error) => reported({error: String(error && error.stack || error)})), 0);
    }, {once: true});
})();"""

# What Playwright says when the document went away under a call: a navigation, or the page closing.
NAVIGATED = ("Execution context was destroyed", "Cannot find context with specified id", "Frame was detached")
CLOSED = ("has been closed", "Target closed", "Browser closed")


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    url: str
    language: str
    count: int
    targets: tuple[str, ...]

    def __str__(self) -> str:
        elements = "1 element" if self.count == 1 else f"{self.count} elements"
        more = ", e.g." if self.count > len(self.targets) else ":"
        return (
            f"{self.rule} ({self.impact}): {self.help}\n"
            f"    on {self.url} [{self.language}], {elements}{more} {' | '.join(self.targets)}"
        )


def installed() -> bool:
    return AXE.is_file()


def missing() -> str:
    return f"{AXE} is missing: run `npm install --no-audit --no-fund` (scripts/test does)."


def _arguments(rules: list[str] | None = None, *, scripts_disabled: bool = False) -> list[Any]:
    only = rules or []
    return [WCAG_TAGS, DEFINITE_WHEN_INCOMPLETE, BEST_PRACTICE_RULES, only, scripts_disabled, TARGETS_LISTED]


def prepare(context: Any) -> None:
    """Have axe-core in every document of ``context``, added before the document's own scripts, and have each
    document check itself when it has loaded (if the watcher's bindings are there to hear it)."""
    own_check = CHECK_ON_LOAD % {
        "runner": RUN_AXE,
        "started": STARTED,
        "reported": REPORTED,
        "arguments": json.dumps(_arguments()),
    }
    context.add_init_script(script=AXE.read_text(encoding="utf-8") + "\n;" + own_check)


def run(page: Any, *, rules: list[str] | None = None, scripts_disabled: bool = False) -> list[Violation] | None:
    """axe's violations on ``page`` as it is now (only ``rules``, if given); None when it is not an HTML page
    with axe in it. Playwright's errors (the page navigated away or closed meanwhile) are raised."""
    return violations_in(page.evaluate(RUN_AXE, _arguments(rules, scripts_disabled=scripts_disabled)))


def violations_in(result: dict[str, Any] | None) -> list[Violation] | None:
    if result is None:
        return None
    return [
        Violation(
            rule=found["rule"],
            impact=found["impact"],
            help=found["help"],
            url=result["url"],
            language=result["language"],
            count=found["count"],
            targets=tuple(found["targets"]),
        )
        for found in result["violations"]
    ]


def _said(error: BaseException, phrases: tuple[str, ...]) -> bool:
    return any(phrase in str(error) for phrase in phrases)


class Watcher:
    """Checks every page of the contexts it watches with axe: each document checks itself when it has loaded
    (a navigation away from it waits for that check), and ``finish`` checks every page still open as it is
    then. Violations are collected, once each per page and rule and elements; what could not be checked for
    another reason than the page closing is collected as a problem too.

    In a context without JavaScript the page cannot check itself: the watcher checks it from the test when
    it has loaded (a navigation that comes first wins there, and the next document is checked)."""

    def __init__(self) -> None:
        self._pages: list[tuple[Any, bool]] = []
        self._found: dict[tuple[str, str, str, tuple[str, ...]], Violation] = {}
        self._busy: dict[Any, tuple[float, str]] = {}  # page -> when and where its own check began
        self.errors: list[str] = []
        self.missed: list[str] = []  # documents that went away before their check ended
        self.runs = 0
        self.seconds = 0.0
        self._running = 0

    @property
    def violations(self) -> list[Violation]:
        return list(self._found.values())

    def watch_context(self, context: Any, *, scripts_disabled: bool = False) -> None:
        prepare(context)
        if not scripts_disabled:
            context.expose_binding(STARTED, self._started)
            context.expose_binding(REPORTED, self._reported)
        context.on("page", lambda page: self.watch_page(page, scripts_disabled=scripts_disabled))
        for page in context.pages:
            self.watch_page(page, scripts_disabled=scripts_disabled)

    def watch_page(self, page: Any, *, scripts_disabled: bool = False) -> None:
        self._pages.append((page, scripts_disabled))
        page.on("close", lambda closed: self._busy.pop(closed, None))
        if scripts_disabled:
            page.on("load", lambda loaded: self.check(loaded, scripts_disabled=True))
            return
        page.on("framenavigated", lambda frame: self._navigated(page, frame))
        try:
            self._hold_navigations(page)
        except PlaywrightError as error:
            if not page.is_closed():
                self.errors.append(f"axe: navigations of a page cannot wait for its check: {error}")

    def _hold_navigations(self, page: Any) -> None:
        """A navigation of ``page`` (a link followed, a form sent, the test going elsewhere) waits while the
        document it leaves is checking itself, then goes on unchanged. Only the page's documents wait: its
        other requests and its frames' are not stopped at all."""
        session = page.context.new_cdp_session(page)
        top = session.send("Page.getFrameTree")["frameTree"]["frame"]["id"]

        def paused(event: dict[str, Any]) -> None:
            try:
                if event.get("frameId") == top:
                    self._wait(lambda: page not in self._busy or page.is_closed(), page, HOLD_SECONDS)
                session.send("Fetch.continueRequest", {"requestId": event["requestId"]})
            except PlaywrightError:
                pass  # the page closed
            except Exception as error:  # an event handler must not raise: report it with the test instead
                self.errors.append(f"axe: a navigation of {page.url} did not go on: {error!r}")

        session.on("Fetch.requestPaused", paused)
        pattern = {"urlPattern": "*", "resourceType": "Document", "requestStage": "Request"}
        session.send("Fetch.enable", {"patterns": [pattern]})

    def _started(self, source: dict[str, Any]) -> None:
        self._busy[source["page"]] = (time.monotonic(), source["frame"].url)

    def _reported(self, source: dict[str, Any], result: dict[str, Any] | None) -> None:
        began = self._busy.pop(source["page"], None)
        if result is not None and "error" in result:
            self.errors.append(f"axe could not check {source['frame'].url}: {result['error']}")
            return
        self.runs += 1
        if began is not None:
            self.seconds += time.monotonic() - began[0]
        self._record(violations_in(result))

    def _navigated(self, page: Any, frame: Any) -> None:
        if frame == page.main_frame and page in self._busy:  # the navigation did not wait (HOLD_SECONDS)
            self.missed.append(self._busy.pop(page)[1])

    def _record(self, found: list[Violation] | None) -> None:
        for violation in found or []:
            key = (violation.rule, violation.url, violation.language, violation.targets)
            self._found.setdefault(key, violation)

    def check(self, page: Any, *, scripts_disabled: bool = False) -> None:
        """Check ``page`` now, from the test. Mid-navigation, wait for the next document's load and try once
        more; a page that closed is let go. Never raises: Playwright calls it from its event handlers too."""
        self._running += 1
        try:
            for attempt in (1, 2):
                if page.is_closed():
                    return
                started = time.monotonic()
                url = page.url
                try:
                    found = run(page, scripts_disabled=scripts_disabled)
                except PlaywrightError as error:
                    if page.is_closed() or _said(error, CLOSED):
                        return
                    if _said(error, NAVIGATED):
                        self.missed.append(url)
                        if attempt == 1:
                            try:
                                page.wait_for_load_state("load")
                            except PlaywrightError:
                                return
                            continue
                        return  # navigating still: the next document is checked when it has loaded
                    self.errors.append(f"axe could not check {page.url}: {error}")
                    return
                except Exception as error:  # an event handler must not raise: report it with the test instead
                    self.errors.append(f"axe could not check {page.url}: {error!r}")
                    return
                self.runs += 1
                self.seconds += time.monotonic() - started
                self._record(found)
                return
        finally:
            self._running -= 1

    def finish(self) -> list[str]:
        """Let the pages' own checks under way end, then check every page still open as it is now (what it
        received after its load: a live room's messages), and say what was found, one entry a violation."""
        self._wait(lambda: not self._busy)
        for page, scripts_disabled in self._pages:
            if page.is_closed() or not page.url.startswith(("http:", "https:")):
                continue
            with contextlib.suppress(PlaywrightError):  # closed or still navigating: check says which
                page.wait_for_load_state("load")
            self.check(page, scripts_disabled=scripts_disabled)
        self._wait(lambda: not self._running)
        return self.report()

    def report(self) -> list[str]:
        return [*self.errors, *(str(violation) for violation in self._found.values())]

    def _wait(self, done: Callable[[], bool], page: Any = None, seconds: float = 30) -> None:
        """Wait until ``done()``: the browser's events (and the checks they run) are handled meanwhile, as
        this thread waits on an open page."""
        deadline = time.monotonic() + seconds
        while not done() and time.monotonic() < deadline:
            waiting_on = page or next((open_page for open_page, _ in self._pages if not open_page.is_closed()), None)
            if waiting_on is None or waiting_on.is_closed():
                return
            try:
                waiting_on.wait_for_timeout(20)
            except PlaywrightError:
                if page is not None:
                    return
