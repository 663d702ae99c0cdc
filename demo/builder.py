"""The case builder: a case put into any stage through the platform's own services, as its people would.

The tests' fixtures (``tests/conftest.py``), the demo's seeding (``seed_demo``) and the benches build their
cases here, so a change in how a stage is reached is made once. Each ``case_*`` function takes a case at
the stage before the one it names (``case_draft`` and ``case_filed`` start one) and the people who join the
case at that stage; everyone else who acts (the parties, the case's mediator or arbitrator) is read from the
case. Nothing here writes a status: the services do, with their audit entries and emails.

Each service commits on its own unless the caller holds a transaction (a test does): what a service leaves
for after the commit (emails, background renders, the settlement agreement's draft) then waits for that
commit. Documents are rendered and sealed here by calling the background tasks' bodies directly.

The negotiation room's services are imported on one line, so that a move of their module changes one line
here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value, yield_hotp_counters_from_time
from allauth.mfa.utils import decrypt, is_mfa_enabled
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache

from arbitration.models import ArbitratorProfile, StepKind, TimetableStep
from arbitration.services.appointment import appointment_accept, arbitrator_appoint
from arbitration.services.award import AwardTerms, award_draft_save
from arbitration.services.proceedings import submission_file, submission_save
from arbitration.services.timetable import default_dates, timetable_set
from cases.lifecycle import Action, case_transition
from cases.models import Case, NeutralRole, Organisation, PartyRole
from cases.services.filing import DRAFT_STEP_FIELDS, claim_draft_start, claim_draft_update, claim_file
from cases.services.invitations import invitation_send
from cases.services.organisations import organisation_create
from cases.services.responses import case_decline, case_respond, case_withdraw
from deals.fees import live_deal_charges
from deals.models import Deal, DealTemplate, TemplateStatus
from deals.services.agreement import deal_mark_final
from deals.services.disputes import deal_dispute_open
from deals.services.signing import deal_sign, execute_contract, render_contract_draft
from deals.services.starting import deal_invitation_send, deal_join, deal_start
from deals.services.templates import first_templates_publish
from documents.models import IssuedDocument, IssuedKind
from documents.services import agreement_sign, current_draft, execute_agreement, render_draft
from mediation.models import MediationResult, MediationSession, MediatorProfile
from mediation.services.appointment import appointment_respond, mediator_appoint
from mediation.services.sessions import outcome_record, session_open
from negotiation.services import escalation, messages, offers
from payments.models import ChargeStatus
from payments.services.payments import manual_payment_confirm, payment_execute, payment_start

if TYPE_CHECKING:
    from django.contrib.auth.models import User


# --- People -----------------------------------------------------------------------------------------------


def person(
    *,
    username: str,
    email: str,
    group: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    staff: bool = False,
    totp_secret: str = "",
) -> User:
    """Someone in ``group`` who signs in with ``password`` (None: who cannot sign in), their address verified,
    with two-factor sign-in from ``totp_secret`` if given. Made once: called again, it updates the account
    (and keeps its authenticator)."""
    user, _created = get_user_model().objects.get_or_create(username=username, defaults={"email": email})
    user.email, user.first_name, user.last_name, user.is_staff = email, first_name, last_name, staff
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=group))
    if password is not None:  # someone who cannot sign in has no address to verify
        EmailAddress.objects.update_or_create(user=user, primary=True, defaults={"email": email, "verified": True})
    if totp_secret and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, totp_secret)
    return user


# Signing checks the password before the code: a code from the last seconds of its period would be out of
# date by then with a slow password hasher (the demo's), so a code is given only with this much time left.
TOTP_MARGIN_SECONDS = 3.0


def totp_code(user: User) -> str:
    """The person's current two-factor code, as their authenticator app shows it. A code is accepted once
    per period; so that one period may see two signatures, the mark of its use is cleared."""
    left = mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD
    if left < TOTP_MARGIN_SECONDS:
        time.sleep(left + 0.1)
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    counter = next(iter(yield_hotp_counters_from_time()))
    code = format_hotp_value(hotp_value(decrypt(authenticator.data["secret"]), counter))
    cache.delete(f"allauth.mfa.totp.used?user={user.pk}&code={code}")
    return str(code)


def organisation(
    *,
    user: User,
    name: str,
    hk: bool = True,
    br_number: str | None = None,
    size_band: str = "small",
    address: str = "1 Queen's Road Central",
    contact_email: str = "",
    contact_phone: str = "",
) -> Organisation:
    """``user``'s business (made once: the business of that name they already belong to is kept). A business
    registered in Hong Kong has a BR number; the contact address is ``office@<first word>.example`` unless
    given."""
    existing = Organisation.objects.filter(name=name, memberships__user=user).first()
    return existing or organisation_create(
        user=user,
        name=name,
        is_hk_registered=hk,
        br_number=("12345678" if hk else "") if br_number is None else br_number,
        size_band=size_band,
        address=address,
        contact_email=contact_email or f"office@{name.split()[0].lower()}.example",
        contact_phone=contact_phone,
    )


# A panel profile is kept by case administrators through a form (no service); these write it directly.
PANEL_DEFAULTS: dict[str, Any] = {
    "languages": ["en"],
    "specialisms": ["services"],
    "accreditation": "Accredited",
    "bio": "Neutral.",
}


def mediator_on_panel(*, user: User, display_name: str, **profile: Any) -> MediatorProfile:
    """``user`` on the mediator panel (made once); ``profile``: languages, specialisms, accreditation, bio."""
    mediator, _created = MediatorProfile.objects.get_or_create(
        user=user, defaults={**PANEL_DEFAULTS, **profile, "display_name": display_name}
    )
    return mediator


def arbitrator_on_panel(*, user: User, display_name: str, **profile: Any) -> ArbitratorProfile:
    """``user`` on the arbitrator panel (made once); ``profile`` as for ``mediator_on_panel``."""
    arbitrator, _created = ArbitratorProfile.objects.get_or_create(
        user=user, defaults={**PANEL_DEFAULTS, **profile, "display_name": display_name}
    )
    return arbitrator


def _party(case: Case, role: str) -> User:
    return case.parties.select_related("user").get(role=role).user


def _neutral(case: Case, role: str) -> User:
    return case.assignments.select_related("user").get(role=role, active=True).user


def _full_name(user: User) -> str:
    return user.get_full_name() or user.username


# --- Filing and the respondent's answer ------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """What the claimant types into the filing form's steps."""

    respondent_name: str = "Bravo Services Limited"
    respondent_email: str = "bob@example.com"
    respondent_is_hk: bool = True
    category: str = "services"
    covid_related: bool = True
    covid_impact: str = "Event cancelled by closure order."
    facts: str = "Deposit paid, event cancelled."
    amount_claimed: Decimal = Decimal("12345.67")
    remedy_sought: str = "Refund of the deposit."


