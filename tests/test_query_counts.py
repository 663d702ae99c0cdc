"""The queries a page needs do not grow with the data it shows.

Each page below is opened twice, as each persona who may see it: once with a little data (one of
everything: one award, one filed submission with one document, one question, one extension, one payment,
one refund, one fee schedule, ...), then after the platform has grown (more cases, corrections of the
award, more submissions with more documents, more questions, extensions, payments, refunds, audit entries,
security events, fee schedules, panel members). The number of queries must be the same: a page that asks
the database once per row fails here, naming the queries it repeated.

Pages: each case's page (``cases:detail``) and its tier pages (``mediation:case``, ``arbitration:case``)
as the parties, the case's neutral and an administrator; and every staff page, found in the URL resolver
(the administration app's URLs, and every other page the access table, ``tests/test_access_sweep.py``,
opens to administrators alone), so a new staff page is measured without being listed here. The CSV exports
and a filtered list are measured too (``QUERY_VARIANTS``).

The data is made through the services, as the parties, the neutrals and the administrator would make it,
once for the module, and rolled back at its end.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import run_queued_tasks
from tests.test_access_sweep import ADMINS, POST, URLS, _patterns

# --- The pages -------------------------------------------------------------------------------------------

PARTIES = ("claimant", "respondent")

# (URL name, the world's case, who may open it)
CASE_PAGES = [
    ("cases:detail", "negotiation", (*PARTIES, "administrator")),
    ("cases:detail", "mediation", (*PARTIES, "mediator", "administrator")),
    ("cases:detail", "proceedings", (*PARTIES, "arbitrator", "administrator")),
    ("cases:detail", "awarded", (*PARTIES, "arbitrator", "administrator")),
    ("mediation:case", "mediation", (*PARTIES, "mediator", "administrator")),
    ("arbitration:case", "proceedings", (*PARTIES, "arbitrator", "administrator")),
    ("arbitration:case", "awarded", (*PARTIES, "arbitrator", "administrator")),
]


def _is_staff_page(name: str) -> bool:
    """A page of the administration app, or one the access table opens to administrators alone; pages
    that only take a POST are not pages. (The Django admin is Django's, not measured here.)"""
    if not name or name.startswith("admin:"):
        return False
    entry = URLS[name]  # every pattern is in the access table (test_access_sweep checks it)
    if entry.method == POST:
        return False
    return name.startswith("administration:") or (bool(entry.allowed) and entry.allowed <= ADMINS)


STAFF_PAGES = dict(sorted((name, route) for name, route in _patterns() if _is_staff_page(name)))

# Query strings a staff page also answers, measured as pages of their own: exports and filters.
QUERY_VARIANTS: dict[str, list[str]] = {
    "administration:case_list": ["?export=csv", "?status=open&sort=deadline"],
    "administration:audit": ["?export=csv"],
    "administration:case_audit": ["?export=csv"],
    "payments:reconciliation": ["?format=csv"],
}

# The arguments a staff page's URL takes, from the world: by "<namespace>:<argument>", else by argument.
STAFF_KWARGS: dict[str, Callable[[Any], Any]] = {
    "case_id": lambda w: w.negotiation.public_id,
    "payment_id": lambda w: w.payment.public_id,
    "mediation:profile_id": lambda w: w.mia_profile.pk,
    "arbitration:profile_id": lambda w: w.arthur_profile.pk,
}


@dataclass(frozen=True)
class Page:
    id: str
    name: str
    persona: str
    kwargs: Callable[[Any], dict[str, Any]]
    query: str = ""

    def url(self, world: Any) -> str:
        return reverse(self.name, kwargs=self.kwargs(world)) + self.query


def _staff_kwargs(name: str, route: str) -> Callable[[Any], dict[str, Any]]:
    namespace = name.partition(":")[0]
    arguments = re.findall(r"<(?:\w+:)?(\w+)>", route)
    getters = {a: STAFF_KWARGS.get(f"{namespace}:{a}", STAFF_KWARGS.get(a)) for a in arguments}
    unknown = sorted(a for a, getter in getters.items() if getter is None)
    assert not unknown, f"{name}: say in STAFF_KWARGS which of the world's rows its {unknown} are"
    return lambda w: {a: getter(w) for a, getter in getters.items() if getter is not None}


def _pages() -> Iterator[Page]:
    for name, case, personas in CASE_PAGES:
        for persona in personas:
            yield Page(
                f"{name} ({case}) as {persona}",
                name,
                persona,
                lambda w, case=case: {"case_id": getattr(w, case).public_id},
            )
    for name, route in STAFF_PAGES.items():
        kwargs = _staff_kwargs(name, route)
        for query in ["", *QUERY_VARIANTS.get(name, [])]:
            yield Page(f"{name}{query} as administrator", name, "administrator", kwargs, query)


PAGES = list(_pages())


# --- Measuring -------------------------------------------------------------------------------------------


def _client(world: Any, persona: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    return client


def _queries(world: Any, page: Page) -> list[str]:
    """The SQL of every query opening the page takes (a streamed export read to its end)."""
    from django.core.cache import cache

    client = _client(world, page.persona)
    url = page.url(world)
    cache.clear()  # a page kept in the cache (the public statistics) is measured as it is made
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
            for close in getattr(response, "_resource_closers", []):
                close()
    assert response.status_code == 200, f"{page.id}: {url} answered {response.status_code}"
    return [query["sql"] for query in captured.captured_queries]


def _shape(sql: str) -> str:
    """A query without its values: the same query for another row has the same shape."""
    sql = re.sub(r"^SELECT (?:DISTINCT )?.*? FROM ", "SELECT … FROM ", sql)  # the columns say little
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(?:\.\d+)?\b", "?", sql)
    return re.sub(r"\(\?(?:, \?)*\)", "(…)", sql)


def _repeated(small: list[str], large: list[str]) -> str:
    """The queries the grown platform needed more (or fewer) times than the small one, by shape."""
    before, after = Counter(map(_shape, small)), Counter(map(_shape, large))
    lines = [
        f"  {after[shape] - before[shape]:+d} x {shape[:600]}"
        for shape in sorted(set(before) | set(after))
        if after[shape] != before[shape]
    ]
    return "\n".join(lines)


# --- The world -------------------------------------------------------------------------------------------

DOCUMENT_COUNTER = iter(range(1, 10_000))


def _upload(name: str = "evidence") -> SimpleUploadedFile:
    number = next(DOCUMENT_COUNTER)
    return SimpleUploadedFile(f"{name}-{number}.txt", f"{name} number {number}".encode())


def _build_small() -> SimpleNamespace:
    """One of everything."""
    from arbitration.models import StepKind
    from arbitration.services import proceedings
    from arbitration.services.timetable import deadline_extend
    from cases.roles_setup import ADMINISTRATOR_GROUP, ARBITRATOR_GROUP, MEDIATOR_GROUP, PARTY_GROUP
    from cases.services.evidence import document_upload
    from demo import builder
    from negotiation.services.messages import message_post
    from negotiation.services.offers import offer_make
    from payments.services.fees import WaiverRuleInput, fee_schedule_create
    from tests.conftest import PASSWORD, make_organisation, make_user
    from tests.test_arbitration import _all_due, _file, _step, _terms

    w = SimpleNamespace()
    users = {
        "claimant": make_user("alice", PARTY_GROUP),
        "respondent": make_user("bob", PARTY_GROUP),
        "mediator": make_user("mia", MEDIATOR_GROUP, mfa=True),
        "arbitrator": make_user("arthur", ARBITRATOR_GROUP, mfa=True),
        "administrator": make_user("ada", ADMINISTRATOR_GROUP, mfa=True),
    }
    w.users = users
    alice, bob, mia, arthur, ada = (
        users[p] for p in ("claimant", "respondent", "mediator", "arbitrator", "administrator")
    )
    w.alpha, w.bravo = (
        make_organisation(alice, "Alpha Trading Limited"),
        make_organisation(bob, "Bravo Services Limited"),
    )
    w.mia_profile = builder.mediator_on_panel(user=mia, display_name="Mia Mediator")
    w.arthur_profile = builder.arbitrator_on_panel(user=arthur, display_name="Arthur Arbitrator")
    w.linked = make_organisation(make_user("lou", PARTY_GROUP), "Linked Limited")  # no party's business here
    w.mia_profile.linked_organisations.add(w.linked)
    w.arthur_profile.linked_organisations.add(w.linked)

    def filed() -> Any:
        return builder.case_filed(claimant=alice, claimant_org=w.alpha)

    def negotiating() -> Any:
        return builder.case_in_negotiation(case=filed(), respondent=bob, respondent_org=w.bravo)

    def mediating() -> Any:
        case = builder.case_in_mediation(case=negotiating())
        return builder.case_with_mediator(case=case, administrator=ada, mediator=w.mia_profile)

    def arbitrating() -> Any:
        case = builder.case_in_arbitration(case=mediating())
        case = builder.case_with_arbitrator(
            case=case, administrator=ada, arbitrator=w.arthur_profile, password=PASSWORD
        )
        return builder.case_in_proceedings(case=case)

    w.filed, w.negotiating, w.arbitrating = filed, negotiating, arbitrating

    # Arbitration in progress: the claim filed with one document, one question answered, one extension.
    w.proceedings = arbitrating()
    claim = _step(w.proceedings, StepKind.CLAIM, "claimant")
    proceedings.submission_save(case=w.proceedings, user=alice, step=claim, statement="Our claim.")
    proceedings.submission_attach(case=w.proceedings, user=alice, step=claim, upload=_upload("claim"))
    proceedings.submission_file(case=w.proceedings, user=alice, step=claim)
    question = proceedings.question_ask(case=w.proceedings, user=arthur, to_role="respondent", text="When?")
    proceedings.question_answer(question=question, user=bob, answer="In March.")
    reply = _step(w.proceedings, StepKind.REPLY, "claimant")
    deadline_extend(
        case=w.proceedings, user=arthur, step=reply, until=reply.due_at + timedelta(days=1), reason="Travel."
    )
    # An award issued (on a claim filed with one document).
    w.awarded = arbitrating()
    _file(w.awarded, alice, StepKind.CLAIM, "claimant")
    _all_due(w.awarded)
    builder.case_awarded(case=w.awarded, terms=_terms(), password=PASSWORD)
    # Mediation: one session offered (two times), one party's availability, one private note.
    w.mediation = mediating()
    _mediation_activity(w, slots=2)

    # Fees from here on: no registration fee, so new cases reach negotiation without paying.
    fee_schedule_create(
        actor=ada,
        name="Scheme 2026",
        effective_from=timezone.now() - timedelta(minutes=1),
        registration_fee=Decimal("0.00"),
        mediation_fee=Decimal("1000.00"),
        arbitration_fee=Decimal("2500.00"),
        waiver_rules=[WaiverRuleInput(size_band="micro", percent=Decimal("100"), reason="Micro", fee_kind="")],
        deal_fees={"small": Decimal("300.00")},
    )
    # Negotiation: one document (with a second version), one offer, a mediation fee each; the claimant
    # paid by transfer (confirmed, then partly refunded once), the respondent declared a transfer.
    w.negotiation = negotiating()
    version = document_upload(case=w.negotiation, user=alice, upload=_upload("invoice"), title="Invoice")
    w.document = version.document
    offer_make(case=w.negotiation, user=bob, amount=Decimal("9000.00"), terms="Within 14 days")
    message_post(case=w.negotiation, user=alice, body="Shall we talk?")
    w.payment = _fees_paid(w, w.negotiation, refunds=1)
    # Deal-making: one of each (waiting for its other business; executed and later disputed; locked, its
    # fee declared paid by transfer).
    _deals(w)

    w.sessions = {}
    for persona, user in users.items():
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        w.sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    _security_events(w, 1)
    return w


def _mediation_activity(w: SimpleNamespace, *, slots: int) -> None:
    from mediation.services.sessions import availability_mark, note_add, session_propose

    start = timezone.now() + timedelta(days=3)
    times = [(start + timedelta(days=i), start + timedelta(days=i, hours=2)) for i in range(slots)]
    session = session_propose(case=w.mediation, user=w.users["mediator"], slots=times)
    for persona in PARTIES:
        availability_mark(
            session=session, user=w.users[persona], available_slot_ids={session.slots.order_by("pk").first().pk}
        )
    note_add(case=w.mediation, user=w.users["mediator"], body="Both sides want a quick end.")


def _fees_paid(w: SimpleNamespace, case: Any, *, refunds: int) -> Any:
    """Both parties ask for mediation: the claimant pays its fee by transfer (confirmed by the
    administrator, then partly refunded ``refunds`` times); the respondent declares a transfer."""
    from negotiation.services.escalation import mediation_request
    from payments.models import Charge
    from payments.services.payments import manual_payment_confirm, payment_execute, payment_refund, payment_start

    alice, bob, ada = w.users["claimant"], w.users["respondent"], w.users["administrator"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        mediation_request(case=case, user=alice)
        charge = Charge.objects.get(case=case, party__role="claimant")
        payment = payment_start(charge=charge, user=alice, provider="manual")
        payment_execute(payment=payment, user=alice, data={"reference": f"TT-{case.pk}"})
        manual_payment_confirm(payment=payment, actor=ada, amount_received=Decimal("1000.00"))
        for number in range(refunds):
            payment_refund(payment=payment, actor=ada, amount=Decimal("10.00"), reason=f"Overcharged ({number})")
        theirs = payment_start(
            charge=Charge.objects.get(case=case, party__role="respondent"), user=bob, provider="manual"
        )
        payment_execute(payment=theirs, user=bob, data={"reference": f"TT-{case.pk}-B"})
    run_queued_tasks("query-counts")
    payment.refresh_from_db()
    return payment


def _deals(w: SimpleNamespace) -> None:
    """Bob's business starts three deals with Alice's: one waits for her, one is signed and sealed (their fees
    paid first), dated ten days to execution (tests/deals/executed.py) and disputed by a claim Bob files, and
    one is locked, Bob declaring its fee paid by transfer."""
    from deals.audit import deal_subject
    from demo import builder
    from payments.models import Charge
    from payments.services.payments import payment_execute, payment_start
    from tests.conftest import PASSWORD
    from tests.deals.executed import dated

    alice, bob, ada = w.users["claimant"], w.users["respondent"], w.users["administrator"]

    def deal() -> Any:
        return builder.deal_started(initiator=bob, initiator_org=w.bravo, counterparty_email=alice.email)

    def locked() -> Any:
        return builder.deal_locked(
            deal=builder.deal_in_negotiation(deal=deal(), counterparty=alice, counterparty_org=w.alpha)
        )

    deal()
    now = timezone.now()
    signed = builder.deal_executed(deal=builder.deal_fees_paid(deal=locked(), administrator=ada), password=PASSWORD)
    executed = dated(signed, started=now - timedelta(days=10), executed=now - timedelta(days=2))
    builder.deal_disputed(deal=executed, claimant=bob)
    charge = Charge.objects.get(subject=deal_subject(locked()), payer=bob)
    payment = payment_start(charge=charge, user=bob, provider="manual")
    payment_execute(payment=payment, user=bob, data={"reference": f"TT-{charge.subject_reference}"})


def _security_events(w: SimpleNamespace, count: int) -> None:
    from cases.security_events import record_refusal

    for number in range(count):
        record_refusal(
            reason="case_hidden",
            user=w.users["mediator"],
            path=f"/cases/{w.negotiation.public_id}/?try={number}",
            method="GET",
            ip_address=f"192.0.2.{number + 1}",
            case_ref=w.negotiation.public_id,
        )


def _grow(w: SimpleNamespace) -> None:
    """More of everything."""

    from arbitration.models import StepKind
    from arbitration.services import award as awards
    from arbitration.services import proceedings
    from arbitration.services.timetable import deadline_extend
    from cases.roles_setup import ARBITRATOR_GROUP, MEDIATOR_GROUP
    from cases.services.evidence import document_add_version, document_upload
    from demo import builder
    from negotiation.services.messages import message_post
    from negotiation.services.offers import offer_counter, offer_make
    from payments.services.fees import WaiverRuleInput, fee_schedule_create
    from tests.conftest import make_user
    from tests.test_arbitration import _issue, _step, _terms

    alice, bob, arthur, ada = (w.users[p] for p in ("claimant", "respondent", "arbitrator", "administrator"))

    # The arbitration in progress: the defence with three documents, the claimant's reply with two, the
    # respondent's reply drafted with one; three more questions, two answered; two more extensions.
    case = w.proceedings
    defence = _step(case, StepKind.DEFENCE, "respondent")
    proceedings.submission_save(case=case, user=bob, step=defence, statement="Our defence.", amount=Decimal("100"))
    for _ in range(3):
        proceedings.submission_attach(case=case, user=bob, step=defence, upload=_upload("defence"))
    proceedings.submission_file(case=case, user=bob, step=defence)
    reply = _step(case, StepKind.REPLY, "claimant")
    proceedings.submission_save(case=case, user=alice, step=reply, statement="Our reply.")
    for _ in range(2):
        proceedings.submission_attach(case=case, user=alice, step=reply, upload=_upload("reply"))
    proceedings.submission_file(case=case, user=alice, step=reply)
    their_reply = _step(case, StepKind.REPLY, "respondent")
    proceedings.submission_save(case=case, user=bob, step=their_reply, statement="Draft reply.")
    proceedings.submission_attach(case=case, user=bob, step=their_reply, upload=_upload("draft"))
    for role in ("claimant", "respondent", "claimant"):
        question = proceedings.question_ask(case=case, user=arthur, to_role=role, text=f"A question to the {role}.")
        if role == "claimant":
            proceedings.question_answer(question=question, user=alice, answer="Our answer.")
    for step in (their_reply, _step(case, StepKind.AWARD)):
        step.refresh_from_db()
        deadline_extend(case=case, user=arthur, step=step, until=step.due_at + timedelta(days=2), reason="Holidays.")

    # The award corrected twice.
    for number, costs in enumerate(("550.50", "600.50"), start=1):
        awards.award_correction_start(case=w.awarded, user=arthur)
        net = Decimal("10000.00") + Decimal(costs)
        _issue(
            w.awarded,
            arthur,
            _terms(costs_amount=Decimal(costs), net_amount=net, correction_note=f"Costs mistyped ({number})."),
        )

    # Mediation: two more sessions offered (three times each), two more notes.
    for _ in range(2):
        _mediation_activity(w, slots=3)

    # Negotiation: three more documents, a new version of the first, an offer and its counter-offer, three
    # messages; the claimant's payment refunded twice more.
    for number in range(3):
        document_upload(case=w.negotiation, user=bob, upload=_upload("more"), title=f"Exhibit {number}")
    document_add_version(document=w.document, user=alice, upload=_upload("invoice-v2"))
    offer = offer_make(case=w.negotiation, user=bob, amount=Decimal("9500.00"), terms="Within 14 days")
    offer_counter(case=w.negotiation, user=alice, offer_id=offer.pk, amount=Decimal("11000.00"), terms="Within 7 days")
    for number in range(3):
        message_post(case=w.negotiation, user=(alice, bob)[number % 2], body=f"Message {number}")
    from payments.services.payments import payment_refund

    with TestCase.captureOnCommitCallbacks(execute=True):
        for number in range(2):
            payment_refund(payment=w.payment, actor=ada, amount=Decimal("5.00"), reason=f"Goodwill ({number})")
    run_queued_tasks("query-counts")

    # More cases: three in negotiation with fees paid and refunds, two awaiting the respondent.
    for number in range(3):
        more = w.negotiating()
        document_upload(case=more, user=alice, upload=_upload("other"), title="Other")
        _fees_paid(w, more, refunds=2)
        if number == 0:
            _deals(w)
    for _ in range(2):
        w.filed()

    # More fee schedules, panel members (half of them linked with the parties' businesses) and security
    # events.
    for number in range(2):
        fee_schedule_create(
            actor=ada,
            name=f"Scheme 2027-{number}",
            effective_from=timezone.now() + timedelta(days=30 + number),
            registration_fee=Decimal("0.00"),
            mediation_fee=Decimal("1200.00"),
            arbitration_fee=Decimal("3000.00"),
            waiver_rules=[
                WaiverRuleInput(size_band="micro", percent=Decimal("100"), reason="Micro", fee_kind=""),
                WaiverRuleInput(size_band="small", percent=Decimal("50"), reason="Small", fee_kind="mediation"),
            ],
        )
    for number in range(4):
        linked = (w.alpha, w.bravo) if number % 2 else (w.linked,)  # conflicted on the cases here, or not
        mediator = builder.mediator_on_panel(
            user=make_user(f"mediator{number}", MEDIATOR_GROUP, mfa=True), display_name=f"Mediator {number}"
        )
        mediator.linked_organisations.add(*linked)
        arbitrator = builder.arbitrator_on_panel(
            user=make_user(f"arbitrator{number}", ARBITRATOR_GROUP, mfa=True), display_name=f"Arbitrator {number}"
        )
        arbitrator.linked_organisations.add(*linked)
    _security_events(w, 5)


def _sizes() -> dict[str, int]:
    """How much there is of what the pages list."""
    from django.db.models import Sum

    from arbitration.models import ArbitratorProfile, Award, Question, Submission, TimetableStep
    from cases.models import AuditEntry, Case, Document, DocumentVersion, SecurityEvent
    from deals.models import Deal, DealDispute
    from mediation.models import MediationSession, MediatorNote, MediatorProfile, SessionSlot
    from negotiation.models import Message, Offer
    from payments.models import Charge, FeeSchedule, FeeWaiverRule, Payment, Refund

    models = [
        Case, Document, DocumentVersion, Offer, Message, AuditEntry, SecurityEvent, Award, Submission, Question,
        MediationSession, SessionSlot, MediatorNote, Charge, Payment, Refund, FeeSchedule, FeeWaiverRule,
        MediatorProfile, ArbitratorProfile, Deal, DealDispute,
    ]  # fmt: skip
    sizes = {model._meta.label: model.objects.count() for model in models}
    sizes["extensions"] = TimetableStep.objects.aggregate(total=Sum("extensions"))["total"] or 0
    sizes["submission documents"] = Submission.documents.through.objects.count()
    return sizes


def _measure(world: SimpleNamespace) -> dict[str, list[str]]:
    return {page.id: _queries(world, page) for page in PAGES}


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker, tmp_path_factory, seal_files):
    """Every page's queries with a small platform, then with a grown one (``pages``: {page id: (small,
    grown)}), and how much of each thing there was (``sizes``: {what: (small, grown)})."""
    folder = tmp_path_factory.mktemp("query-counts")
    storages = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(folder), "base_url": None}},
    }
    key, cert = seal_files
    with (
        django_db_blocker.unblock(),
        override_settings(STORAGES=storages, ODR_SEAL_KEY_PATH=key, ODR_SEAL_CERT_PATH=cert),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = _build_small()
            _measure(world)  # once to warm what a process loads once (content types, the site)
            small, small_sizes = _measure(world), _sizes()
            _grow(world)
            grown, grown_sizes = _measure(world), _sizes()
            yield SimpleNamespace(
                pages={page_id: (small[page_id], grown[page_id]) for page_id in small},
                sizes={name: (small_sizes[name], grown_sizes[name]) for name in small_sizes},
            )
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_every_staff_page_is_measured():
    """The resolver's staff pages are here, and the ones this test knows of are among them (a renamed
    page would otherwise drop out unnoticed)."""
    assert {
        "administration:dashboard",
        "administration:case_list",
        "administration:audit",
        "administration:security_events",
        "administration:case_audit",
        "administration:statistics",
        "payments:reconciliation",
        "payments:staff_payment",
        "payments:fee_schedules",
        "mediation:panel",
        "arbitration:panel",
    } <= set(STAFF_PAGES)
    assert set(QUERY_VARIANTS) <= set(STAFF_PAGES)


def test_the_platform_grew_in_every_way_the_pages_show(counts, db):
    """Small means one of each (so a query made once for a kind of row is made both times), and the
    grown platform has more of each."""
    small = {name: sizes[0] for name, sizes in counts.sizes.items() if sizes[0] < 1}
    assert small == {}, "the small platform lacks these"
    same = {name: sizes for name, sizes in counts.sizes.items() if sizes[1] <= sizes[0]}
    assert same == {}, "the grown platform has no more of these"


@pytest.mark.parametrize("page", PAGES, ids=[page.id for page in PAGES])
def test_a_page_needs_the_same_queries_however_much_it_shows(page, counts, db):
    """Exactly as many: every page measured here needs the same number (no allowance is needed today; one
    that must differ by a fixed number would say so here, with the reason)."""
    small, grown = counts.pages[page.id]
    assert len(grown) == len(small), (
        f"{page.id}: {len(small)} queries with a little data, {len(grown)} with more; "
        f"the queries whose number changed, by shape:\n{_repeated(small, grown)}"
    )
