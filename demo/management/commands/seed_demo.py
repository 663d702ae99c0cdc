"""Demo accounts (one per role) and cases in every stage, so a newcomer can click around at once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cases.lifecycle import Action, case_transition
from cases.models import Case, CaseStatus, Organisation
from cases.roles_setup import ADMINISTRATOR_GROUP, ARBITRATOR_GROUP, MEDIATOR_GROUP, PARTY_GROUP
from cases.services.arbitration_entry import arbitration_consent
from cases.services.filing import claim_draft_start, claim_draft_update, claim_file
from cases.services.invitations import invitation_send
from cases.services.organisations import organisation_create
from cases.services.responses import case_decline, case_respond, case_withdraw
from mediation.services.sessions import outcome_record
from negotiation.services.escalation import mediation_request
from negotiation.services.messages import message_post
from negotiation.services.offers import offer_accept, offer_make

DEMO_DOMAIN = "demo.odr.hk"
# A fixed base32 secret so the demo's two-factor codes can be shown by `manage.py demo_totp`.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

DEMO_STATEMENTS = {
    "claim": "We paid the fees in full. The event was cancelled by the closure order; we ask for a full refund.",
    "defence": "We had already incurred set-up costs and our terms say fees are not refundable.",
    "reply": "We stand by our statement.",
}


def demo_totp_code(user: Any) -> str:
    """The demo accounts' current two-factor code (the seed signs as the arbitrator). Each code is accepted
    once per period: the seed signs twice within one, so it clears the mark first. Checking the password
    takes a moment, so a code from the last seconds of its period would have expired: wait for the next."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
    from django.core.cache import cache

    left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if left < 3:
        time.sleep(left + 0.1)
    code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, next(iter(yield_hotp_counters_from_time()))))
    cache.delete(f"allauth.mfa.totp.used?user={user.pk}&code={code}")
    return code


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
        User = get_user_model()
        email = f"{name}@{DEMO_DOMAIN}"
        user, _created = User.objects.get_or_create(username=name, defaults={"email": email})
        user.email = email
        user.first_name = name.title()
        user.last_name = "Demo"
        user.is_staff = group == ADMINISTRATOR_GROUP
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=group))
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        if needs_mfa and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
        return user

    def _organisation(self, user: Any, name: str, br: str, size: str) -> Organisation:
        existing = Organisation.objects.filter(name=name, memberships__user=user).first()
        return existing or organisation_create(
            user=user,
            name=name,
            is_hk_registered=True,
            br_number=br,
            size_band=size,
            address="1 Queen's Road Central, Hong Kong",
            contact_email=user.email,
            contact_phone="+852 2123 4567",
        )

    def _draft(self, claimant: Any, org: Organisation, *, respondent: str, amount: str, facts: str) -> Case:
        case = claim_draft_start(user=claimant, organisation=org)
        claim_draft_update(
            case=case,
            user=claimant,
            step=1,
            values={
                "respondent_name": respondent,
                "respondent_email": f"respondent@{DEMO_DOMAIN}",
                "respondent_is_hk": True,
            },
        )
        claim_draft_update(
            case=case,
            user=claimant,
            step=2,
            values={
                "category": "services",
                "covid_related": True,
                "covid_impact": "The venue closed under the 2022 social-distancing rules and the event was cancelled.",
                "facts": facts,
            },
        )
        claim_draft_update(
            case=case,
            user=claimant,
            step=3,
            values={"amount_claimed": Decimal(amount), "remedy_sought": "Refund of the deposit paid."},
        )
        return case

    def _panel(self, users: dict[str, Any]) -> list[Any]:
        """The demo mediator and two more panel members (accounts that cannot sign in)."""
        from mediation.models import MediatorProfile

        people = [
            (users["mediator"], "Mia Mediator", ["en", "yue"], ["services", "tenancy"]),
            (self._panel_member("chan"), "Chan Tai-man", ["yue", "cmn"], ["sale_of_goods"]),
            (self._panel_member("wong"), "Wong Mei-ling", ["en", "yue", "cmn"], ["services", "travel"]),
        ]
        return [
            MediatorProfile.objects.get_or_create(
                user=user,
                defaults={
                    "display_name": name,
                    "languages": languages,
                    "specialisms": specialisms,
                    "accreditation": "HKMAAL accredited general mediator",
                    "bio": "Commercial mediator on the centre's panel since 2020.",
                },
            )[0]
            for user, name, languages, specialisms in people
        ]

    def _panel_member(self, name: str) -> Any:
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=f"panel-{name}", defaults={"email": f"{name}@panel.{DEMO_DOMAIN}", "first_name": name.title()}
        )
        if created:
            user.set_unusable_password()
            user.save()
            user.groups.add(Group.objects.get(name=MEDIATOR_GROUP))
        return user

    def _mediation(
        self, case: Case, users: dict[str, Any], mediator: Any, password: str, *, schedule: bool = True
    ) -> None:
        """To mediation, the mediator appointed by the administrator and accepting; times proposed."""
        from mediation.services.appointment import appointment_respond, mediator_appoint
        from mediation.services.sessions import session_propose

        mediation_request(case=case, user=users["claimant"])
        appointment = mediator_appoint(case=case, actor=users["admin"], mediator=mediator)
        appointment_respond(appointment=appointment, user=users["mediator"], accept=True, no_conflict=True)
        from documents.models import IssuedKind
        from documents.services import agreement_sign, current_draft, render_draft

        draft = current_draft(case, IssuedKind.AGREEMENT_TO_MEDIATE)
        assert draft is not None
        draft = render_draft(document_id=draft.pk)
        for user in (users["claimant"], users["respondent"]):
            agreement_sign(document=draft, user=user, password=password, full_name=user.get_full_name(), consent=True)
        if schedule:
            tomorrow = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=1)
            session_propose(
                case=case,
                user=users["mediator"],
                slots=[
                    (tomorrow, tomorrow + timedelta(hours=2)),
                    (tomorrow + timedelta(days=1), tomorrow + timedelta(days=1, hours=2)),
                ],
            )

    def _arbitration(self, case: Case, users: dict[str, Any], mediator: Any, password: str, *, awarded: bool) -> None:
        """Mediation fails; the demo arbitrator is appointed, signs the declaration, sets the timetable; the
        claim is filed. ``awarded``: every submission is filed and the sealed award issued."""
        from arbitration.models import ArbitratorProfile, StepKind, TimetableStep
        from arbitration.services import proceedings
        from arbitration.services.appointment import appointment_accept, arbitrator_appoint
        from arbitration.services.award import AwardTerms, award_draft_save
        from arbitration.services.timetable import default_dates, timetable_set
        from documents.models import IssuedDocument, IssuedKind
        from documents.services import agreement_sign, execute_agreement, render_draft

        arbitrator = users["arbitrator"]
        self._mediation(case, users, mediator, password, schedule=False)
        outcome_record(case=case, user=users["mediator"], result="not_settled")
        profile, _created = ArbitratorProfile.objects.get_or_create(
            user=arbitrator,
            defaults={
                "display_name": "Arthur Lam",
                "languages": ["en", "yue"],
                "specialisms": ["services", "sale_of_goods"],
                "accreditation": "Fellow, Hong Kong Institute of Arbitrators",
                "bio": "Commercial arbitrator; documents-only arbitrations since 2015.",
            },
        )
        appointment = arbitrator_appoint(case=case, actor=users["admin"], arbitrator=profile)
        appointment_accept(appointment=appointment, user=arbitrator, independent=True)

        def sign(kind: str) -> None:
            draft = IssuedDocument.objects.get(case=case, kind=kind, status="draft")
            draft = render_draft(document_id=draft.pk)
            agreement_sign(
                document=draft,
                user=arbitrator,
                password=password,
                full_name="Arthur Lam",
                consent=True,
                totp_code=demo_totp_code(arbitrator),
            )
            execute_agreement(document_id=draft.pk)

        sign(IssuedKind.DECLARATION_OF_INDEPENDENCE)
        dates = default_dates()
        timetable_set(
            case=case,
            user=arbitrator,
            claim_due=dates["claim_due"],
            defence_due=dates["defence_due"],
            reply_due=dates["reply_due"],
        )
        claimant, respondent = users["claimant"], users["respondent"]
        steps = [(StepKind.CLAIM, claimant), (StepKind.DEFENCE, respondent)]
        if awarded:
            steps += [(StepKind.REPLY, claimant), (StepKind.REPLY, respondent)]
        for kind, user in steps:
            step = TimetableStep.objects.get(case=case, kind=kind, party_role=case.parties.get(user=user).role)
            proceedings.submission_save(case=case, user=user, step=step, statement=DEMO_STATEMENTS[kind], amount=None)
            proceedings.submission_file(case=case, user=user, step=step)
        if not awarded:
            return
        award_draft_save(
            case=case,
            user=arbitrator,
            terms=AwardTerms(
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
            ),
        )
        sign(IssuedKind.ARBITRAL_AWARD)

    def _sign_agreement(self, case: Case, signatories: list[Any], password: str) -> None:
        """Both parties sign the drafted agreement; the sealed copy closes the case as settled."""
        from documents.services import agreement_sign, current_draft, execute_agreement, render_draft

        draft = current_draft(case)
        assert draft is not None
        draft = render_draft(document_id=draft.pk)
        for user in signatories:
            agreement_sign(document=draft, user=user, password=password, full_name=user.get_full_name(), consent=True)
        execute_agreement(document_id=draft.pk)

    def _cases(self, users: dict[str, Any], password: str) -> None:
        # Each service commits on its own, so hooks (e.g. drafting an agreement) run as in real use.
        claimant, respondent = users["claimant"], users["respondent"]
        claimant_org = self._organisation(claimant, "Harbour Events Limited", "12345678", "small")
        respondent_org = self._organisation(respondent, "Kowloon Venue Company", "87654321", "micro")

        def filed(amount: str, facts: str) -> Case:
            case = self._draft(claimant, claimant_org, respondent="Kowloon Venue Company", amount=amount, facts=facts)
            claim_file(case=case, user=claimant, terms_accepted=True, consents_to_arbitration=True)
            return case

        def responded(amount: str, facts: str, *, arbitration: bool = True, **extra: Any) -> Case:
            case = filed(amount, facts)
            token = invitation_send(case=case, actor=claimant)
            return case_respond(
                token=token,
                user=respondent,
                organisation=respondent_org,
                terms_accepted=True,
                consents_to_arbitration=arbitration,
                response_text="We offered to move the event to a later date.",
                **extra,
            )

        self._draft(
            claimant, claimant_org, respondent="Lantau Catering", amount="18000.00", facts="Draft: catering deposit."
        )
        filed("42000.00", "Deposit for a product launch in March 2022, not refunded after closure.")
        responded(
            "125000.50",
            "Venue hire for a trade fair cancelled by the closure order.",
            counterclaim_amount=Decimal("8000.00"),
            counterclaim_text="Cleaning and set-up costs already incurred.",
        )
        panel = self._panel(users)
        in_mediation = responded("64000.00", "Annual dinner cancelled; deposit withheld.")
        self._mediation(in_mediation, users, panel[0], password)
        ranking = responded("12500.00", "Shuttle bus hire for a cancelled corporate retreat.")
        mediation_request(case=ranking, user=respondent)
        for result, facts in (
            ("not_settled", "Florist's deposit for a cancelled gala."),
            ("partly_settled", "Audio-visual package for a postponed seminar."),
        ):
            ended = responded("33000.00", facts, arbitration=False)
            self._mediation(ended, users, panel[0], password, schedule=False)
            outcome_record(
                case=ended,
                user=users["mediator"],
                result=result,
                amount=Decimal("10000.00") if result == "partly_settled" else None,
                terms="The respondent refunds the cancellation fee." if result == "partly_settled" else "",
            )
            arbitration_consent(case=ended, user=respondent, agree=False)
        # Mediation failed and the respondent had not agreed to arbitration: it may still, for a few days.
        undecided = responded("41000.00", "Marquee hire for a cancelled garden party.", arbitration=False)
        self._mediation(undecided, users, panel[0], password, schedule=False)
        outcome_record(case=undecided, user=users["mediator"], result="not_settled")
        in_arbitration = responded("230000.00", "Exhibition stand booking for a show postponed twice.")
        self._arbitration(in_arbitration, users, panel[0], password, awarded=False)
        settled = responded("15000.00", "Seminar room booking refunded in part.")
        offer = offer_make(case=settled, user=respondent, amount=Decimal("9000.00"), terms="Refund within 14 days.")
        offer_accept(case=settled, user=claimant, offer_id=offer.pk)
        self._sign_agreement(settled, [claimant, respondent], password)
        signing = responded("48000.00", "Conference catering cancelled at two days' notice.")
        message_post(case=signing, user=claimant, body="We could accept a partial refund.")
        offer = offer_make(case=signing, user=respondent, amount=Decimal("30000.00"), terms="Paid by 31 December.")
        offer_accept(case=signing, user=claimant, offer_id=offer.pk)
        declined = filed("9800.00", "Catering order for a cancelled wedding banquet.")
        case_decline(
            token=invitation_send(case=declined, actor=claimant),
            user=respondent,
            organisation=respondent_org,
            reason="We prefer to go to the Small Claims Tribunal.",
        )
        withdrawn = filed("5200.00", "Printing order for event banners.")
        case_withdraw(case=withdrawn, user=claimant, reason="Paid in full after filing.")
        awarded = responded("86000.00", "Trade show booth fees kept after the show was cancelled.")
        self._arbitration(awarded, users, panel[0], password, awarded=True)
        lapsed = responded("22000.00", "Photography package for a postponed product launch.")
        case_transition(case=lapsed, action=Action.ESCALATE_TO_MEDIATION, actor=respondent)
        case_transition(case=lapsed, action=Action.EXPIRE, actor=None, reason="Mediation period ended.")
        no_response = filed("31000.00", "Sound equipment hire.")
        Case.objects.filter(pk=no_response.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
        case_transition(case=no_response, action=Action.EXPIRE, actor=None)
        self._fees(users, filed)
        assert Case.objects.filter(created_by=claimant).exclude(status=CaseStatus.CLOSED).exists()

    def _fees(self, users: dict[str, Any], filed: Any) -> None:
        """The scheme's fee (HK$200 a party), then claims filed under it: one waiting for the claimant to
        pay, one paid by a bank transfer the administrator has yet to confirm, one paid and receipted."""
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