def case_draft(*, claimant: User, claimant_org: Organisation, claim: Claim = Claim()) -> Case:
    """A claim drafted through every step of the filing form, not yet filed."""
    case = claim_draft_start(user=claimant, organisation=claimant_org)
    for step, fields in DRAFT_STEP_FIELDS.items():
        if fields:
            values = {name: getattr(claim, name) for name in sorted(fields)}
            claim_draft_update(case=case, user=claimant, step=step, values=values)
    case.refresh_from_db()  # each step saved a locked copy
    return case


def case_filed(
    *, claimant: User, claimant_org: Organisation, claim: Claim = Claim(), consents_to_arbitration: bool = True
) -> Case:
    """A claim filed: the respondent is invited (or, under a registration fee, once it is paid)."""
    case = case_draft(claimant=claimant, claimant_org=claimant_org, claim=claim)
    return claim_file(case=case, user=claimant, terms_accepted=True, consents_to_arbitration=consents_to_arbitration)


def invitation_token(*, case: Case) -> str:
    """The claimant sends the invitation again: its new link's token (the earlier link no longer works)."""
    return invitation_send(case=case, actor=_party(case, PartyRole.CLAIMANT))


def case_in_negotiation(
    *,
    case: Case,
    respondent: User,
    respondent_org: Organisation,
    token: str = "",
    response_text: str = "We dispute the amount.",
    consents_to_arbitration: bool = True,
    counterclaim_amount: Decimal | None = None,
    counterclaim_text: str = "",
) -> Case:
    """The respondent answers the filed claim through its invitation (``token``, else one sent now) for
    ``respondent_org``, accepting the terms: the case is in negotiation (or waits for a registration fee)."""
    return case_respond(
        token=token or invitation_token(case=case),
        user=respondent,
        organisation=respondent_org,
        terms_accepted=True,
        consents_to_arbitration=consents_to_arbitration,
        response_text=response_text,
        counterclaim_amount=counterclaim_amount,
        counterclaim_text=counterclaim_text,
    )


