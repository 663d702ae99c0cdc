"""The whole journey under load: many cases filed, answered, negotiated, settled and signed at once.

    python bench/journey_load.py [--journeys 20] [--ramp 5] [--processes 2] [--workers 2] [--keep-db]
        [--web-env NAME=VALUE ...] [--cheap-passwords]

Needs PostgreSQL and Redis (defaults: this machine's, database ``odr_journey_bench``, created and dropped
by the run, and Redis database 4, emptied at the start). Starts the production process set on this
machine: N Daphne processes (``--proxy-headers``, as in the Procfile), M ``db_worker`` processes and one
``run_deadline_sweep --loop``. Then K journeys run at once, each as two browsers would, over HTTP (CSRF
tokens, forms, redirects, cookies) and the room's websocket; every request goes to the next Daphne
process in turn, as a proxy would spread them:

  the claimant signs in, files a claim through the five-step form (with one evidence file); the worker
  emails the invitation (read from the worker's console mail); the respondent opens the link, signs in,
  consents and responds; both open the negotiation room and its websocket, exchange messages, the
  claimant makes an offer and the respondent accepts it; both reload the agreement page until the worker
  has drafted the settlement agreement, sign it with their password, and reload until the worker has
  sealed the executed copy.

Set up before the clock starts (fair, and said so in the report): the users, already verified (no
sign-up or verification email), their businesses, and a fee schedule whose fees are all zero, so no stage
waits for a payment. Every browser sends its own X-Forwarded-For (as the proxy would set it), so the
per-address sign-in limit sees separate people, as in production. A room's websocket whose handshake is
dropped is retried with the page's backoff (and counted). The environment passes to every process started
(e.g. ``DB_POOL_MAX_SIZE=10 python bench/journey_load.py``); ``--web-env`` sets a variable for the Daphne
processes only, and ``--cheap-passwords`` measures how much of the cost is password hashing.

Prints completed journeys per minute, p50/p95 time of each step (a step's POST and the page it redirects
to, as the person waits for it), errors (count and the first few), how long people waited for the
workers, and the CPU each group of processes used (sampled from /proc every second) with the task
queue's length, to show where the first bottleneck is. No assertions on speed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email
import itertools
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/odr_journey_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/4")
os.environ["DJANGO_SETTINGS_MODULE"] = "odr.settings"
os.environ["DEBUG"] = "0"  # as deployed (DEBUG would also keep every query in memory)
os.environ.setdefault("LOG_LEVEL", "WARNING")
WORK = Path(tempfile.mkdtemp(prefix="odr-journey-"))
os.environ.setdefault("PRIVATE_MEDIA_ROOT", str(WORK / "private"))
os.environ.setdefault("ODR_SEAL_KEY_PATH", str(WORK / "seal" / "key.pem"))
os.environ.setdefault("ODR_SEAL_CERT_PATH", str(WORK / "seal" / "cert.pem"))

from bench.room_bench import free_port, recreate_database  # noqa: E402

PASSWORD = "journey bench passphrase 2026"  # noqa: S105 (the bench users' shared password)
EVIDENCE = ("Delivery note 4471\n" + "Item, quantity, price\n" * 1000).encode()  # ~22 kB of plain text
CLK_TCK = os.sysconf("SC_CLK_TCK")
TASKS_TABLE = "django_tasks_database_dbtaskresult"  # django_tasks_db's DBTaskResult


# --- Set-up -------------------------------------------------------------------------------------------
def drop_database() -> None:
    import psycopg

    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    admin_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(journeys: int, *, cheap_passwords: bool = False) -> list[tuple[str, str]]:
    """Verified parties with a business each, and a fee schedule of zeros. Returns (claimant, respondent)
    email pairs."""
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from cases.roles_setup import PARTY_GROUP
    from cases.services.organisations import organisation_create
    from payments.models import FeeSchedule

    call_command("migrate", verbosity=0)
    call_command("create_dev_seal_key", verbosity=0)
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # our own database number: stale rate limits
    FeeSchedule.objects.create(
        name="Bench: no fees",
        effective_from=timezone.now() - timezone.timedelta(days=1),
        registration_fee=0,
        mediation_fee=0,
        arbitration_fee=0,
    )
    hashed = make_password(PASSWORD)  # one hash for all (each sign-in still checks it at full cost)
    if cheap_passwords:
        from django.contrib.auth.hashers import MD5PasswordHasher

        hashed = MD5PasswordHasher().encode(PASSWORD, MD5PasswordHasher().salt())
    users = User.objects.bulk_create(
        [
            User(username=f"j{i}{side}", email=f"j{i}-{side}@bench.invalid", password=hashed, first_name=f"J{i}")
            for i in range(journeys)
            for side in ("claimant", "respondent")
        ]
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users]
    )
    Group.objects.get(name=PARTY_GROUP).user_set.add(*users)
    for number, user in enumerate(users):
        organisation_create(
            user=user,
            name=f"Bench Trading {number} Ltd",
            is_hk_registered=True,
            br_number=f"{40000000 + number}",
            size_band="small",
            address="1 Harbour Road, Wan Chai, Hong Kong",
            contact_email=user.email,
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()
    return [(users[2 * i].email, users[2 * i + 1].email) for i in range(journeys)]


# --- The process set ----------------------------------------------------------------------------------
@dataclass
class Process:
    group: str  # "daphne", "worker", "sweep"
    popen: subprocess.Popen[bytes]
    log: Path


def start_processes(daphnes: int, workers: int, web_env_extra: dict[str, str]) -> tuple[list[Process], list[int]]:
    """The processes get this process's environment (so DB_POOL_MAX_SIZE=20 or CONN_MAX_AGE=0 before the
    command applies to all of them); ``web_env_extra`` applies to the Daphne processes only."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    web_env = {**env, **web_env_extra}
    started: list[Process] = []
    ports = [free_port() for _ in range(daphnes)]

    def spawn(group: str, number: int, command: list[str]) -> None:
        log = WORK / f"{group}-{number}.log"
        popen = subprocess.Popen(
            command,
            cwd=ROOT,
            env=web_env if group == "daphne" else env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(Process(group, popen, log))

    for number, port in enumerate(ports):
        spawn(
            "daphne",
            number,
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "--proxy-headers",
                "odr.asgi:application",
            ],
        )
    for number in range(workers):
        spawn("worker", number, [sys.executable, "manage.py", "db_worker", "--queue-name", "default"])
    spawn("sweep", 0, [sys.executable, "manage.py", "run_deadline_sweep", "--loop"])
    for port in ports:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    return started, ports


