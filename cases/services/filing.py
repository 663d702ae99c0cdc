"""The claimant's side of commencement: a draft kept step by step, then filed in one transaction."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.access import may_file
from cases.audit import SYSTEM, RequestMeta, log_action
from cases.eligibility import check_eligibility
from cases.languages import joining_language
from cases.lifecycle import Action, case_transition
from cases.models import Case, CaseParty, CaseStatus, Membership, Organisation, PartyRole, ReferenceCounter
from cases.services import ServiceError
from cases.services.stages import stage_advance

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TERMS_VERSION = "2026-11"

# What each step of the filing form may change on the draft.
DRAFT_STEP_FIELDS: dict[int, frozenset[str]] = {
    1: frozenset({"respondent_name", "respondent_email", "respondent_is_hk"}),
    2: frozenset({"category", "covid_related", "covid_impact", "facts"}),
    3: frozenset({"amount_claimed", "remedy_sought"}),
    4: frozenset(),
}
REQUIRED_FOR_FILING = (
    "respondent_name",
    "respondent_email",
    "category",
    "covid_impact",
    "facts",
    "amount_claimed",
    "remedy_sought",
)


def _check_member(user: User, organisation: Organisation) -> None:
    if not Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ServiceError(_("You can only act for an organisation you belong to."), field="organisation")


def respondent_email_belongs_to_claimant(*, email: str, claimant: CaseParty) -> bool:
    email = email.strip().lower()
    if email == (claimant.user.email or "").lower() or email == claimant.organisation.contact_email.lower():
        return True
    return Membership.objects.filter(organisation=claimant.organisation, user__email__iexact=email).exists()


@transaction.atomic
def claim_draft_start(
    *, user: User, organisation: Organisation, respondent_consent: str = "", meta: RequestMeta = SYSTEM
) -> Case:
    """A draft claim for ``organisation``. ``respondent_consent``: where the respondent agreed beforehand to
    resolve the dispute here (a contract's ODR clause), what that agreement is (``Case.respondent_consent``)."""
    if not may_file(user):
        raise ServiceError(_("This account cannot file disputes."))
    _check_member(user, organisation)
    case = Case.objects.create(created_by=user, respondent_consent=respondent_consent.strip())
    CaseParty.objects.create(
        case=case, role=PartyRole.CLAIMANT, organisation=organisation, user=user, language=joining_language(user.pk)
    )
    data = {"organisation": organisation.name}
    if case.respondent_consent:
        data["respondent_consent"] = case.respondent_consent
    log_action(case=case, actor=user, action="case.draft_started", meta=meta, data=data)
    return case


def _locked_draft(case: Case, user: User) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.created_by_id != user.pk:
        raise ServiceError(_("Only the person who started this claim can change it."))
    if locked.status != CaseStatus.DRAFT:
        raise ServiceError(_("This claim has already been filed (%(reference)s).") % {"reference": locked.reference})
    return locked


@transaction.atomic
def claim_draft_update(
    *, case: Case, user: User, step: int, values: dict[str, Any], meta: RequestMeta = SYSTEM
) -> Case:
    locked = _locked_draft(case, user)
    allowed = DRAFT_STEP_FIELDS.get(step)
    if allowed is None or not set(values) <= allowed:
        raise ServiceError(_("That step of the form does not exist."))
    if step == 1 and "respondent_email" in values:
        claimant = locked.parties.select_related("organisation", "user").get(role=PartyRole.CLAIMANT)
        if respondent_email_belongs_to_claimant(email=values["respondent_email"], claimant=claimant):
            raise ServiceError(
                _("This email address belongs to your own side. Enter the respondent's email address."),
                field="respondent_email",
            )
    for name, value in values.items():
        setattr(locked, name, value)
    locked.draft_step = max(locked.draft_step, step + 1)
    locked.save()
    log_action(
        case=locked,
        actor=user,
        action="case.draft_updated",
        meta=meta,
        data={"step": step, "fields": sorted(values)},
        visible_to_parties=False,
    )
    return locked


def _next_reference(year: int) -> str:
    """``ODR-<year>-<6 digits>``; the counter row is locked by the UPDATE until our transaction ends."""
    ReferenceCounter.objects.get_or_create(year=year)
    ReferenceCounter.objects.filter(year=year).update(last_number=F("last_number") + 1)
    number = ReferenceCounter.objects.get(year=year).last_number
    return f"ODR-{year}-{number:06d}"


def _check_ready_to_file(locked: Case, *, terms_accepted: bool) -> CaseParty:
    """Refuse a draft that is incomplete, ineligible or names the claimant's own side as respondent, or
    whose terms are not accepted; else the claimant's party."""
    missing = [name for name in REQUIRED_FOR_FILING if getattr(locked, name) in (None, "")]
    if missing:
        raise ServiceError(_("Some parts of the claim are not filled in yet. Go back and complete every step."))
    if not terms_accepted:
        raise ServiceError(_("You must accept the ODR terms to file a claim."), field="accept_terms")
    claimant = locked.parties.select_related("organisation", "user").get(role=PartyRole.CLAIMANT)
    eligibility = check_eligibility(
        amount=Decimal(locked.amount_claimed) if locked.amount_claimed is not None else None,
        covid_related=locked.covid_related,
        claimant_is_hk=claimant.organisation.is_hk_registered,
        respondent_is_hk=locked.respondent_is_hk,
    )
    if not eligibility.eligible:
        raise ServiceError(" ".join(eligibility.reasons))
    if respondent_email_belongs_to_claimant(email=locked.respondent_email, claimant=claimant):
        raise ServiceError(_("The respondent's email address belongs to your own side."), field="respondent_email")
    return claimant


def party_terms_accept(
    *,
    case: Case,
    party: CaseParty,
    user: User,
    now: datetime,
    consents_to_mediation: bool,
    consents_to_arbitration: bool,
    meta: RequestMeta,
) -> None:
    """Record that ``party`` accepted the ODR terms (and which later tiers it consents to), with the audit
    entry, inside the caller's transaction: the claimant when filing, the respondent when answering."""
    party.terms_version = TERMS_VERSION
    party.terms_accepted_at = now
    party.terms_accepted_ip = meta.ip_address
    party.consents_to_mediation = consents_to_mediation
    party.consents_to_arbitration = consents_to_arbitration
    party.save(
        update_fields=[
            "terms_version",
            "terms_accepted_at",
            "terms_accepted_ip",
            "consents_to_mediation",
            "consents_to_arbitration",
        ]
    )
    log_action(
        case=case,
        actor=user,
        action="terms.accepted",
        meta=meta,
        data={
            "terms_version": TERMS_VERSION,
            "role": party.role,
            "consents_to_mediation": consents_to_mediation,
            "consents_to_arbitration": consents_to_arbitration,
        },
    )


@transaction.atomic
def claim_file(
    *,
    case: Case,
    user: User,
    terms_accepted: bool,
    consents_to_arbitration: bool,
    consents_to_mediation: bool = True,
    meta: RequestMeta = SYSTEM,
) -> Case:
    """File the draft: check it is complete and eligible, number it, and invite the respondent (once any
    registration fee is settled)."""
    locked = _locked_draft(case, user)
    claimant = _check_ready_to_file(locked, terms_accepted=terms_accepted)
    now = timezone.now()
    locked.reference = _next_reference(timezone.localdate(now).year)
    locked.save(update_fields=["reference", "updated_at"])
    party_terms_accept(
        case=locked,
        party=claimant,
        user=user,
        now=now,
        consents_to_mediation=consents_to_mediation,
        consents_to_arbitration=consents_to_arbitration,
        meta=meta,
    )
    case_transition(case=locked, action=Action.FILE, actor=user, meta=meta, data={"reference": locked.reference})
    # The respondent is invited now, or once the claimant's registration fee is settled.
    stage_advance(case=locked, action=Action.INVITE, actor=user, meta=meta)
    case.refresh_from_db()
    return case