def case_declined(*, case: Case, respondent: User, respondent_org: Organisation, reason: str) -> Case:
    """The respondent follows a new invitation and declines online dispute resolution: the case closes."""
    return case_decline(token=invitation_token(case=case), user=respondent, organisation=respondent_org, reason=reason)


def case_withdrawn(*, case: Case, reason: str) -> Case:
    """The claimant withdraws the claim: the case closes."""
    return case_withdraw(case=case, user=_party(case, PartyRole.CLAIMANT), reason=reason)


def case_expired(*, case: Case, reason: str = "") -> Case:
    """The case's stage ran out and the platform closes it, as the deadline sweep would once its deadline
    passed (the sweep takes every overdue case at once; this closes this one, whatever its deadline)."""
    return case_transition(case=case, action=Action.EXPIRE, actor=None, reason=reason)


# --- Negotiation and settlement ---------------------------------------------------------------------------


def case_with_message(*, case: Case, author: User, body: str) -> Case:
    """A party writes in the negotiation room."""
    messages.message_post(case=case, user=author, body=body)
    return case


def case_in_settlement(*, case: Case, amount: Decimal, terms: str) -> Case:
    """The respondent offers ``amount`` on ``terms`` and the claimant accepts: terms agreed, the case is in
    settlement. The documents app drafts the settlement agreement after the commit."""
    offer = offers.offer_make(case=case, user=_party(case, PartyRole.RESPONDENT), amount=amount, terms=terms)
    offers.offer_accept(case=case, user=_party(case, PartyRole.CLAIMANT), offer_id=offer.pk)
    case.refresh_from_db()
    return case


def _sign(document: IssuedDocument, user: User, password: str, full_name: str, *, two_factor: bool) -> None:
    code = totp_code(user) if two_factor else ""
    agreement_sign(document=document, user=user, password=password, full_name=full_name, consent=True, totp_code=code)


def _signed_by_parties(case: Case, kind: str, password: str) -> IssuedDocument:
    """The draft of ``kind`` rendered, then signed by both parties (their password is ``password``)."""
    draft = current_draft(case, kind)
    if draft is None:
        raise LookupError(
            f"Case {case.pk} has no draft {kind}: a settlement agreement is drafted after the commit of the "
            "agreed terms (inside a test's transaction, run the on-commit callbacks around case_in_settlement)."
        )
    draft = render_draft(document_id=draft.pk)
    for role in (PartyRole.CLAIMANT, PartyRole.RESPONDENT):
        user = _party(case, role)
        _sign(draft, user, password, _full_name(user), two_factor=False)
    return draft


def case_settled(*, case: Case, password: str) -> Case:
    """Both parties sign the settlement agreement and it is sealed: the case closes as settled."""
    execute_agreement(document_id=_signed_by_parties(case, IssuedKind.SETTLEMENT_AGREEMENT, password).pk)
    case.refresh_from_db()
    return case


# --- Mediation --------------------------------------------------------------------------------------------


def case_in_mediation(*, case: Case, requested_by: User | None = None) -> Case:
    """A party (the claimant unless said) takes the case from negotiation to mediation, where the parties
    rank the panel (or, under a mediation fee, the move waits for it)."""
    escalation.mediation_request(case=case, user=requested_by or _party(case, PartyRole.CLAIMANT))
    case.refresh_from_db()
    return case


def case_with_mediator(*, case: Case, administrator: User, mediator: MediatorProfile) -> Case:
    """A case administrator appoints ``mediator``, who accepts, declaring no conflict: the agreement to
    mediate is drafted."""
    appointment = mediator_appoint(case=case, actor=administrator, mediator=mediator)
    appointment_respond(appointment=appointment, user=mediator.user, accept=True, no_conflict=True)
    case.refresh_from_db()
    return case


def case_mediation_agreed(*, case: Case, password: str) -> Case:
    """Both parties sign the agreement to mediate (rendered first): sessions may be held."""
    _signed_by_parties(case, IssuedKind.AGREEMENT_TO_MEDIATE, password)
    return case


def mediation_session_live(*, case: Case) -> MediationSession:
    """The case's mediator opens a video session now; the parties may join it."""
    return session_open(case=case, user=_neutral(case, NeutralRole.MEDIATOR))