def stop_processes(processes: list[Process]) -> None:
    for process in processes:
        process.popen.terminate()
    for process in processes:
        try:
            process.popen.wait(10)
        except subprocess.TimeoutExpired:
            process.popen.kill()
            process.popen.wait(5)


# --- The mail the workers print (console backend) -------------------------------------------------------
class Mailbox:
    """Reads the workers' console output; the invitation link for each address, as the respondent would
    find it in their email."""

    SEPARATOR = "\n" + "-" * 79 + "\n"

    def __init__(self, logs: list[Path]) -> None:
        self.logs = logs
        self.offsets = dict.fromkeys(logs, 0)
        self.invitations: dict[str, str] = {}

    def poll(self) -> None:
        for log in self.logs:
            with log.open("rb") as handle:
                handle.seek(self.offsets[log])
                data = handle.read().decode("utf-8", "replace")
            end = data.rfind(self.SEPARATOR)
            if end < 0:
                continue
            self.offsets[log] += len(data[: end + len(self.SEPARATOR)].encode())
            for chunk in data[:end].split(self.SEPARATOR):
                # Log lines may come before the message: it starts at its first header.
                starts = [chunk.find(h) for h in ("Content-Type:", "MIME-Version:", "Subject:") if h in chunk]
                if not starts:
                    continue
                message = email.message_from_string(chunk[min(starts) :])
                to = str(message.get("To", ""))
                for part in message.walk():
                    if part.get_content_type() != "text/plain":
                        continue
                    body = part.get_payload(decode=True) or b""
                    found = re.search(r"/invitations/([^/\s]+)/", body.decode("utf-8", "replace"))
                    if found:
                        self.invitations[to.strip().lower()] = found.group(1)

    async def invitation_for(self, address: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            token = self.invitations.get(address.lower())
            if token:
                return token
            await asyncio.sleep(0.25)
        raise JourneyError("invitation email", f"no invitation for {address} within {timeout:.0f} s")


# --- Sampling CPU and the queue -------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def server_cpu_seconds(name: str) -> float:
    """CPU of every process called ``name`` (the whole server: every database, everyone's), counting
    children that ended (PostgreSQL forks a backend per connection) through their parent's cutime/cstime."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        comm = text[text.find("(") + 1 : text.rfind(")")]
        if comm != name:
            continue
        fields = text.rsplit(")", 1)[1].split()
        total += sum(int(v) for v in fields[11:15]) / CLK_TCK  # utime, stime, cutime, cstime
    return total


def machine_busy() -> tuple[float, float]:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class Sampler:
    processes: list[Process]
    interval: float = 1.0
    samples: list[dict[str, float]] = field(default_factory=list)
    queue: list[tuple[float, int, int]] = field(default_factory=list)  # (t, ready, running)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # the run goes on; the report says sampling stopped
            print(f"sampling stopped: {type(exc).__name__}: {exc}", file=sys.stderr)

    def _run(self) -> None:
        import psycopg

        database = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
        pg_totals: dict[int, float] = {}
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
            previous = self._read(connection, database, pg_totals)
            started = time.monotonic()
            while not self.stop.wait(self.interval):
                current = self._read(connection, database, pg_totals)
                seconds = current["wall"] - previous["wall"]
                self.samples.append(
                    {key: (current[key] - previous[key]) / seconds for key in current if key != "wall"}
                    | {"t": current["wall"] - started}
                )
                previous = current
                row = connection.execute(
                    "SELECT count(*) FILTER (WHERE status = 'READY'), count(*) FILTER (WHERE status = 'RUNNING')"
                    f" FROM {TASKS_TABLE}"
                ).fetchone()
                assert row is not None
                self.queue.append((time.monotonic() - started, int(row[0]), int(row[1])))

    def _read(self, connection: Any, database: str, pg_totals: dict[int, float]) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        out["wall"] = time.monotonic()
        for process in self.processes:
            used = cpu_seconds(process.popen.pid)
            out[process.group] += used
            out[f"{process.group} {process.popen.pid}"] = used
        # PostgreSQL: the backends serving our database (a backend that ended keeps its last reading).
        pids = [row[0] for row in connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [database])]
        for pid in pids:
            pg_totals[pid] = max(pg_totals.get(pid, 0.0), cpu_seconds(pid))
        out["postgres"] = sum(pg_totals.values())
        out["postgres server"] = server_cpu_seconds("postgres")
        out["redis server"] = server_cpu_seconds("redis-server")
        self.connections = max(getattr(self, "connections", 0), len(pids))
        out["bench"] = cpu_seconds(os.getpid())
        busy, total = machine_busy()
        out["machine"] = busy / CLK_TCK
        out["machine-total"] = total / CLK_TCK
        return out


# --- Browsers -------------------------------------------------------------------------------------------
class JourneyError(Exception):
    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step


@dataclass
class Stats:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    waits: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    retries: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    retry_notes: list[str] = field(default_factory=list)
    completed: list[float] = field(default_factory=list)  # monotonic time each journey ended
    durations: list[float] = field(default_factory=list)
    requests: int = 0


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ORGANISATION = re.compile(r'<select name="organisation"[^>]*>.*?<option value="(\d+)"', re.S)
CASE_FROM_STEP = re.compile(r"/cases/file/([0-9a-f-]{36})/step/1/")
SIGN_ACTION = re.compile(r'action="(/cases/[0-9a-f-]{36}/agreement/\d+/sign/)"')


class Browser:
    """One person's browser: its own cookies and address; each request goes to the next Daphne process."""

    addresses = itertools.count(1)

    def __init__(self, session: Any, ports: Iterator[int], stats: Stats) -> None:
        number = next(Browser.addresses)
        self.session = session
        self.ports = ports  # one rotation for all browsers, as a proxy's round robin
        self.address = f"198.18.{number // 250}.{number % 250 + 1}"  # RFC 2544's benchmark range: a header only
        self.stats = stats

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{next(self.ports)}{path}"

    async def request(
        self, step: str, method: str, path: str, *, data: Any = None, expect: int = 200
    ) -> tuple[str, str]:
        import aiohttp

        started = time.perf_counter()
        try:
            async with self.session.request(
                method, self.url(path), data=data, headers={"X-Forwarded-For": self.address}
            ) as response:
                text = await response.text()
                final = response.url.path
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise JourneyError(step, f"{method} {path}: {type(exc).__name__}: {exc}") from None
        self.stats.requests += 1 + len(response.history)
        self.stats.timings[step].append((time.perf_counter() - started) * 1000)
        if status != expect:
            raise JourneyError(step, f"HTTP {status} at {final}: {_excerpt(text)}")
        return text, final

    async def get(self, step: str, path: str) -> tuple[str, str]:
        return await self.request(step, "GET", path)

    async def post(
        self, step: str, path: str, page: str, fields: dict[str, Any], files: dict[str, Any] | None = None
    ) -> tuple[str, str]:
        import aiohttp

        token = CSRF.search(page)
        if not token:
            raise JourneyError(step, f"no CSRF token on the page before {path}")
        form = aiohttp.FormData()
        form.add_field("csrfmiddlewaretoken", token.group(1))
        for name, value in fields.items():
            form.add_field(name, value)
        for name, (filename, content, content_type) in (files or {}).items():
            form.add_field(name, content, filename=filename, content_type=content_type)
        return await self.request(step, "POST", path, data=form)

    async def sign_in(self, step: str, email_address: str, next_path: str = "") -> str:
        login = "/accounts/login/" + (f"?next={next_path}" if next_path else "")
        page, _ = await self.get(step + " (form)", login)
        fields = {"login": email_address, "password": PASSWORD}
        if next_path:
            fields["next"] = next_path
        page, final = await self.post(step, login, page, fields)
        expected = next_path or "/cases/"
        if final != expected:
            raise JourneyError(step, f"landed on {final}, not {expected}: {_excerpt(page)}")
        return page


def _excerpt(html: str) -> str:
    errors = re.findall(r'class="[^"]*(?:errorlist|alert-error|alert-danger)[^"]*"[^>]*>(.*?)</', html, re.S)
    text = " | ".join(re.sub(r"<[^>]+>|\s+", " ", e).strip() for e in errors) or re.sub(r"<[^>]+>|\s+", " ", html)
    return text.strip()[:200]


async def poll(browser: Browser, step: str, path: str, marker: re.Pattern[str] | str, timeout: float) -> str:
    """Reload ``path`` once a second, as a person would, until ``marker`` is on it."""
    started = time.monotonic()
    while True:
        page, _ = await browser.get(step, path)
        found = marker.search(page) if isinstance(marker, re.Pattern) else (marker in page and marker)
        if found:
            browser.stats.waits[step].append(time.monotonic() - started)
            return page
        if time.monotonic() - started > timeout:
            raise JourneyError(step, f"not ready after {timeout:.0f} s")
        await asyncio.sleep(1)


class Room:
    """The negotiation room's websocket, as the page's script uses it."""

    def __init__(self, browser: Browser, case_id: str) -> None:
        self.browser = browser
        self.case_id = case_id
        self.ws: Any = None
        self.frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.refs = itertools.count(1)
        self.reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Room:
        port = next(self.browser.ports)
        started = time.perf_counter()
        # As the page's script: a refused or dropped handshake (Daphne drops one its application has not
        # accepted within 5 s) is retried after 1, 2, 4, 8 s (+-25 %), and counted.
        for attempt in itertools.count(1):
            try:
                self.ws = await self._connect(port)
                break
            except JourneyError:
                if attempt == 5:
                    raise
                self.browser.stats.retries["room: connect (handshake dropped, retried)"] += 1
                if len(self.browser.stats.retry_notes) < 3:
                    self.browser.stats.retry_notes.append(str(sys.exc_info()[1]))
                await asyncio.sleep(min(30.0, 0.5 * 2**attempt) * random.uniform(0.75, 1.25))
                port = next(self.browser.ports)
        self.reader = asyncio.create_task(self._read())
        await self.expect("hello", "room: connect (to hello)", started)
        return self

    async def _connect(self, port: int) -> Any:
        import aiohttp

        started = time.monotonic()
        try:
            return await self.browser.session.ws_connect(
                f"ws://127.0.0.1:{port}/ws/cases/{self.case_id}/negotiation/",
                origin=f"http://127.0.0.1:{port}",
                headers={"X-Forwarded-For": self.browser.address},
                heartbeat=None,
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            waited = time.monotonic() - started
            raise JourneyError(
                "room: connect (to hello)", f"{type(exc).__name__} after {waited:.1f} s: {exc}"
            ) from None

    async def __aexit__(self, *exc: object) -> None:
        if self.reader:
            self.reader.cancel()
        await self.ws.close()

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type.name == "TEXT":
                await self.frames.put(json.loads(message.data))

    async def expect(
        self, kind: str, step: str, started: float, *, where: Any = None, timeout: float = 30
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                frame = await asyncio.wait_for(self.frames.get(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                raise JourneyError(step, f"no {kind} frame within {timeout:.0f} s") from None
            if frame.get("type") == "error":
                raise JourneyError(step, f"error frame {frame.get('code')}: {frame.get('message')}")
            if frame.get("type") == kind and (where is None or where(frame)):
                self.browser.stats.timings[step].append((time.perf_counter() - started) * 1000)
                return frame

    async def send(self, step: str, frame: dict[str, Any]) -> dict[str, Any]:
        ref = f"r{next(self.refs)}"
        started = time.perf_counter()
        await self.ws.send_str(json.dumps({**frame, "ref": ref}))
        return await self.expect("ack", step, started, where=lambda f: f.get("ref") == ref)


async def journey(
    number: int, pair: tuple[str, str], rotation: Iterator[int], stats: Stats, mailbox: Mailbox, timeout: float
) -> None:
    import aiohttp

    claimant_email, respondent_email = pair
    started = time.monotonic()
    timeout_config = aiohttp.ClientTimeout(total=120)
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=timeout_config) as c_session,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=timeout_config) as r_session,
    ):
        claimant = Browser(c_session, rotation, stats)
        respondent = Browser(r_session, rotation, stats)

        # The claimant signs in and files the claim.
        await claimant.sign_in("claimant: sign in", claimant_email)
        page, _ = await claimant.get("file: choose business (form)", "/cases/file/")
        organisation = ORGANISATION.search(page)
        if not organisation:
            raise JourneyError("file: choose business", "no business to choose")
        page, final = await claimant.post(
            "file: choose business", "/cases/file/", page, {"organisation": organisation.group(1)}
        )
        found = CASE_FROM_STEP.search(final)
        if not found:
            raise JourneyError("file: choose business", f"landed on {final}")
        case_id = found.group(1)
        step = f"/cases/file/{case_id}/step/"
        page, final = await claimant.post(
            "file: 1 respondent",
            step + "1/",
            page,
            {
                "respondent_name": f"Respondent {number} Ltd",
                "respondent_email": respondent_email,
                "respondent_is_hk": "on",
            },
        )
        page, final = await claimant.post(
            "file: 2 dispute",
            step + "2/",
            page,
            {
                "category": "services",
                "covid_related": "on",
                "covid_impact": "The event was cancelled under the 2020 gathering restrictions.",
                "facts": "We paid a deposit of HK$60,000 for stand construction; the event was cancelled and "
                "the deposit was not returned.",
            },
        )
        page, final = await claimant.post(
            "file: 3 claim",
            step + "3/",
            page,
            {"amount_claimed": "60000.00", "remedy_sought": "Return of the deposit."},
        )
        page, final = await claimant.post(
            "file: 4 upload evidence",
            step + "4/",
            page,
            {"title": "Delivery note"},
            files={"file": ("delivery-note.txt", EVIDENCE, "text/plain")},
        )
        if "delivery-note.txt" not in page and "Delivery note" not in page:
            raise JourneyError("file: 4 upload evidence", f"the file is not listed: {_excerpt(page)}")
        page, final = await claimant.post("file: 4 continue", step + "4/", page, {"continue": "1"})
        page, final = await claimant.post(
            "file: 5 review and file", step + "5/", page, {"accept_terms": "on", "consents_to_mediation": "on"}
        )
        if final != f"/cases/{case_id}/":
            raise JourneyError("file: 5 review and file", f"landed on {final}: {_excerpt(page)}")
        filed_at = time.monotonic()

        # The respondent gets the email, follows the link, signs in, consents and responds.
        token = await mailbox.invitation_for(respondent_email, timeout)
        stats.waits["invitation email (worker)"].append(time.monotonic() - filed_at)
        invitation = f"/invitations/{token}/"
        await respondent.get("respondent: open invitation", invitation)
        page = await respondent.sign_in("respondent: sign in", respondent_email, next_path=invitation)
        organisation = ORGANISATION.search(page)
        if not organisation:
            raise JourneyError("respondent: respond", "no business to choose")
        page, final = await respondent.post(
            "respondent: respond",
            invitation + "respond/",
            page,
            {
                "organisation": organisation.group(1),
                "response_text": "The cancellation was beyond our control; we offer to return part of the deposit.",
                "accept_terms": "on",
                "consents_to_mediation": "on",
            },
        )
        if final != f"/cases/{case_id}/":
            raise JourneyError("respondent: respond", f"landed on {final}: {_excerpt(page)}")

        # Both open the room; they talk, the claimant offers, the respondent accepts.
        room = f"/cases/{case_id}/negotiation/"
        await asyncio.gather(claimant.get("room: open page", room), respondent.get("room: open page", room))
        async with Room(claimant, case_id) as c_room, Room(respondent, case_id) as r_room:
            await c_room.send(
                "room: message (to ack)", {"type": "message.send", "body": "Good morning. Shall we settle?"}
            )
            await r_room.send("room: message (to ack)", {"type": "message.send", "body": "Yes, let us try."})
            await c_room.send("room: message (to ack)", {"type": "message.send", "body": "I can accept HK$42,000."})
            sent = time.perf_counter()
            ack = await c_room.send(
                "room: make offer (to ack)",
                {"type": "offer.make", "amount": "42000.00", "terms": "Paid within 14 days by bank transfer."},
            )
            offer_id = ack["offer_id"]
            await r_room.expect(
                "offer", "room: offer reaches the other party", sent, where=lambda f: f["offer"]["id"] == offer_id
            )
            await r_room.send(
                "room: accept offer (to ack)", {"type": "offer.accept", "offer_id": offer_id, "confirm": True}
            )

        # The worker drafts the agreement; both reload until they can sign, then sign.
        agreement = f"/cases/{case_id}/agreement/"

        async def sign(browser: Browser, name: str) -> None:
            page = await poll(browser, "agreement: reload until the worker drafted it", agreement, SIGN_ACTION, timeout)
            action = SIGN_ACTION.search(page)
            assert action is not None
            page, _ = await browser.post(
                "agreement: sign (password)",
                action.group(1),
                page,
                {"full_name": name, "password": PASSWORD, "totp_code": "", "consent": "on"},
            )
            if (
                "You have signed this version" not in page
                and "Executed and sealed" not in page
                and "Both parties signed" not in page
            ):
                raise JourneyError("agreement: sign (password)", _excerpt(page))

        await asyncio.gather(sign(claimant, f"Claimant {number}"), sign(respondent, f"Respondent {number}"))
        await poll(claimant, "agreement: reload until the worker sealed it", agreement, "Executed and sealed", timeout)
    stats.completed.append(time.monotonic())
    stats.durations.append(time.monotonic() - started)


async def run_journeys(
    pairs: list[tuple[str, str]], ports: list[int], ramp: float, mailbox: Mailbox, timeout: float
) -> tuple[Stats, float, float]:
    stats = Stats()
    rotation = itertools.cycle(ports)

    async def mail_loop() -> None:
        while True:
            mailbox.poll()
            await asyncio.sleep(0.2)

    async def one(number: int, pair: tuple[str, str]) -> None:
        await asyncio.sleep(ramp * number / max(1, len(pairs)))
        try:
            await journey(number, pair, rotation, stats, mailbox, timeout)
        except JourneyError as exc:
            stats.errors.append(f"journey {number}: {exc}")
        except Exception as exc:  # a crash of the load generator is an error too, reported, not raised
            stats.errors.append(f"journey {number}: {type(exc).__name__}: {exc}")

    mailer = asyncio.create_task(mail_loop())
    started = time.monotonic()
    await asyncio.gather(*(one(number, pair) for number, pair in enumerate(pairs)))
    ended = time.monotonic()
    mailer.cancel()
    return stats, started, ended


# --- Report ---------------------------------------------------------------------------------------------
def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def _row(name: str, values: list[float], number: str) -> str:
    figures = (statistics.median(values), percentile(values, 0.95), max(values))
    return f"| {name} | {len(values)} | " + " | ".join(number.format(v) for v in figures) + " |"


def task_latencies() -> list[tuple[str, int, float, float, float, float]]:
    """Per task: count, p50/p95 seconds waiting in the queue, p50/p95 seconds running."""
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as connection:
        rows = connection.execute(
            "SELECT task_path, EXTRACT(EPOCH FROM started_at - enqueued_at),"
            " EXTRACT(EPOCH FROM finished_at - started_at)"
            f" FROM {TASKS_TABLE} WHERE finished_at IS NOT NULL"
        ).fetchall()
    grouped: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for path, waited, ran in rows:
        grouped[path.rsplit(".", 1)[-1]][0].append(float(waited))
        grouped[path.rsplit(".", 1)[-1]][1].append(float(ran))
    return sorted(
        (
            (name, len(w), percentile(w, 0.5), percentile(w, 0.95), percentile(r, 0.5), percentile(r, 0.95))
            for name, (w, r) in grouped.items()
        ),
        key=lambda row: -row[1] * row[4],
    )


def database_connections(args: argparse.Namespace) -> str:
    """How the web processes hold PostgreSQL connections, as their settings say."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; d = settings.DATABASES['default'];"
        "print(json.dumps([d.get('OPTIONS', {}).get('pool', {}).get('max_size'), d.get('CONN_MAX_AGE')]))"
    )
    web = dict(v.split("=", 1) for v in args.web_env)
    result = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **web}, cwd=ROOT, capture_output=True, text=True, check=False
    )
    pool, max_age = json.loads(result.stdout) if result.returncode == 0 else (None, "?")
    return f"a pool of up to {pool} per process" if pool else f"CONN_MAX_AGE={max_age}, no pool"


def report(args: argparse.Namespace, stats: Stats, started: float, ended: float, sampler: Sampler) -> None:
    done = len(stats.completed)
    span = (max(stats.completed) - started) if stats.completed else ended - started
    print(
        f"\n{args.journeys} journeys started over {args.ramp:.0f} s; {args.processes} Daphne"
        f" + {args.workers} db_worker + 1 sweep, PostgreSQL, Redis (pub/sub layer);"
        f" database connections: {database_connections(args)};"
        f" passwords: {'MD5 (a measurement only)' if args.cheap_passwords else 'PBKDF2, as deployed'};"
        f" fees: none (a fee schedule of zeros); load generator on the same {os.cpu_count()} cores\n"
    )
    print(f"completed: {done}/{args.journeys} in {span:.1f} s -> {done / span * 60:.1f} journeys/minute")
    if stats.durations:
        print(
            f"journey time: p50 {statistics.median(stats.durations):.1f} s,"
            f" p95 {percentile(stats.durations, 0.95):.1f} s,"
            f" max {max(stats.durations):.1f} s; {stats.requests} HTTP requests"
            f" ({stats.requests / (ended - started):.1f}/s)"
        )
    print(f"errors: {len(stats.errors)}")
    for what, count in stats.retries.items():
        print(f"retries: {what}: {count}")
    for note in stats.retry_notes:
        print(f"  {note}")
    for line in stats.errors[:5]:
        print(f"  {line}")

    print("\n| step | n | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|")
    for step, values in stats.timings.items():
        print(_row(step, values, "{:.0f}"))

    print("\n| waiting for | n | p50 s | p95 s | max s |\n|---|---|---|---|---|")
    for step, values in stats.waits.items():
        print(_row(step, values, "{:.1f}"))

    print("\n| task | runs | queue wait p50 s | p95 s | run p50 s | p95 s |\n|---|---|---|---|---|---|")
    for name, count, w50, w95, r50, r95 in task_latencies():
        print(f"| {name} | {count} | {w50:.2f} | {w95:.2f} | {r50:.2f} | {r95:.2f} |")

    busy = [s for s in sampler.samples if s["t"] <= span + 1]
    if not busy:
        return
    groups = ["daphne", "worker", "sweep", "postgres", "bench"]
    mean = {g: statistics.mean(s.get(g, 0.0) for s in busy) for g in groups}
    peak = {g: max(s.get(g, 0.0) for s in busy) for g in groups}
    print(f"\nPostgreSQL connections to the database: at most {getattr(sampler, 'connections', 0)}")
    machine = statistics.mean(s["machine"] / s["machine-total"] for s in busy) * 100
    print("\nCPU, in cores (1.0 = one core busy), sampled every second while journeys ran:")
    print("| processes | mean | peak | share of all CPU used |\n|---|---|---|---|")
    used = sum(mean.values())
    others = statistics.mean(s["machine"] for s in busy) - used
    for g in groups:
        label = {"postgres": "postgres (backends of our database seen each second)", "bench": "load generator"}.get(
            g, g
        )
        print(f"| {label} | {mean[g]:.2f} | {peak[g]:.2f} | {mean[g] / max(used + max(others, 0), 1e-9) * 100:.0f}% |")
    print(f"| everything else on the machine (other engineers' work too) | {max(others, 0):.2f} | | |")
    for server in ("postgres server", "redis server"):
        print(
            f"{server}, all databases and clients (others' too): mean {statistics.mean(s[server] for s in busy):.2f},"
            f" peak {max(s[server] for s in busy):.2f} cores"
        )
    print(f"machine busy: {machine:.0f}% of {os.cpu_count()} cores")
    queue = [q for q in sampler.queue if q[0] <= span + 1]
    if queue:
        print(
            f"task queue: ready tasks mean {statistics.mean(q[1] for q in queue):.1f}, max {max(q[1] for q in queue)};"
            f" running mean {statistics.mean(q[2] for q in queue):.1f} (of {args.workers} workers)"
        )
    singles = sorted({key for s in busy for key in s if " " in key and key.split()[-1].isdigit()})
    print(
        "per process (one Python process cannot use much more than 1.0 core: the GIL): "
        + ", ".join(f"{key.split()[0]} {statistics.mean(s.get(key, 0.0) for s in busy):.2f}" for key in singles)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--journeys", type=int, default=20, help="journeys started together (K)")
    parser.add_argument("--ramp", type=float, default=5.0, help="seconds over which they start")
    parser.add_argument("--processes", type=int, default=2, help="Daphne processes")
    parser.add_argument("--workers", type=int, default=2, help="db_worker processes")
    parser.add_argument("--timeout", type=float, default=600.0, help="most seconds to wait for any worker step")
    parser.add_argument(
        "--web-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the Daphne processes only, e.g. DB_POOL_MAX_SIZE=0 CONN_MAX_AGE=60",
    )
    parser.add_argument(
        "--cheap-passwords",
        action="store_true",
        help="hash passwords with MD5 (bench/cheap_hash_settings.py): how much of the cost is password hashing",
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the database for a look afterwards")
    args = parser.parse_args()

    recreate_database()
    processes: list[Process] = []
    try:
        if args.cheap_passwords:
            os.environ["DJANGO_SETTINGS_MODULE"] = "bench.cheap_hash_settings"  # for every process started
        pairs = seed(args.journeys, cheap_passwords=args.cheap_passwords)
        processes, ports = start_processes(args.processes, args.workers, dict(v.split("=", 1) for v in args.web_env))
        mailbox = Mailbox([p.log for p in processes if p.group == "worker"])
        sampler = Sampler(processes)
        sampling = threading.Thread(target=sampler.run, daemon=True)
        sampling.start()
        time.sleep(2)  # workers past their start-up delay
        stats, started, ended = asyncio.run(run_journeys(pairs, ports, args.ramp, mailbox, args.timeout))
        sampler.stop.set()
        sampling.join(5)
        report(args, stats, started, ended, sampler)
        crashed = [p for p in processes if p.popen.poll() is not None]
        for process in crashed:
            print(
                f"\n{process.group} (pid {process.popen.pid}) exited with {process.popen.returncode}; see {process.log}"
            )
    finally:
        stop_processes(processes)
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            with contextlib.suppress(Exception):
                drop_database()
            shutil.rmtree(WORK, ignore_errors=True)
        else:
            print(f"\nkept: database {os.environ['DATABASE_URL'].rsplit('/', 1)[1]}, logs and files in {WORK}")


if __name__ == "__main__":
    main()
