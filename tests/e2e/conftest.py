"""Real-browser tests: Debian's Chromium driven by Playwright against Django's live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from tests.e2e import axe
from tests.e2e.axe import Watcher

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]

# Playwright's sync API runs an event loop in this thread; the live server and our direct database
# reads in the test body are still plain synchronous Django, which is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


AXE_WATCHER = pytest.StashKey[Watcher]()


@pytest.fixture
def axe_watcher(request: pytest.FixtureRequest) -> Watcher:
    """The test's axe-core watcher: every page the test opens is checked (see ``pytest_runtest_call``)."""
    if not axe.installed():
        pytest.fail(axe.missing())
    watcher = Watcher()
    request.node.stash[AXE_WATCHER] = watcher
    return watcher


# Function scope: Playwright's sync API keeps an event loop running in this thread while it is open,
# and code outside the browser (fixtures that write and broadcast, the rest of the suite) must not run
# beside it: async_to_sync refuses to. List data fixtures before ``new_page`` so they are made first.
@pytest.fixture
def browser(axe_watcher: Watcher) -> Iterator[Any]:
    """Chromium, whose every context (and so every page) the test's axe watcher checks."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (.ci/run does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        new_context = instance.new_context

        def watched_context(**options: Any) -> Any:
            context = new_context(**options)
            axe_watcher.watch_context(context, scripts_disabled=options.get("java_script_enabled") is False)
            return context

        def watched_page(**options: Any) -> Any:  # Browser.new_page: a page in a context of its own
            return watched_context(**options).new_page()

        instance.new_context = watched_context
        instance.new_page = watched_page
        yield instance
        instance.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """After the test, axe checks the pages still open as they are now (a live room fills after its load)
    and the test fails if any page it visited had violations: rule, page and elements are listed. A test
    that failed anyway keeps its own failure, with what axe had found so far beside it."""
    try:
        outcome = yield
    except BaseException:
        watcher = item.stash.get(AXE_WATCHER, None)
        if watcher is not None and (found := watcher.report()):
            item.add_report_section("call", "axe-core", "\n".join(found))
        raise
    watcher = item.stash.get(AXE_WATCHER, None)
    if watcher is None:
        return outcome
    found = watcher.finish()
    # What the checking cost (shown with pytest -rP, or beside a failure).
    checked = f"{watcher.runs} checks in {watcher.seconds:.1f} s"
    if watcher.missed:
        checked += "; gone before their check ended: " + ", ".join(watcher.missed)
    item.add_report_section("call", "axe-core", checked)
    if found:
        pytest.fail(
            f"axe-core found accessibility violations on the pages this test visited ({len(found)}):\n"
            + "\n".join(found),
            pytrace=False,
        )
    return outcome


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    contexts = []

    def make(width: int = 1280, height: int = 900) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def asgi_live_server_url(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """Daphne serving the real ASGI application (HTTP and websockets) from a thread of this process.

    Django's own live server speaks WSGI only, so rooms need this one. It shares the test database and,
    on the embedded default, the in-memory channel layer with the test.
    """
    import socket
    import threading
    import time

    from daphne.server import Server

    from odr.asgi import application

    port = _free_port()
    server = Server(application=application, endpoints=[f"tcp:port={port}:interface=127.0.0.1"], signal_handlers=False)
    thread = threading.Thread(target=server.run, name="daphne-e2e", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield url
    from twisted.internet import reactor

    reactor.callFromThread(reactor.stop)  # type: ignore[attr-defined]
    thread.join(5)
    # Connections the server's worker threads still hold would stop the test database being dropped.
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


def off_the_browser_thread(function: Any) -> Any:
    """Run ``function`` in another thread: Playwright keeps an event loop running in this one, and code
    that broadcasts (async_to_sync) must not run beside it."""
    import threading

    from django.db import connections

    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function()
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def sign_in(page: Any, base: str, email: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("heading", name="My cases")).to_be_visible()


def totp_secret(user: Any) -> str:
    """The user's authenticator secret (read before the browser opens: it is a database read)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    return str(decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]))


def totp_code(secret: str) -> str:
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return str(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))


def unused_code(page: Any, secret: str, used: set[str]) -> str:
    """A code is accepted once only: wait for the authenticator to show a new one, as a person would."""
    while (code := totp_code(secret)) in used:
        page.wait_for_timeout(500)
    used.add(code)
    return code


def sign_in_with_code(page: Any, base: str, email: str, secret: str, used: set[str] | None = None) -> None:
    """The real two-step sign-in: password, then the authenticator code (a fresh one if the 30-second
    window turned between reading the code and the server checking it). ``used`` collects the codes
    spent, for a test that needs another code later."""
    from playwright.sync_api import expect

    from tests.conftest import PASSWORD

    spent = used if used is not None else set()
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    code = page.locator("input[name=code]")
    for _attempt in range(3):
        expect(code).to_be_visible()  # read the code once its page is there: it lives 30 seconds at most
        code.fill(unused_code(page, secret, spent))
        with page.expect_navigation():
            page.get_by_role("button", name="Sign In", exact=True).click()
        if page.get_by_role("heading", name="My cases").is_visible():
            return
        expect(page.get_by_text("Incorrect code.").first).to_be_visible()
    raise AssertionError(f"{email} could not sign in with an authenticator code")
