"""Demo accounts (one per role) and cases in every stage, so a newcomer can click around at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from arbitration.services.award import AwardTerms
from cases.models import Case, CaseStatus, Organisation
from cases.roles_setup import ADMINISTRATOR_GROUP, ARBITRATOR_GROUP, MEDIATOR_GROUP, PARTY_GROUP
from cases.services.arbitration_entry import arbitration_consent
from deals.services.redlines import proposal_make
from demo import builder
from mediation.models import MediationResult, MediatorProfile
from mediation.services.sessions import session_propose

DEMO_DOMAIN = "demo.odr.hk"
# A fixed base32 secret so the demo's two-factor codes can be shown by `manage.py demo_totp`.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

DEMO_STATEMENTS = {
    "claim": "We paid the fees in full. The event was cancelled by the closure order; we ask for a full refund.",
    "defence": "We had already incurred set-up costs and our terms say fees are not refundable.",
    "reply": "We stand by our statement.",
}

ACCOUNTS = [
    ("claimant", PARTY_GROUP, False),
    ("respondent", PARTY_GROUP, False),
    ("mediator", MEDIATOR_GROUP, True),
    ("arbitrator", ARBITRATOR_GROUP, True),
    ("admin", ADMINISTRATOR_GROUP, True),
]


class Command(BaseCommand):
    help = "Create demo accounts (printed with their password) and demo cases in every stage. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", default="odr-demo-2026", help="Password for every demo account.")

    def handle(self, *args: Any, password: str, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("Refusing to create demo accounts with ODR_PRODUCTION=1.")
        users = {name: self._account(name, group, needs_mfa, password) for name, group, needs_mfa in ACCOUNTS}
        if not Case.objects.filter(created_by=users["claimant"]).exists():
            call_command("create_dev_seal_key", "--if-missing")
            self._cases(users, password)
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {password}):"))
        for name, group, needs_mfa in ACCOUNTS:
            extra = "  (two-factor: run `python manage.py demo_totp` for the current code)" if needs_mfa else ""
            self.stdout.write(f"  {group:<20} {name}@{DEMO_DOMAIN}{extra}")

    def _account(self, name: str, group: str, needs_mfa: bool, password: str) -> Any:
        return builder.person(
            username=name,
            email=f"{name}@{DEMO_DOMAIN}",
            group=group,
            password=password,
            first_name=name.title(),
            last_name="Demo",
            staff=group == ADMINISTRATOR_GROUP,
            totp_secret=DEMO_TOTP_SECRET if needs_mfa else "",
        )

    def _organisation(self, user: Any, name: str, br: str, size: str) -> Organisation:
        return builder.organisation(
            user=user,
            name=name,
            br_number=br,
            size_band=size,
            address="1 Queen's Road Central, Hong Kong",
            contact_email=user.email,
            contact_phone="+852 2123 4567",
        )

    def _panel(self, users: dict[str, Any]) -> list[MediatorProfile]:
        """The demo mediator and two more panel members (accounts that cannot sign in)."""
        people = [
            (users["mediator"], "Mia Mediator", ["en", "yue"], ["services", "tenancy"]),
            (self._panel_member("chan"), "Chan Tai-man", ["yue", "cmn"], ["sale_of_goods"]),
            (self._panel_member("wong"), "Wong Mei-ling", ["en", "yue", "cmn"], ["services", "travel"]),
        ]
        return [
            builder.mediator_on_panel(
                user=user,
                display_name=name,
                languages=languages,
                specialisms=specialisms,
                accreditation="HKMAAL accredited general mediator",
                bio="Commercial mediator on the centre's panel since 2020.",
            )
            for user, name, languages, specialisms in people
        ]

    def _panel_member(self, name: str) -> Any:
        return builder.person(
            username=f"panel-{name}",
            email=f"{name}@panel.{DEMO_DOMAIN}",
            group=MEDIATOR_GROUP,
            password=None,
            first_name=name.title(),
        )

    def _cases(self, users: dict[str, Any], password: str) -> None:
        # Each service commits on its own, so hooks (e.g. drafting an agreement) run as in real use.
        claimant, respondent = users["claimant"], users["respondent"]
        claimant_org = self._organisation(claimant, "Harbour Events Limited", "12345678", "small")
        respondent_org = self._organisation(respondent, "Kowloon Venue Company", "87654321", "micro")
        cast = _Cast(users, claimant_org, respondent_org, password)
        builder.case_draft(
            claimant=claimant,
            claimant_org=claimant_org,
            claim=_claim("18000.00", "Draft: catering deposit.", respondent="Lantau Catering"),
        )
        cast.filed("42000.00", "Deposit for a product launch in March 2022, not refunded after closure.")
        cast.responded(
            "125000.50",
            "Venue hire for a trade fair cancelled by the closure order.",
            counterclaim_amount=Decimal("8000.00"),
            counterclaim_text="Cleaning and set-up costs already incurred.",
        )
        cast.mediator = self._panel(users)[0]
        cast.mediating(cast.responded("64000.00", "Annual dinner cancelled; deposit withheld."), schedule=True)
        ranking = cast.responded("12500.00", "Shuttle bus hire for a cancelled corporate retreat.")
        builder.case_in_mediation(case=ranking, requested_by=respondent)
        self._mediation_failed(cast)
        self._arbitration(cast, "230000.00", "Exhibition stand booking for a show postponed twice.", awarded=False)
        settled = cast.responded("15000.00", "Seminar room booking refunded in part.")
        settled = builder.case_in_settlement(case=settled, amount=Decimal("9000.00"), terms="Refund within 14 days.")
        builder.case_settled(case=settled, password=password)
        signing = cast.responded("48000.00", "Conference catering cancelled at two days' notice.")
        builder.case_with_message(case=signing, author=claimant, body="We could accept a partial refund.")
        builder.case_in_settlement(case=signing, amount=Decimal("30000.00"), terms="Paid by 31 December.")
        builder.case_declined(
            case=cast.filed("9800.00", "Catering order for a cancelled wedding banquet."),
            respondent=respondent,
            respondent_org=respondent_org,
            reason="We prefer to go to the Small Claims Tribunal.",
        )
        withdrawn = cast.filed("5200.00", "Printing order for event banners.")
        builder.case_withdrawn(case=withdrawn, reason="Paid in full after filing.")
        self._arbitration(cast, "86000.00", "Trade show booth fees kept after the show was cancelled.", awarded=True)
        lapsed = cast.responded("22000.00", "Photography package for a postponed product launch.")
        builder.case_in_mediation(case=lapsed, requested_by=respondent)
        builder.case_expired(case=lapsed, reason="Mediation period ended.")
        builder.case_expired(case=cast.filed("31000.00", "Sound equipment hire."))  # no response came
        self._fees(users, cast.filed)
        self._deals(claimant, claimant_org, respondent, respondent_org, password, users["admin"])
        assert Case.objects.filter(created_by=claimant).exclude(status=CaseStatus.CLOSED).exists()

    def _deals(
        self, seller: Any, seller_org: Organisation, buyer: Any, buyer_org: Organisation, password: str, admin: Any
    ) -> None:
        """Deal-making between the same two businesses: one deal being negotiated (the buyer's price proposal
        awaits the seller), one whose text both marked final (its contract waits for their signatures, and the
        seller's deal-making fee for payment), one signed and sealed (in Chinese; the seller paid its fee by
        transfer), and one the buyer has not joined yet. The buyer, a micro enterprise, pays no fee."""
        email = buyer.email
        negotiating = builder.deal_started(initiator=seller, initiator_org=seller_org, counterparty_email=email)
        builder.deal_in_negotiation(deal=negotiating, counterparty=buyer, counterparty_org=buyer_org)
        proposal_make(
            deal=negotiating, user=buyer, target_kind="field", target_key="price", base_version=1, value="34500"
        )
        agreed = builder.deal_started(
            initiator=seller,
            initiator_org=seller_org,
            counterparty_email=email,
            title="Spring gala supplies",
            language="bilingual",
        )
        builder.deal_locked(
            deal=builder.deal_in_negotiation(deal=agreed, counterparty=buyer, counterparty_org=buyer_org)
        )
        signed = builder.deal_started(
            initiator=seller,
            initiator_org=seller_org,
            counterparty_email=email,
            title="新春酒會用品",
            language="zh-hant",
        )
        signed = builder.deal_in_negotiation(deal=signed, counterparty=buyer, counterparty_org=buyer_org)
        signed = builder.deal_fees_paid(deal=builder.deal_locked(deal=signed), administrator=admin)
        builder.deal_executed(deal=signed, password=password)
        builder.deal_started(
            initiator=seller,
            initiator_org=seller_org,
            counterparty_email=email,
            title="Stage lighting hire",
            template_key="supply-of-services",
            role_key="client",
            values=SERVICES_VALUES,
        )

    def _mediation_failed(self, cast: _Cast) -> None:
        """Mediation ends without (full) settlement and the respondent had not agreed to arbitration: two
        cases where it then declines it (they close), one where it may still agree, for a few days."""
        for result, facts in (
            (MediationResult.NOT_SETTLED, "Florist's deposit for a cancelled gala."),
            (MediationResult.PARTLY_SETTLED, "Audio-visual package for a postponed seminar."),
        ):
            partly = result == MediationResult.PARTLY_SETTLED
            ended = builder.case_mediation_ended(
                case=cast.mediating(cast.responded("33000.00", facts, arbitration=False)),
                result=result,
                amount=Decimal("10000.00") if partly else None,
                terms="The respondent refunds the cancellation fee." if partly else "",
            )
            arbitration_consent(case=ended, user=cast.users["respondent"], agree=False)
        undecided = cast.responded("41000.00", "Marquee hire for a cancelled garden party.", arbitration=False)
        builder.case_mediation_ended(case=cast.mediating(undecided), result=MediationResult.NOT_SETTLED)

    def _arbitration(self, cast: _Cast, amount: str, facts: str, *, awarded: bool) -> None:
        """Mediation fails; the demo arbitrator is appointed, signs the declaration, sets the timetable; the
        claim and defence are filed. ``awarded``: the replies too, and the sealed award issued."""
        case = builder.case_in_arbitration(case=cast.mediating(cast.responded(amount, facts)))
        profile = builder.arbitrator_on_panel(
            user=cast.users["arbitrator"],
            display_name="Arthur Lam",
            languages=["en", "yue"],
            specialisms=["services", "sale_of_goods"],
            accreditation="Fellow, Hong Kong Institute of Arbitrators",
            bio="Commercial arbitrator; documents-only arbitrations since 2015.",
        )
        case = builder.case_with_arbitrator(
            case=case, administrator=cast.users["admin"], arbitrator=profile, password=cast.password
        )
        case = builder.case_in_proceedings(case=case)
        case = builder.case_with_submissions(case=case, replies=awarded, statements=DEMO_STATEMENTS)
        if not awarded:
            return
        terms = AwardTerms(
            findings="The claimant paid the booth fees; the show was cancelled under the closure order.",
            reasons="The booking terms provide for a refund if the show does not go ahead for reasons "
            "outside the claimant's control. The respondent's set-up costs are not proved.",
            claim_awarded=Decimal("86000.00"),
            counterclaim_awarded=Decimal("0.00"),
            costs_amount=Decimal("0.00"),
            costs_payer_role="",
            net_amount=Decimal("86000.00"),
            net_payer_role="respondent",
            pay_by=timezone.localdate() + timedelta(days=14),
        )
        builder.case_awarded(case=case, terms=terms, password=cast.password)

    def _fees(self, users: dict[str, Any], filed: Callable[[str, str], Case]) -> None:
        """The scheme's fee (HK$200 a party) and its deal-making fee (free for micro enterprises, HK$500 a
        business otherwise, due when a deal's text is locked), then claims filed under it: one waiting for the
        claimant to pay, one paid by a bank transfer the administrator has yet to confirm, one paid and
        receipted."""
        from payments.models import Charge
        from payments.services.fees import fee_schedule_create
        from payments.services.payments import manual_payment_confirm, payment_execute, payment_start

        claimant, admin = users["claimant"], users["admin"]
        fee_schedule_create(
            actor=admin,
            name="COVID-19 ODR Scheme fees",
            effective_from=timezone.now(),
            registration_fee=Decimal("200.00"),
            mediation_fee=Decimal("0.00"),
            arbitration_fee=Decimal("0.00"),
            deal_fees={band: Decimal("500.00") for band in ("small", "medium", "large")},
        )
        filed("27500.00", "Hotel ballroom deposit for a cancelled conference (registration fee to pay).")
        declared = Charge.objects.get(
            case=filed("16800.00", "Stage lighting hire for a postponed concert (bank transfer declared).")
        )
        payment = payment_start(charge=declared, user=claimant, provider="manual")
        payment_execute(payment=payment, user=claimant, data={"reference": "HSBC FT 2611 0042"})
        paid = Charge.objects.get(case=filed("39000.00", "Exhibition booth rental at a cancelled trade show."))
        payment = payment_start(charge=paid, user=claimant, provider="manual")
        payment = payment_execute(payment=payment, user=claimant, data={"reference": "Cheque 004512"})
        manual_payment_confirm(payment=payment, actor=admin, amount_received=Decimal("200.00"))


SERVICES_VALUES = {
    "services": "Stage lighting design and operation for three evening events",
    "fee": "48000",
    "currency": "HKD",
    "start_date": "2027-02-01",
    "milestone_1": "Lighting plan approved",
    "milestone_1_date": "2027-02-15",
    "payment_date": "2027-03-31",
}


def _claim(amount: str, facts: str, *, respondent: str = "Kowloon Venue Company") -> builder.Claim:
    return builder.Claim(
        respondent_name=respondent,
        respondent_email=f"respondent@{DEMO_DOMAIN}",
        covid_impact="The venue closed under the 2022 social-distancing rules and the event was cancelled.",
        facts=facts,
        amount_claimed=Decimal(amount),
        remedy_sought="Refund of the deposit paid.",
    )


@dataclass
class _Cast:
    """The demo's people and businesses, and the stages most demo cases pass through."""

    users: dict[str, Any]
    claimant_org: Organisation
    respondent_org: Organisation
    password: str
    mediator: MediatorProfile | None = None  # the panel's first, once it exists

    def filed(self, amount: str, facts: str) -> Case:
        claimant = self.users["claimant"]
        return builder.case_filed(claimant=claimant, claimant_org=self.claimant_org, claim=_claim(amount, facts))

    def responded(self, amount: str, facts: str, *, arbitration: bool = True, **counterclaim: Any) -> Case:
        """In negotiation; ``arbitration``: the respondent agrees to arbitration should mediation fail."""
        return builder.case_in_negotiation(
            case=self.filed(amount, facts),
            respondent=self.users["respondent"],
            respondent_org=self.respondent_org,
            response_text="We offered to move the event to a later date.",
            consents_to_arbitration=arbitration,
            **counterclaim,
        )

    def mediating(self, case: Case, *, schedule: bool = False) -> Case:
        """To mediation, the mediator appointed by the administrator and accepting, the agreement to mediate
        signed; ``schedule``: the mediator proposes two times."""
        assert self.mediator is not None
        case = builder.case_in_mediation(case=case)
        case = builder.case_with_mediator(case=case, administrator=self.users["admin"], mediator=self.mediator)
        case = builder.case_mediation_agreed(case=case, password=self.password)
        if schedule:
            tomorrow = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=1)
            session_propose(
                case=case,
                user=self.users["mediator"],
                slots=[
                    (tomorrow, tomorrow + timedelta(hours=2)),
                    (tomorrow + timedelta(days=1), tomorrow + timedelta(days=1, hours=2)),
                ],
            )
        return case