def case_mediation_ended(*, case: Case, result: str, amount: Decimal | None = None, terms: str = "") -> Case:
    """The mediator records how mediation ended (``result``, a ``MediationResult``; ``amount`` and
    ``terms`` for a settlement). Unsettled: to arbitration if both parties agreed to it, else the case waits
    for their answer."""
    outcome_record(case=case, user=_neutral(case, NeutralRole.MEDIATOR), result=result, amount=amount, terms=terms)
    case.refresh_from_db()
    return case


def case_in_arbitration(*, case: Case) -> Case:
    """Mediation ended unsettled and both parties had agreed to arbitration: the parties rank the panel."""
    return case_mediation_ended(case=case, result=MediationResult.NOT_SETTLED)


# --- Arbitration ------------------------------------------------------------------------------------------


def _sealed_by(case: Case, kind: str, arbitrator: ArbitratorProfile, password: str) -> None:
    """The arbitrator's draft of ``kind`` rendered, signed with their password and two-factor code, sealed."""
    draft = current_draft(case, kind)
    if draft is None:
        raise LookupError(f"Case {case.pk} has no draft {kind}.")
    draft = render_draft(document_id=draft.pk)
    _sign(draft, arbitrator.user, password, arbitrator.display_name, two_factor=True)
    execute_agreement(document_id=draft.pk)


def case_with_arbitrator(*, case: Case, administrator: User, arbitrator: ArbitratorProfile, password: str) -> Case:
    """A case administrator appoints ``arbitrator``, who declares independence and signs the declaration;
    sealed, it makes the appointment."""
    appointment = arbitrator_appoint(case=case, actor=administrator, arbitrator=arbitrator)
    appointment_accept(appointment=appointment, user=arbitrator.user, independent=True)
    _sealed_by(case, IssuedKind.DECLARATION_OF_INDEPENDENCE, arbitrator, password)
    case.refresh_from_db()
    return case


def case_in_proceedings(*, case: Case) -> Case:
    """The arbitrator sets the Centre's default timetable: the parties' written submissions are open."""
    dates = default_dates()
    timetable_set(
        case=case,
        user=_neutral(case, NeutralRole.ARBITRATOR),
        claim_due=dates["claim_due"],
        defence_due=dates["defence_due"],
        reply_due=dates["reply_due"],
    )
    case.refresh_from_db()
    return case


STATEMENTS: dict[str, str] = {
    StepKind.CLAIM: "Our claim.",
    StepKind.DEFENCE: "Our defence.",
    StepKind.REPLY: "Our reply.",
}


def case_with_submissions(*, case: Case, replies: bool = False, statements: Mapping[str, str] = STATEMENTS) -> Case:
    """The claimant files the statement of claim and the respondent the defence, each the text of its kind
    in ``statements``; ``replies``: both replies too, so every submission is in and the award may be made."""
    steps = [(StepKind.CLAIM, PartyRole.CLAIMANT), (StepKind.DEFENCE, PartyRole.RESPONDENT)]
    if replies:
        steps += [(StepKind.REPLY, PartyRole.CLAIMANT), (StepKind.REPLY, PartyRole.RESPONDENT)]
    for kind, role in steps:
        step = TimetableStep.objects.get(case=case, kind=kind, party_role=role)
        user = _party(case, role)
        submission_save(case=case, user=user, step=step, statement=statements[kind])
        submission_file(case=case, user=user, step=step)
    case.refresh_from_db()
    return case


def case_awarded(*, case: Case, terms: AwardTerms, password: str) -> Case:
    """The arbitrator drafts the award on ``terms``, signs it and it is sealed: the case closes with the
    award issued. Every submission must be filed or its time up."""
    arbitrator = _neutral(case, NeutralRole.ARBITRATOR).arbitrator_profile
    award_draft_save(case=case, user=arbitrator.user, terms=terms)
    _sealed_by(case, IssuedKind.ARBITRAL_AWARD, arbitrator, password)
    case.refresh_from_db()
    return case


# --- Deals ------------------------------------------------------------------------------------------------

# The particulars of a sale of goods, as a seller would fill them in.
SALE_VALUES: Mapping[str, str] = {
    "goods": "20,000 surgical masks, EN 14683 type IIR, boxes of 50",
    "quantity": "400 boxes",
    "price": "36000",
    "currency": "HKD",
    "delivery_place": "Unit 5, 8 Kwai Fung Crescent, Kwai Chung",
    "delivery_date": "2027-01-15",
    "deposit": "10000",
    "deposit_date": "2026-12-20",
    "balance": "26000",
    "balance_date": "2027-01-31",
}


