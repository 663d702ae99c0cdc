"""A worker killed with SIGKILL in the middle of a job: another worker runs the job again once the dead
worker's lease runs out, and the job leaves one result, not two.

The worker is a real ``manage.py db_worker`` subprocess on the test database. It is caught mid-job for
real: sealing a long settlement agreement (about a second of WeasyPrint and pyHanko), sending an email
to an SMTP server of the test that takes the message and then does not answer, or (on PostgreSQL) held by a
lock between writing a sealed PDF and committing its record.
"""

from __future__ import annotations

import hashlib
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cases.models import AuditEntry, CaseStatus
from cases.notifications import queue_email
from documents.models import IssuedDocument, IssuedKind, IssuedStatus
from documents.services import agreement_revise, agreement_sign, current_draft, render_draft
from negotiation.services.offers import offer_accept, offer_make
from payments.models import Charge
from tests.conftest import PASSWORD
from tests.faults.conftest import ROOT, child_env
from tests.processes import database_env, free_port, stop
from tests.test_payments_fees import pay_by_transfer
from workers.models import WorkerHeartbeat
from workers.recovery import WORKER_LOST, requeue_abandoned_tasks

LEASE = {"ODR_WORKER_HEARTBEAT_SECONDS": "1", "ODR_WORKER_LEASE_SECONDS": "3"}
ON_SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
WORKER_APP = "odr-faults-worker"  # the workers' connections, as PostgreSQL names them


def worker_database_env() -> dict[str, str]:
    env = database_env()
    if "DATABASE_URL" in env:
        env["DATABASE_URL"] += f"?application_name={WORKER_APP}"
    return env


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    data: str

    @property
    def message_id(self) -> str:
        found = re.search(r"^Message-ID: (.+?)\r?$", self.data, re.MULTILINE | re.IGNORECASE)
        return found.group(1).strip() if found else ""


@dataclass
class SmtpServer:
    """Just enough SMTP for Django's backend. With ``stall`` set, the next message is read in full and
    then never answered (no "250"): by SMTP's rules it was not accepted, and it is not delivered."""

    port: int = field(default_factory=free_port)
    delivered: list[Mail] = field(default_factory=list)
    stalled: list[Mail] = field(default_factory=list)
    stall: bool = False
    stalling: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.running = False
        self.thread.join(5)
        self.listener.close()

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        with conn, reader:
            conn.sendall(b"220 faults.test ESMTP\r\n")
            sender, recipients = "", []
            for raw in reader:
                line = raw.decode().rstrip("\r\n")
                verb = line[:4].upper()
                if verb in ("EHLO", "HELO"):
                    conn.sendall(b"250 faults.test\r\n")
                elif verb == "MAIL":
                    sender, recipients = line[10:], []
                    conn.sendall(b"250 OK\r\n")
                elif verb == "RCPT":
                    recipients.append(line[8:])
                    conn.sendall(b"250 OK\r\n")
                elif verb == "DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    body = []
                    for data in reader:
                        if data in (b".\r\n", b".\n"):
                            break
                        body.append(data.decode())
                    mail = Mail(sender, recipients, "".join(body))
                    if self.stall:
                        self.stall = False
                        self.stalled.append(mail)
                        self.stalling.set()
                        reader.read()  # no answer, until the other side goes away
                        return
                    self.delivered.append(mail)
                    conn.sendall(b"250 queued\r\n")
                elif verb == "QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 OK\r\n")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.close()


@pytest.fixture
def start_worker(
    smtp: SmtpServer, tmp_path: Path, private_storage: Path
) -> Iterator[Callable[[str], subprocess.Popen]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(worker_id: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{worker_id}.log").open("wb")
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--queue-name",
                "default",
                "--interval",
                "0.1",
                "--no-startup-delay",
                "--no-reload",  # the autoreloader would run the worker in a child this test cannot kill
                "--worker-id",
                worker_id,
            ],
            cwd=ROOT,
            env=child_env(**worker_database_env(), EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}?tls=0", **LEASE),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        started.append(process)
        return process

    yield start
    for process in started:
        stop(process)


def wait_until(condition: Callable[[], bool], *, seconds: float, what: str, step: float = 0.02) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(step)


def task_status(task_id) -> str:
    return DBTaskResult.objects.values_list("status", flat=True).get(pk=task_id)


def sigkill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)


