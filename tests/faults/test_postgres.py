"""The PostgreSQL connection of a web process terminated (``pg_terminate_backend``) in the middle of a
request that writes, and while it sits idle between requests.

Real Daphne, real PostgreSQL: the web process runs with the production settings (its connections taken
from a pool of ``DB_POOL_MAX_SIZE``, each checked before use) on the test database. To catch the request
between two of its writes, the test holds a lock that only the audit log's INSERTs wait on: accepting an
offer updates the offer, then waits to write its audit entry; the test sees that backend waiting (with a
transaction that has already written) and terminates it. Only meaningful on PostgreSQL: skipped on SQLite.
"""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_tasks_db.models import DBTaskResult

from cases.models import AuditEntry, CaseSettlement, CaseStatus
from documents.models import IssuedDocument
from negotiation.models import Offer, OfferStatus
from negotiation.services.offers import offer_make
from tests.faults.conftest import ROOT, child_env
from tests.markers import postgresql_only
from tests.processes import database_env, free_port, stop, wait_for_port

pytestmark = [
    pytest.mark.django_db(transaction=True),
    postgresql_only("terminating a database backend"),
]

APP = "odr-faults-web"


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


class Browser:
    """A signed-in person's browser: cookies kept, redirects shown rather than followed."""

    def __init__(self, base: str, user) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirects)
        login = Client()
        login.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = login.cookies[settings.SESSION_COOKIE_NAME].value
        host = urllib.parse.urlsplit(base).hostname
        self.jar.set_cookie(
            http.cookiejar.Cookie(
                0, settings.SESSION_COOKIE_NAME, session, None, False, host, False, False, "/", True,
                False, None, False, None, None, {},
            )
        )  # fmt: skip

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf_token(self, page: str) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert found, "no form on the page"
        return found.group(1)


@pytest.fixture
def web(tmp_path) -> Iterator[str]:
    """One Daphne process of the platform, as in production: DEBUG off, its connections pooled."""
    port = free_port()
    url = database_env()["DATABASE_URL"] + f"?application_name={APP}"
    log = (tmp_path / "daphne.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "odr.asgi:application"],
        cwd=ROOT,
        env=child_env(DATABASE_URL=url, DEBUG="0", DB_POOL_MAX_SIZE="20"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    wait_for_port(port, process, what="Daphne")
    yield f"http://127.0.0.1:{port}"
    stop(process)


def web_backends(state: str | None = None) -> list[int]:
    """The web process's connections (all of them, or those in ``state``), by their backend pid."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = current_database() "
            "AND (%s::text IS NULL OR state = %s) ORDER BY pid",
            [APP, state, state],
        )
        return [row[0] for row in cursor.fetchall()]


def terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone()[0] is True
    deadline = time.monotonic() + 10
    while pid in web_backends():
        assert time.monotonic() < deadline, "the backend did not go"
        time.sleep(0.05)


def test_a_connection_terminated_between_two_writes_saves_nothing_and_the_next_request_works(
    web, negotiation_case, claimant, respondent
):
    import psycopg

    offer = offer_make(case=negotiation_case, user=respondent, amount=Decimal("8000.00"), terms="Half the deposit.")
    room = f"/cases/{negotiation_case.public_id}/negotiation/"
    alice = Browser(web, claimant)
    status, page = alice.request(room)
    assert status == 200
    token = alice.csrf_token(page)
    audit_before = AuditEntry.objects.count()
    tasks_before = DBTaskResult.objects.count()

    db = settings.DATABASES["default"]
    blocker = psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None, dbname=db["NAME"]
    )
    answer: dict[str, tuple[int, str]] = {}
    try:
        # Reads of the audit log go on; a new audit entry waits until the test lets go.
        blocker.execute("LOCK TABLE cases_auditentry IN SHARE ROW EXCLUSIVE MODE")
        accept = threading.Thread(
            target=lambda: answer.setdefault(
                "accept",
                alice.request(
                    f"{room}accept/", {"csrfmiddlewaretoken": token, "offer_id": str(offer.pk), "confirm": "yes"}
                ),
            )
        )
        accept.start()
        deadline = time.monotonic() + 30
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid, backend_xid IS NOT NULL FROM pg_stat_activity WHERE application_name = %s "
                    "AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO \"cases_auditentry\"%%'",
                    [APP],
                )
                waiting = cursor.fetchone()
            if waiting:
                break
            assert time.monotonic() < deadline, "the request never reached its audit entry"
            time.sleep(0.02)
        pid, has_written = waiting
        assert has_written  # the offer's UPDATE is done, uncommitted: the moment between two writes
        terminate(pid)
        accept.join(30)
    finally:
        blocker.rollback()
        blocker.close()

    status, page = answer["accept"]
    assert status == 503
    assert "Our database could not handle your request just now" in page
    assert "so your request was not completed." in page
    assert "Please go back, check the page and try again in a moment." in page
    assert "Traceback" not in page
    assert "psycopg" not in page

    # Nothing of it was saved: no half-accepted offer, no audit entry without its change, nothing queued.
    offer.refresh_from_db()
    negotiation_case.refresh_from_db()
    assert (offer.status, negotiation_case.status) == (OfferStatus.OPEN, CaseStatus.NEGOTIATION)
    assert not CaseSettlement.objects.filter(case=negotiation_case).exists()
    assert not IssuedDocument.objects.filter(case=negotiation_case).exists()
    assert AuditEntry.objects.count() == audit_before
    assert DBTaskResult.objects.count() == tasks_before

    # The same server answers the next request, and the same action now goes through, once.
    status, page = alice.request(room)
    assert status == 200
    assert "Half the deposit." in page
    status, _ = alice.request(
        f"{room}accept/",
        {"csrfmiddlewaretoken": alice.csrf_token(page), "offer_id": str(offer.pk), "confirm": "yes"},
    )
    assert status == 302
    offer.refresh_from_db()
    negotiation_case.refresh_from_db()
    assert (offer.status, negotiation_case.status) == (OfferStatus.ACCEPTED, CaseStatus.SETTLEMENT)
    assert CaseSettlement.objects.filter(case=negotiation_case).count() == 1
    assert Offer.objects.filter(case=negotiation_case).count() == 1
    assert AuditEntry.objects.filter(case=negotiation_case, action="offer.accepted").count() == 1


def test_kept_connections_terminated_while_idle_are_replaced_before_the_next_request(web, negotiation_case, claimant):
    alice = Browser(web, claimant)
    case_page = f"/cases/{negotiation_case.public_id}/"
    assert alice.request(case_page)[0] == 200
    kept = web_backends()
    for _ in range(5):
        assert alice.request(case_page)[0] == 200
    # The process keeps its few connections (its pool) from request to request, and no more: under ASGI,
    # connections kept by each request's thread (CONN_MAX_AGE) piled up, one more per request.
    assert web_backends() == kept
    for pid in web_backends("idle"):
        terminate(pid)  # as a database restart or failover would, while nobody is using them
    assert web_backends() == []

    status, page = alice.request(case_page)
    assert status == 200, page[:500]
    assert negotiation_case.reference in page
    replaced = web_backends()
    assert replaced  # new connections took their place
    assert not set(replaced) & set(kept)
