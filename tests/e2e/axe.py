"""axe-core in the browser tests: one configuration, one runner, and a watcher that checks every page a test
visits.

axe-core comes from the npm registry at package.json's pinned version (scripts/test installs it into
node_modules/) and is added to each document before its own scripts, as the browser's DevTools would: the
pages' Content-Security-Policy (script-src 'self') refuses an inline <script> tag, rightly, so a script tag
cannot be added. Nothing is fetched from a CDN.

The rules: WCAG 2.0 and 2.1, levels A and AA, and a few of axe's best-practice rules that a screen-reader user
meets as defects. ``Watcher`` runs them when each page of a watched browser context has loaded and, at the end
of the test, on every page still open (a live room fills after its load event); tests/e2e/conftest.py watches
every context the browser tests open and fails a test whose pages had violations.
"""

from __future__ import annotations

import contextlib
import time
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

# Runs are queued one after another in the page (axe refuses to start while it runs), and each waits for
# the animations running then (a button's 150 ms colour transition) to end, so colours are checked as they
# settle, not halfway. A document that is not HTML (a PDF in the browser's viewer, plain text) or has no
# axe (about:blank) is not checked: the runner answers null. In a context without JavaScript the page's
# timers never fire, so axe gets timers that run at once (nothing else of the page's can run there).
RUN_AXE = """async ([tags, definite, extra, only, scriptsDisabled, listed]) => {
    if (typeof axe === 'undefined' || document.contentType !== 'text/html' || !document.body) return null;
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


def prepare(context: Any) -> None:
    """Have axe-core in every document of ``context``, added before the document's own scripts."""
    context.add_init_script(path=str(AXE))


def run(page: Any, *, rules: list[str] | None = None, scripts_disabled: bool = False) -> list[Violation] | None:
    """axe's violations on ``page`` as it is now (only ``rules``, if given); None when it is not an HTML page
    with axe in it. Playwright's errors (the page navigated away or closed meanwhile) are raised."""
    only = rules or []
    arguments = [WCAG_TAGS, DEFINITE_WHEN_INCOMPLETE, BEST_PRACTICE_RULES, only, scripts_disabled, TARGETS_LISTED]
    result = page.evaluate(RUN_AXE, arguments)
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
    """Checks every page of the contexts it watches with axe: when each document has loaded, and on
    ``finish`` every page still open as it is then. Violations are collected, once each per page and rule
    and elements; what could not be checked for another reason than the page navigating or closing is
    collected as a problem too."""

    def __init__(self) -> None:
        self._pages: list[tuple[Any, bool]] = []
        self._found: dict[tuple[str, str, str, tuple[str, ...]], Violation] = {}
        self.errors: list[str] = []
        self.runs = 0
        self.seconds = 0.0
        self._running = 0

    @property
    def violations(self) -> list[Violation]:
        return list(self._found.values())

    def watch_context(self, context: Any, *, scripts_disabled: bool = False) -> None:
        prepare(context)
        context.on("page", lambda page: self.watch_page(page, scripts_disabled=scripts_disabled))
        for page in context.pages:
            self.watch_page(page, scripts_disabled=scripts_disabled)

    def watch_page(self, page: Any, *, scripts_disabled: bool = False) -> None:
        self._pages.append((page, scripts_disabled))
        page.on("load", lambda loaded: self.check(loaded, scripts_disabled=scripts_disabled))

    def check(self, page: Any, *, scripts_disabled: bool = False) -> None:
        """Check ``page`` now. Mid-navigation, wait for the next document's load and try once more; a page
        that closed is let go. Never raises: Playwright calls it from its event handlers too."""
        self._running += 1
        try:
            for attempt in (1, 2):
                if page.is_closed():
                    return
                started = time.monotonic()
                try:
                    found = run(page, scripts_disabled=scripts_disabled)
                except PlaywrightError as error:
                    if page.is_closed() or _said(error, CLOSED):
                        return
                    if _said(error, NAVIGATED):
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
                for violation in found or []:
                    key = (violation.rule, violation.url, violation.language, violation.targets)
                    self._found.setdefault(key, violation)
                return
        finally:
            self._running -= 1

    def finish(self) -> list[str]:
        """Check every page still open as it is now (what it received after its load: a live room's
        messages), wait for the checks under way, and say what was found, one entry a violation."""
        for page, scripts_disabled in self._pages:
            if page.is_closed() or not page.url.startswith(("http:", "https:")):
                continue
            with contextlib.suppress(PlaywrightError):  # closed or still navigating: check says which
                page.wait_for_load_state("load")
            self.check(page, scripts_disabled=scripts_disabled)
        self._wait_for_running()
        return self.report()

    def report(self) -> list[str]:
        return [*self.errors, *(str(violation) for violation in self._found.values())]

    def _wait_for_running(self, seconds: float = 30) -> None:
        """Let the checks Playwright's event handlers started end: they run while this thread waits on the
        browser, so wait on an open page."""
        deadline = time.monotonic() + seconds
        while self._running and time.monotonic() < deadline:
            page = next((page for page, _ in self._pages if not page.is_closed()), None)
            if page is None:
                return
            try:
                page.wait_for_timeout(20)
            except PlaywrightError:
                continue
