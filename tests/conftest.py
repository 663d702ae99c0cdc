"""Personas and cases as fixtures (healthchecks' alice/bob/charlie, for a dispute).

Each case fixture is a call of the case builder (demo/builder.py), which reads who acts from the case; the
fixtures still ask for the people each stage involves, so those exist, made in the same order as ever."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.contrib.auth.models import User
from django.core import mail
from django.db import transaction
from django.test import Client
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from cases.models import Case, CaseAssignment, NeutralRole, Organisation
from cases.roles_setup import ADMINISTRATOR_GROUP, ARBITRATOR_GROUP, MEDIATOR_GROUP, PARTY_GROUP
from demo import builder
from tests.processes import free_port

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    """Rate-limit counters live in the cache (Redis on the PostgreSQL run): each test starts clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """A page requested in Chinese leaves Chinese active in the test's thread (Django's locale middleware
    activates a request's language and nothing deactivates it): each test starts in the default language."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _close_loop_connections() -> Any:
    """The room's event-loop connections (odr.adb) belong to the test's loop, which ends with the test."""
    from odr import adb

    yield
    adb.close_all()


@pytest.fixture(autouse=True)
def private_storage(settings: Any, tmp_path: Any) -> Any:
    """Each test stores uploads in its own folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    return tmp_path / "private"


def make_user(name: str, group: str, *, mfa: bool = False) -> User:
    secret = generate_totp_secret() if mfa else ""
    return builder.person(
        username=name, email=f"{name}@example.com", group=group, password=PASSWORD, totp_secret=secret
    )


@pytest.fixture
def claimant(db: Any) -> User:
    return make_user("alice", PARTY_GROUP)


@pytest.fixture
def respondent(db: Any) -> User:
    return make_user("bob", PARTY_GROUP)


@pytest.fixture
def outsider(db: Any) -> User:
    return make_user("charlie", PARTY_GROUP)


@pytest.fixture
def mediator(db: Any) -> User:
    return make_user("mia", MEDIATOR_GROUP, mfa=True)


@pytest.fixture
def arbitrator(db: Any) -> User:
    return make_user("arthur", ARBITRATOR_GROUP, mfa=True)


@pytest.fixture
def administrator(db: Any) -> User:
    return make_user("ada", ADMINISTRATOR_GROUP, mfa=True)


def make_organisation(user: User, name: str, *, hk: bool = True) -> Organisation:
    return builder.organisation(user=user, name=name, hk=hk)


@pytest.fixture
def claimant_org(claimant: User) -> Organisation:
    return make_organisation(claimant, "Alpha Trading Limited")


@pytest.fixture
def respondent_org(respondent: User) -> Organisation:
    return make_organisation(respondent, "Bravo Services Limited")


@pytest.fixture
def make_draft(claimant: User, claimant_org: Organisation) -> Callable[..., Case]:
    """A draft claim (by the claimant, for its business unless another is given), ``overrides`` changing what
    the form's steps are given (``builder.Claim``'s fields)."""

    def make(organisation: Organisation | None = None, **overrides: Any) -> Case:
        return builder.case_draft(
            claimant=claimant, claimant_org=organisation or claimant_org, claim=builder.Claim(**overrides)
        )

    return make


@pytest.fixture
def filed_case(claimant: User, claimant_org: Organisation) -> Case:
    return builder.case_filed(claimant=claimant, claimant_org=claimant_org)


@pytest.fixture
def invitation_token(filed_case: Case, claimant: User) -> str:
    return builder.invitation_token(case=filed_case)


@pytest.fixture
def negotiation_case(filed_case: Case, invitation_token: str, respondent: User, respondent_org: Organisation) -> Case:
    return builder.case_in_negotiation(
        case=filed_case, respondent=respondent, respondent_org=respondent_org, token=invitation_token
    )


@pytest.fixture
def assign(db: Any) -> Callable[[Case, User, NeutralRole], CaseAssignment]:
    def do(case: Case, user: User, role: NeutralRole) -> CaseAssignment:
        return CaseAssignment.objects.create(case=case, user=user, role=role)

    return do


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


def run_queued_tasks(worker_id: str = "test") -> None:
    """Run every queued background task with the real worker's ``run_task``, as ``db_worker --batch`` does,
    and fail if one failed. (The worker's own loop closes database connections between tasks, which would
    end a test's transaction.)"""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    while True:
        with transaction.atomic():
            task = DBTaskResult.objects.ready().get_locked()
            if task is None:
                break
            task.claim(worker.worker_id)
        worker.run_task(task)
    failed = DBTaskResult.objects.filter(status="FAILED")
    assert not failed.exists(), [t.exception_class_path for t in failed]


@pytest.fixture
def run_tasks(db: Any) -> Callable[[], list[Any]]:
    """Run every queued background task; returns the emails they sent."""

    def run() -> list[Any]:
        before = len(mail.outbox)
        run_queued_tasks()
        return mail.outbox[before:]

    return run


@pytest.fixture(scope="session")
def seal_files(tmp_path_factory: Any) -> tuple[str, str]:
    """A development seal key pair made once for the run, by the project's own command."""
    from django.core.management import call_command
    from django.test import override_settings

    folder = tmp_path_factory.mktemp("seal")
    key, cert = str(folder / "key.pem"), str(folder / "cert.pem")
    with override_settings(ODR_SEAL_KEY_PATH=key, ODR_SEAL_CERT_PATH=cert):
        call_command("create_dev_seal_key")
    return key, cert


@pytest.fixture
def seal(settings: Any, seal_files: tuple[str, str]) -> tuple[str, str]:
    settings.ODR_SEAL_KEY_PATH, settings.ODR_SEAL_CERT_PATH = seal_files
    return seal_files


