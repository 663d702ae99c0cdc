"""Seed N realistic cases for the scale benchmark: parties and their businesses, every stage and outcome,
responses, neutrals on the cases in mediation and arbitration, settlements, audit entries, fees and
payments, and document metadata (no files). Bulk inserts; reproducible with --seed.

    python manage.py seed_caseload 100000 [--seed 7]

Never in production: it writes made-up businesses and people.

The rows are inserted in bulk rather than made through the services by the case builder (demo/builder.py),
which the tests, the demo and the other benches use: timed on this shared 2-core machine, 100 cases of this
mix took 0.1 s here and 124 s through the builder (1.2 s a case, every agreement and award rendered, signed
and sealed), which for the benchmark's 100,000 cases would be some 34 hours instead of about 2 minutes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from arbitration.models import ArbitrationState
from cases.models import (
    OPEN_STATUSES,
    AuditEntry,
    Case,
    CaseAssignment,
    CaseParty,
    CaseResponse,
    CaseSettlement,
    Category,
    Document,
    DocumentVersion,
    NeutralRole,
    Organisation,
    ReferenceCounter,
    SettlementSource,
)
from cases.roles_setup import ARBITRATOR_GROUP, MEDIATOR_GROUP, PARTY_GROUP
from mediation.models import MediationState
from payments.models import Charge, ChargeStatus, FeeSchedule, Payment, PaymentStatus

# (status, outcome, share of cases, tiers reached)
MIX: list[tuple[str, str, int, tuple[str, ...]]] = [
    ("awaiting_response", "", 6, ()),
    ("negotiation", "", 10, ("negotiation",)),
    ("mediation", "", 6, ("negotiation", "mediation")),
    ("arbitration", "", 3, ("negotiation", "mediation", "arbitration")),
    ("settlement", "", 2, ("negotiation",)),
    ("closed", "settled", 30, ("negotiation",)),
    ("closed", "settled", 12, ("negotiation", "mediation")),
    ("closed", "award_issued", 4, ("negotiation", "mediation", "arbitration")),
    ("closed", "withdrawn", 5, ()),
    ("closed", "declined", 6, ()),
    ("closed", "no_response", 6, ()),
    ("closed", "expired", 5, ("negotiation",)),
    ("closed", "not_settled", 3, ("negotiation", "mediation")),
    ("closed", "partly_settled", 2, ("negotiation", "mediation")),
]
BATCH = 2000
# Seeded people never sign in: an unusable password hash, as set_unusable_password() makes.
UNUSABLE = "!seeded"
WORDS = ["Harbour", "Kowloon", "Peak", "Lantau", "Jade", "Lotus", "Golden", "Pearl", "Star", "Victoria", "Tsim", "Mong"]
TRADES = ["Events", "Catering", "Travel", "Printing", "Logistics", "Trading", "Venue", "Tours", "Lighting", "Florist"]


def _chunks(items: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Command(BaseCommand):
    help = "Seed N realistic cases (bulk inserts) for the caseload benchmark. Never in production."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, count: int, seed: int, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("Refusing to seed made-up cases with ODR_PRODUCTION=1.")
        if count < 1:
            raise CommandError("Give a number of cases of at least 1.")
        rng = random.Random(seed)
        now = timezone.now()
        with transaction.atomic():
            people, businesses, neutrals = self._population(rng, max(20, count // 50))
            self._cases(rng, now, count, people, businesses, neutrals)
        self.stdout.write(self.style.SUCCESS(f"Seeded {count} cases."))

    def _population(
        self, rng: random.Random, size: int
    ) -> tuple[list[User], list[Organisation], dict[str, list[User]]]:
        stamp = f"{rng.randrange(10**8):08d}"
        people = User.objects.bulk_create(
            User(
                username=f"seed-{stamp}-{n}",
                email=f"party{n}.{stamp}@seed.example",
                password=UNUSABLE,
                first_name=f"P{n}",
            )
            for n in range(size * 2)
        )
        Group.objects.get(name=PARTY_GROUP).user_set.add(*people)
        businesses = Organisation.objects.bulk_create(
            Organisation(
                name=f"{rng.choice(WORDS)} {rng.choice(TRADES)} {n} Limited",
                is_hk_registered=True,
                br_number=f"{rng.randrange(10**8):08d}",
                size_band=rng.choice(["micro", "small", "medium"]),
                address="1 Queen's Road Central, Hong Kong",
                contact_email=f"office{n}.{stamp}@seed.example",
            )
            for n in range(size * 2)
        )
        neutrals: dict[str, list[User]] = {}
        for role, group, how_many in (("mediator", MEDIATOR_GROUP, 20), ("arbitrator", ARBITRATOR_GROUP, 10)):
            users = User.objects.bulk_create(
                User(
                    username=f"seed-{stamp}-{role}-{n}",
                    email=f"{role}{n}.{stamp}@seed.example",
                    password=UNUSABLE,
                    first_name=role.title(),
                    last_name=str(n),
                )
                for n in range(how_many)
            )
            Group.objects.get(name=group).user_set.add(*users)
            neutrals[role] = users
        return people, businesses, neutrals

    def _cases(
        self,
        rng: random.Random,
        now: datetime,
        count: int,
        people: list[User],
        businesses: list[Organisation],
        neutrals: dict[str, list[User]],
    ) -> None:
        weights = [share for _s, _o, share, _t in MIX]
        kinds = rng.choices(MIX, weights=weights, k=count)
        numbers: dict[int, int] = {}
        for counter in ReferenceCounter.objects.select_for_update():
            numbers[counter.year] = counter.last_number
        cases = []
        claimants = []
        for status, outcome, _share, _tiers in kinds:
            filed_at = now - timedelta(days=rng.uniform(0, 540))
            year = timezone.localtime(filed_at).year
            numbers[year] = numbers.get(year, 0) + 1
            closed_at = filed_at + timedelta(days=rng.uniform(2, 90)) if status == "closed" else None
            if closed_at is not None and closed_at > now:
                closed_at = now
            claimant_index = rng.randrange(len(people))
            claimants.append(claimant_index)
            cases.append(
                Case(
                    reference=f"ODR-{year}-{numbers[year]:06d}",
                    status=status,
                    outcome=outcome,
                    category=rng.choice(Category.values),
                    covid_related=True,
                    facts="Deposit paid for an event cancelled under the closure order.",
                    amount_claimed=Decimal(rng.randrange(1_000, 500_000)) + Decimal(rng.randrange(100)) / 100,
                    respondent_name=businesses[(claimant_index + 1) % len(businesses)].name,
                    respondent_email=people[(claimant_index + 1) % len(people)].email,
                    respondent_is_hk=True,
                    created_by=people[claimant_index],
                    filed_at=filed_at,
                    closed_at=closed_at,
                    deadline_at=now + timedelta(hours=rng.uniform(-72, 24 * 14)) if status in OPEN_STATUSES else None,
                )
            )
        created: list[Case] = []
        for chunk in _chunks(cases):
            created += Case.objects.bulk_create(chunk)
        for year, last in numbers.items():
            ReferenceCounter.objects.update_or_create(year=year, defaults={"last_number": last})
        self._details(rng, created, kinds, claimants, people, businesses, neutrals)

    def _details(
        self,
        rng: random.Random,
        cases: list[Case],
        kinds: list[tuple[str, str, int, tuple[str, ...]]],
        claimants: list[int],
        people: list[User],
        businesses: list[Organisation],
        neutrals: dict[str, list[User]],
    ) -> None:
        schedule = FeeSchedule.objects.order_by("-effective_from").first()
        rows = _DetailRows()
        for case, (status, outcome, _share, tiers), index in zip(cases, kinds, claimants, strict=True):
            claimant = CaseParty(case=case, role="claimant", organisation=businesses[index], user=people[index])
            respondent = CaseParty(
                case=case,
                role="respondent",
                organisation=businesses[(index + 1) % len(businesses)],
                user=people[(index + 1) % len(people)],
            )
            rows.add_case(rng, case, status, outcome, tiers, claimant, respondent, neutrals)
            if schedule is not None and rng.random() < 0.6:
                rows.add_registration_fee(schedule, claimant, paid=rng.random() < 0.8)
        rows.insert(rng)


@dataclass
class _DetailRows:
    """The rows that make each seeded case look lived in (parties, answers, tiers, neutrals, settlements,
    audit trail, evidence, fees), collected case by case and inserted in bulk."""

    parties: list[CaseParty] = field(default_factory=list)
    responses: list[CaseResponse] = field(default_factory=list)
    mediation: list[MediationState] = field(default_factory=list)
    arbitration: list[ArbitrationState] = field(default_factory=list)
    assignments: list[CaseAssignment] = field(default_factory=list)
    settlements: list[CaseSettlement] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)

    def add_case(
        self,
        rng: random.Random,
        case: Case,
        status: str,
        outcome: str,
        tiers: tuple[str, ...],
        claimant: CaseParty,
        respondent: CaseParty,
        neutrals: dict[str, list[User]],
    ) -> None:
        self.parties.append(claimant)
        if tiers or outcome == "declined":
            self.parties.append(respondent)
        self.audit.append(AuditEntry(case=case, actor=claimant.user, action="case.file", to_status="filed"))
        self.audit.append(AuditEntry(case=case, actor=None, action="case.invite", to_status="awaiting_response"))
        if "negotiation" in tiers:
            self.responses.append(CaseResponse(case=case, response_text="We dispute it.", submitted_by=respondent.user))
            self.audit.append(
                AuditEntry(case=case, actor=respondent.user, action="case.respond", to_status="negotiation")
            )
        began = case.filed_at or case.created_at
        if "mediation" in tiers:
            self.mediation.append(MediationState(case=case, phase="ended", ranking_deadline_at=began))
            mediator = rng.choice(neutrals["mediator"])
            self.assignments.append(CaseAssignment(case=case, user=mediator, role=NeutralRole.MEDIATOR))
        if "arbitration" in tiers:
            self.arbitration.append(ArbitrationState(case=case, phase="proceedings", ranking_deadline_at=began))
            arbitrator = rng.choice(neutrals["arbitrator"])
            self.assignments.append(CaseAssignment(case=case, user=arbitrator, role=NeutralRole.ARBITRATOR))
        if outcome == "settled" or status == "settlement":
            source = SettlementSource.MEDIATION if "mediation" in tiers else SettlementSource.OFFER
            self.settlements.append(CaseSettlement(case=case, amount=case.amount_claimed or 0, source=source))
        if status == "closed":
            self.audit.append(AuditEntry(case=case, actor=None, action="case.close", to_status="closed"))
        self.documents.append(Document(case=case, title="Invoice", party_role="claimant", created_by=claimant.user))

    def add_registration_fee(self, schedule: FeeSchedule, claimant: CaseParty, *, paid: bool) -> None:
        self.charges.append(
            Charge(
                case=claimant.case,
                party=claimant,
                organisation=claimant.organisation,
                payer=claimant.user,
                kind="registration",
                stage_action="invite",
                schedule=schedule,
                base_amount=schedule.registration_fee,
                amount_due=schedule.registration_fee,
                status=ChargeStatus.PAID if paid else ChargeStatus.DUE,
            )
        )

    def insert(self, rng: random.Random) -> None:
        for model, rows in (
            (CaseParty, self.parties),
            (CaseResponse, self.responses),
            (MediationState, self.mediation),
            (ArbitrationState, self.arbitration),
            (CaseAssignment, self.assignments),
            (CaseSettlement, self.settlements),
            (AuditEntry, self.audit),
        ):
            for chunk in _chunks(rows):
                model.objects.bulk_create(chunk)
        self._insert_evidence(rng)
        self._insert_fees()

    def _insert_evidence(self, rng: random.Random) -> None:
        created: list[Document] = []
        for chunk in _chunks(self.documents):
            created += Document.objects.bulk_create(chunk)
        versions = [
            DocumentVersion(
                document=document,
                number=1,
                file=f"seed/{document.public_id.hex}",
                original_filename="invoice.pdf",
                content_type="application/pdf",
                size=rng.randrange(20_000, 2_000_000),
                sha256=f"{rng.getrandbits(256):064x}",
                uploaded_by=document.created_by,
            )
            for document in created
        ]
        for chunk in _chunks(versions):
            DocumentVersion.objects.bulk_create(chunk)

    def _insert_fees(self) -> None:
        created: list[Charge] = []
        for chunk in _chunks(self.charges):
            created += Charge.objects.bulk_create(chunk)
        payments = [
            Payment(
                charge=charge,
                provider="manual",
                status=PaymentStatus.SUCCEEDED,
                amount=charge.amount_due,
                amount_received=charge.amount_due,
                currency_received="HKD",
                provider_reference=f"SEED-{charge.pk}",
                created_by=charge.payer,
            )
            for charge in created
            if charge.status == ChargeStatus.PAID
        ]
        for chunk in _chunks(payments):
            Payment.objects.bulk_create(chunk)