@pytest.fixture
def signed_long_agreement(negotiation_case, claimant, respondent, seal) -> IssuedDocument:
    """Both parties signed a settlement agreement of about ten pages; its sealing is queued."""
    offer = offer_make(case=negotiation_case, user=respondent, amount=Decimal("9000.50"), terms="Refund.")
    offer_accept(case=negotiation_case, user=claimant, offer_id=offer.pk)
    clause = "The respondent refunds the deposit in instalments and both parties keep these terms confidential. "
    terms = "\n\n".join(f"{n}. {clause * 2}" for n in range(1, 200))[:20000]
    agreement_revise(case=negotiation_case, user=claimant, terms=terms)
    draft = render_draft(document_id=current_draft(negotiation_case).pk)
    DBTaskResult.objects.all().delete()  # the renders queued on the way, done above
    for user in (claimant, respondent):
        agreement_sign(document=draft, user=user, password=PASSWORD, full_name=user.username, consent=True)
    return draft


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sealing_an_agreement_leaves_one_sealed_copy(
    signed_long_agreement, start_worker, smtp, private_storage
):
    draft = signed_long_agreement
    case = draft.case
    job = DBTaskResult.objects.get(task_path="documents.services.execute_agreement_task")

    first = start_worker("worker-one")
    wait_until(lambda: task_status(job.pk) == "RUNNING", seconds=60, what="the first worker to take the job")
    time.sleep(0.2)  # well inside the render, which takes about a second
    sigkill(first)

    assert task_status(job.pk) == "RUNNING"  # what django-tasks-db alone would leave for ever
    assert not IssuedDocument.objects.filter(executed_from=draft).exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.SETTLEMENT

    killed_at = time.monotonic()
    start_worker("worker-two")
    wait_until(lambda: task_status(job.pk) == "SUCCESSFUL", seconds=90, what="the job to run again", step=0.2)
    assert time.monotonic() - killed_at >= 2  # not before the dead worker's lease ran out
    job.refresh_from_db()
    assert job.worker_ids == ["worker-one", "worker-two"]

    executed = IssuedDocument.objects.get(case=case, kind=IssuedKind.SETTLEMENT_AGREEMENT, status="executed")
    assert executed.executed_from_id == draft.pk
    assert executed.pages >= 5
    draft.refresh_from_db()
    case.refresh_from_db()
    assert (draft.status, case.status) == (IssuedStatus.SIGNED, CaseStatus.CLOSED)
    assert AuditEntry.objects.filter(case=case, action="document.executed").count() == 1
    files = [p for p in (private_storage / "issued" / str(case.public_id)).iterdir() if "executed" in p.name]
    assert [p.name for p in files] == [Path(executed.pdf.name).name]
    with executed.pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == executed.sha256

    # The agreement's emails, queued by the job that ran to the end: one to each party, once.
    wait_until(
        lambda: not DBTaskResult.objects.exclude(status__in=["SUCCESSFUL", "FAILED"]).exists(),
        seconds=30,
        what="the emails",
        step=0.2,
    )
    assert sorted(r for mail in smtp.delivered for r in mail.recipients) == ["<alice@example.com>", "<bob@example.com>"]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sending_an_email_sends_it_once(negotiation_case, claimant, start_worker, smtp):
    DBTaskResult.objects.all().delete()  # the emails of the case's set-up: not this test's
    queue_email(to=claimant.email, template="invitation", context={"case": negotiation_case, "link": "https://x"})
    job = DBTaskResult.objects.get(task_path="cases.tasks.send_email")
    smtp.stall = True

    first = start_worker("worker-one")
    assert smtp.stalling.wait(60), "the worker never reached the mail server"
    sigkill(first)  # the message was sent but never accepted (no "250")
    assert smtp.delivered == []
    assert task_status(job.pk) == "RUNNING"

    start_worker("worker-two")
    wait_until(lambda: task_status(job.pk) == "SUCCESSFUL", seconds=60, what="the email to be sent", step=0.2)
    assert len(smtp.delivered) == 1
    delivered = smtp.delivered[0]
    assert delivered.recipients == ["<alice@example.com>"]
    # The same message both times: a mail system that did keep the first copy can tell it is one.
    assert delivered.message_id == smtp.stalled[0].message_id == f"<odr-{job.pk}@odr.example>"
    job.refresh_from_db()
    assert job.worker_ids == ["worker-one", "worker-two"]


@dataclass
class IssuingJob:
    """A queued job that seals a PDF and stores it with its record: where its file goes and what it is."""

    task_path: str
    case_id: int
    folder: Path
    kind: str
    audit_action: str

    def files(self) -> list[Path]:
        """Its sealed copies (not the drafts); a second copy would carry a suffix Django adds to its name."""
        return sorted(self.folder.glob(f"{self.kind}-*-executed*")) if self.folder.exists() else []

    def issued(self):
        return IssuedDocument.objects.filter(case_id=self.case_id, kind=self.kind, status=IssuedStatus.EXECUTED)


@pytest.fixture(params=["settlement agreement", "fee receipt"])
def issuing_job(request, private_storage: Path) -> IssuingJob:
    if request.param == "settlement agreement":
        case = request.getfixturevalue("signed_long_agreement").case
        kind, task_path, action = (
            IssuedKind.SETTLEMENT_AGREEMENT,
            "documents.services.execute_agreement_task",
            "executed",
        )
    else:
        request.getfixturevalue("seal")
        request.getfixturevalue("fee_schedule")  # before the case is filed, so that it owes a fee
        case = request.getfixturevalue("filed_case")
        charge = Charge.objects.get(case=case)
        pay_by_transfer(charge, request.getfixturevalue("claimant"), request.getfixturevalue("administrator"))
        kind, task_path, action = IssuedKind.FEE_RECEIPT, "payments.services.payments.issue_receipt_task", "issued"
    assert DBTaskResult.objects.filter(task_path=task_path, status="READY").count() == 1
    return IssuingJob(task_path, case.pk, private_storage / "issued" / str(case.public_id), kind, f"document.{action}")