def deal_started(
    *,
    initiator: User,
    initiator_org: Organisation,
    counterparty_email: str,
    template_key: str = "sale-of-goods",
    role_key: str = "seller",
    title: str = "Masks for the winter season",
    language: str = "en",
    values: Mapping[str, str] = SALE_VALUES,
) -> Deal:
    """A deal started from the offered version of ``template_key``, the other business invited."""
    first_templates_publish()
    template = DealTemplate.objects.get(key=template_key, status=TemplateStatus.PUBLISHED)
    return deal_start(
        user=initiator,
        organisation=initiator_org,
        template=template,
        role_key=role_key,
        title=title,
        language=language,
        values=dict(values),
        counterparty_email=counterparty_email,
    )


def deal_invitation_token(*, deal: Deal) -> str:
    """The initiator invites the other business again: the new link's token (the earlier one stops working)."""
    last = deal.invitations.order_by("-created_at").first()
    assert last is not None
    return deal_invitation_send(deal=deal, email=last.email, actor=deal.created_by)


def deal_in_negotiation(*, deal: Deal, counterparty: User, counterparty_org: Organisation, token: str = "") -> Deal:
    """The invited business joins through its link (``token``, else one sent now)."""
    deal_join(token=token or deal_invitation_token(deal=deal), user=counterparty, organisation=counterparty_org)
    deal.refresh_from_db()
    return deal


def deal_locked(*, deal: Deal) -> Deal:
    """Both businesses mark the current version final: the text is locked for signing."""
    deal.refresh_from_db()  # the version on the table now, whatever the caller's copy says
    for party in deal.parties.select_related("user"):
        deal_mark_final(deal=deal, user=party.user, version=deal.current_version)
    deal.refresh_from_db()
    return deal


def deal_fees_paid(*, deal: Deal, administrator: User) -> Deal:
    """Each business's deal-making fee still due on the locked deal paid by bank transfer: its person
    declares the transfer and ``administrator`` confirms that it arrived (the tests pay by card on the pages)."""
    for charge in live_deal_charges(deal).filter(status=ChargeStatus.DUE).select_related("payer"):
        payment = payment_start(charge=charge, user=charge.payer, provider="manual")
        payment = payment_execute(payment=payment, user=charge.payer, data={"reference": f"FT {charge.pk:06d}"})
        manual_payment_confirm(payment=payment, actor=administrator, amount_received=charge.amount_due)
    return deal


def deal_disputed(*, deal: Deal, claimant: User, claim: Claim = Claim()) -> Case:
    """A dispute about the executed ``deal`` opened in one step by ``claimant``'s business (the claim drafted
    from the contract), what the draft still lacks typed in from ``claim``, and filed."""
    case = deal_dispute_open(deal=deal, user=claimant)
    for step, fields in DRAFT_STEP_FIELDS.items():
        # The contract names the other business (step 1); it cannot answer the COVID-19 questions, nor give
        # the sum unless an obligation names it.
        if step == 1:
            continue
        missing = {name: getattr(claim, name) for name in sorted(fields) if getattr(case, name) in ("", None, False)}
        if missing:
            case = claim_draft_update(case=case, user=claimant, step=step, values=missing)
    return claim_file(case=case, user=claimant, terms_accepted=True, consents_to_arbitration=True)


def deal_signed(*, deal: Deal, password: str) -> Deal:
    """The locked deal's contract rendered, then signed for both businesses by their people (whose password
    is ``password``; with their two-factor code where they have one). The execution waits: ``deal_executed``."""
    render_contract_draft(deal_id=deal.pk)
    for party in deal.parties.select_related("user").order_by("joined_at"):
        user = party.user
        code = totp_code(user) if is_mfa_enabled(user) else ""
        deal_sign(deal=deal, user=user, password=password, full_name=_full_name(user), consent=True, totp_code=code)
    deal.refresh_from_db()
    return deal


def deal_executed(*, deal: Deal, password: str) -> Deal:
    """Both businesses sign the locked deal's contract and it is sealed: the deal is executed."""
    execute_contract(deal_id=deal_signed(deal=deal, password=password).pk)
    deal.refresh_from_db()
    return deal