@pytest.fixture
def fee_schedule(administrator: User) -> Any:
    """The scheme's registration fee (HK$200 a party), a mediation and an arbitration fee, and a standing
    waiver: micro enterprises pay no registration fee."""
    from decimal import Decimal

    from django.utils import timezone

    from payments.services.fees import WaiverRuleInput, fee_schedule_create

    return fee_schedule_create(
        actor=administrator,
        name="Scheme 2026",
        effective_from=timezone.now(),
        registration_fee=Decimal("200.00"),
        mediation_fee=Decimal("1000.00"),
        arbitration_fee=Decimal("2500.00"),
        waiver_rules=[
            WaiverRuleInput(
                size_band="micro", percent=Decimal("100"), reason="Micro enterprises", fee_kind="registration"
            )
        ],
    )


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory: Any) -> Any:
    """localstripe (a third-party fake Stripe server with a fake Stripe.js and signed webhooks), started
    for the run on a free port and stopped after it."""
    import socket
    import subprocess
    import sys
    import time

    port = free_port()
    log = (tmp_path_factory.mktemp("localstripe") / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"], stdout=log, stderr=log
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"localstripe did not start (see {log.name})")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(10)
    log.close()


STRIPE_TEST_KEYS = {
    "STRIPE_SECRET_KEY": "sk_test_odr_suite",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_odr_suite",
    "STRIPE_WEBHOOK_SECRET": "whsec_odr_suite",
}


@pytest.fixture
def stripe_settings(settings: Any, localstripe_url: str) -> str:
    """Card payments switched on, against localstripe."""
    for name, value in STRIPE_TEST_KEYS.items():
        setattr(settings, name, value)
    settings.STRIPE_API_BASE = localstripe_url
    settings.STRIPE_JS_URL = f"{localstripe_url}/js.stripe.com/v3"
    return localstripe_url


def stripe_card_token(stripe_url: str, number: str = "4242424242424242") -> str:
    """A card token made the way Stripe.js makes one in the browser: the card goes to the Stripe server
    with the publishable key, never to us."""
    import json
    import urllib.parse
    import urllib.request

    body = urllib.parse.urlencode(
        {
            "card[number]": number,
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
            "key": STRIPE_TEST_KEYS["STRIPE_PUBLISHABLE_KEY"],
        }
    ).encode()
    with urllib.request.urlopen(f"{stripe_url}/v1/tokens", data=body, timeout=10) as response:
        return str(json.loads(response.read())["id"])


@pytest.fixture
def card_token(stripe_settings: str) -> Callable[[str], str]:
    def make(number: str = "4242424242424242") -> str:
        return stripe_card_token(stripe_settings, number)

    return make


@pytest.fixture
def mediator_profile(mediator: User) -> Any:
    return builder.mediator_on_panel(
        user=mediator,
        display_name="Mia Mediator",
        languages=["en", "yue"],
        specialisms=["services"],
        accreditation="HKMAAL accredited general mediator",
        bio="Twenty years of commercial mediation.",
    )


@pytest.fixture
def mediation_case(
    negotiation_case: Case, claimant: User, administrator: User, mediator: User, mediator_profile: Any
) -> Case:
    """A case in mediation whose mediator (Mia) is appointed by an administrator and has accepted."""
    return builder.case_with_mediator(
        case=builder.case_in_mediation(case=negotiation_case), administrator=administrator, mediator=mediator_profile
    )


@pytest.fixture
def mediation_agreed(mediation_case: Case, claimant: User, respondent: User) -> Case:
    """The mediation case once both parties have signed the agreement to mediate (draft rendered)."""
    return builder.case_mediation_agreed(case=mediation_case, password=PASSWORD)


@pytest.fixture
def live_session(mediation_agreed: Case, mediator: User) -> Any:
    """The mediation's video session, opened by the mediator (parties may now join)."""
    return builder.mediation_session_live(case=mediation_agreed)


# The user's current two-factor code, as their authenticator app shows it (usable again within its period).
totp_code = builder.totp_code


@pytest.fixture
def arbitrator_profile(arbitrator: User) -> Any:
    return builder.arbitrator_on_panel(
        user=arbitrator,
        display_name="Arthur Arbitrator",
        languages=["en", "yue"],
        specialisms=["services"],
        accreditation="Fellow, Hong Kong Institute of Arbitrators",
        bio="Commercial arbitrator.",
    )


@pytest.fixture
def arbitration_case(mediation_case: Case, mediator: User) -> Case:
    """Mediation ended unsettled and both parties had agreed to arbitration: the case is in arbitration."""
    return builder.case_in_arbitration(case=mediation_case)


@pytest.fixture
def appointed_arbitration(
    arbitration_case: Case, administrator: User, arbitrator: User, arbitrator_profile: Any, seal: Any
) -> Case:
    """An administrator appointed Arthur, who declared his independence and signed; the declaration is sealed."""
    return builder.case_with_arbitrator(
        case=arbitration_case, administrator=administrator, arbitrator=arbitrator_profile, password=PASSWORD
    )


@pytest.fixture
def proceedings(appointed_arbitration: Case, arbitrator: User) -> Case:
    """The arbitrator set the Centre's default timetable."""
    return builder.case_in_proceedings(case=appointed_arbitration)


@pytest.fixture
def started_deal(claimant: User, claimant_org: Organisation) -> Any:
    """Alice's business sells masks to Bob's: started and Bob invited."""
    return builder.deal_started(initiator=claimant, initiator_org=claimant_org, counterparty_email="bob@example.com")


@pytest.fixture
def negotiating_deal(started_deal: Any, respondent: User, respondent_org: Organisation) -> Any:
    """The same deal, Bob's business joined: the text is negotiated."""
    return builder.deal_in_negotiation(deal=started_deal, counterparty=respondent, counterparty_org=respondent_org)