def worker_waiting_to_insert_a_document() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock' "
            "AND query LIKE 'INSERT INTO \"documents_issueddocument\"%%'",
            [WORKER_APP],
        )
        return bool(cursor.fetchone()[0])


def worker_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [WORKER_APP])
        return int(cursor.fetchone()[0])


@pytest.mark.skipif(ON_SQLITE, reason="holding a worker between its file and its commit needs PostgreSQL's locks")
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_writing_the_pdf_but_before_committing_leaves_one_file(issuing_job, start_worker):
    """The narrowest window: the sealed PDF is on disk, its record not yet committed. The test holds a
    lock that only the record's INSERT waits on, sees the worker waiting there with the file written, and
    kills it. The next run must replace that file, not store a second one beside it."""
    import psycopg

    job = issuing_job
    task = DBTaskResult.objects.get(task_path=job.task_path)
    db = settings.DATABASES["default"]
    blocker = psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None, dbname=db["NAME"]
    )
    try:
        # Reads of issued documents go on (and the row locks the job takes); an INSERT waits.
        blocker.execute("LOCK TABLE documents_issueddocument IN SHARE ROW EXCLUSIVE MODE")
        first = start_worker("worker-one")
        wait_until(
            lambda: worker_waiting_to_insert_a_document() and bool(job.files()),
            seconds=90,
            what="the worker to write the PDF and wait to record it",
        )
        sigkill(first)
    finally:
        blocker.rollback()
        blocker.close()
    # PostgreSQL ends the dead worker's sessions, rolling its transaction back.
    wait_until(lambda: worker_connections() == 0, seconds=30, what="the dead worker's connections to end")

    leftover = job.files()
    assert len(leftover) == 1  # the file of the run that died
    assert not job.issued().exists()
    assert not AuditEntry.objects.filter(case_id=job.case_id, action=job.audit_action).exists()
    assert task_status(task.pk) == "RUNNING"

    start_worker("worker-two")
    wait_until(lambda: task_status(task.pk) == "SUCCESSFUL", seconds=90, what="the job to run again", step=0.2)
    issued = job.issued().get()
    # One file, under the name the record gives, holding the sealed PDF the record describes.
    assert [p.name for p in job.files()] == [Path(issued.pdf.name).name] == [leftover[0].name]
    with issued.pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == issued.sha256
    assert AuditEntry.objects.filter(case_id=job.case_id, action=job.audit_action).count() == 1


def _running_task(*worker_ids: str, started_ago: float) -> DBTaskResult:
    from cases.tasks import send_email

    result = send_email.enqueue(to=["a@example.com"], subject="s", body="b")
    task = DBTaskResult.objects.get(pk=result.id)
    task.status = "RUNNING"
    task.worker_ids = list(worker_ids)
    task.started_at = timezone.now() - timedelta(seconds=started_ago)
    task.save()
    return task


def test_a_task_of_a_live_worker_is_left_alone(db, settings):
    settings.ODR_WORKER_LEASE_SECONDS = 60
    task = _running_task("alive", started_ago=600)  # a long task
    WorkerHeartbeat.objects.create(worker_id="alive", host="h", pid=1, seen_at=timezone.now())
    assert requeue_abandoned_tasks().requeued == []
    assert task_status(task.pk) == "RUNNING"


def test_a_task_of_a_silent_worker_is_requeued_and_then_runs(db, settings, run_tasks):
    settings.ODR_WORKER_LEASE_SECONDS = 60
    task = _running_task("gone", started_ago=600)
    WorkerHeartbeat.objects.create(worker_id="gone", host="h", pid=1, seen_at=timezone.now() - timedelta(seconds=61))
    assert requeue_abandoned_tasks().requeued == [str(task.pk)]
    assert task_status(task.pk) == "READY"
    sent = run_tasks()
    assert [mail.to for mail in sent] == [["a@example.com"]]
    assert task_status(task.pk) == "SUCCESSFUL"


def test_a_task_that_keeps_killing_its_worker_fails_after_the_last_attempt(db, settings):
    settings.ODR_WORKER_LEASE_SECONDS, settings.ODR_TASK_MAX_ATTEMPTS = 60, 3
    task = _running_task("w1", "w2", "w3", started_ago=600)  # no heartbeat at all: never seen
    recovered = requeue_abandoned_tasks()
    assert (recovered.requeued, recovered.failed) == ([], [str(task.pk)])
    task.refresh_from_db()
    assert (task.status, task.exception_class_path) == ("FAILED", WORKER_LOST)
    assert "w1, w2, w3" in task.traceback
