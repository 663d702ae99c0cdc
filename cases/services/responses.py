"""The respondent's side of commencement, the claimant's answer to a counterclaim, and withdrawal."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.hooks import parties_consented
from cases.languages import joining_language
from cases.lifecycle import Action, case_transition
from cases.models import Case, CaseParty, CaseResponse, DocumentKind, Invitation, Membership, Organisation, PartyRole
from cases.notifications import queue_email
from cases.services import ServiceError
from cases.services.evidence import document_upload
from cases.services.filing import party_terms_accept
from cases.services.invitations import invitation_for_token
from cases.services.stages import stage_advance

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _join_as_respondent(
    *, token: str, user: User, organisation: Organisation, meta: RequestMeta
) -> tuple[Invitation, CaseParty]:
    invitation = invitation_for_token(token, lock=True)
    case = invitation.case
    claimant = case.parties.select_related("organisation").get(role=PartyRole.CLAIMANT)
    if claimant.user_id == user.pk or Membership.objects.filter(organisation=claimant.organisation, user=user).exists():
        raise ServiceError(_("You are on the claimant's side of this case, so you cannot respond to it."))
    if organisation.pk == claimant.organisation_id:
        raise ServiceError(_("The respondent must be a different business from the claimant."), field="organisation")
    if not Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ServiceError(_("You can only act for an organisation you belong to."), field="organisation")
    invitation.used_at = timezone.now()
    invitation.used_by = user
    invitation.save(update_fields=["used_at", "used_by"])
    party = CaseParty.objects.create(
        case=case, role=PartyRole.RESPONDENT, organisation=organisation, user=user, language=joining_language(user.pk)
    )
    log_action(
        case=case,
        actor=user,
        action="invitation.used",
        meta=meta,
        # A link can be forwarded to a colleague: that is allowed, and recorded.
        data={
            "organisation": organisation.name,
            "invited_email": invitation.email,
            "email_matches": (user.email or "").lower() == invitation.email.lower(),
        },
    )
    return invitation, party


def _notify_claimant(case: Case, template: str) -> None:
    claimant = case.parties.select_related("user").get(role=PartyRole.CLAIMANT)
    queue_email(to=claimant.user.email, template=template, context={"case": case})


def _check_response(
    *, terms_accepted: bool, response_text: str, counterclaim_amount: Decimal | None, counterclaim_text: str
) -> None:
    if not terms_accepted:
        raise ServiceError(_("You must accept the ODR terms to take part."), field="accept_terms")
    if not response_text.strip():
        raise ServiceError(_("Write your response to the claim."), field="response_text")
    if counterclaim_amount is not None and counterclaim_amount <= 0:
        raise ServiceError(_("A counterclaim amount must be more than zero."), field="counterclaim_amount")
    if counterclaim_amount is not None and not counterclaim_text.strip():
        raise ServiceError(_("Describe your counterclaim."), field="counterclaim_text")


def _store_evidence_and_advance(
    *, case: Case, user: User, evidence: list[UploadedFile], has_counterclaim: bool, meta: RequestMeta
) -> None:
    stored = []
    try:
        for upload in evidence:
            stored.append(
                document_upload(case=case, user=user, upload=upload, kind=DocumentKind.RESPONSE_EVIDENCE, meta=meta)
            )
        # Negotiation opens now, or once the respondent's registration fee is settled.
        stage_advance(case=case, action=Action.RESPOND, actor=user, meta=meta, data={"counterclaim": has_counterclaim})
    except Exception:
        # The rows roll back with this transaction; the files already written must go with them.
        for version in stored:
            if version.file.name:
                version.file.storage.delete(version.file.name)
        raise


@transaction.atomic
def case_respond(
    *,
    token: str,
    user: User,
    organisation: Organisation,
    terms_accepted: bool,
    consents_to_arbitration: bool,
    response_text: str,
    counterclaim_amount: Decimal | None = None,
    counterclaim_text: str = "",
    evidence: list[UploadedFile] | None = None,
    consents_to_mediation: bool = True,
    meta: RequestMeta = SYSTEM,
) -> Case:
    """Consent to ODR and answer the claim: the case moves to negotiation."""
    _check_response(
        terms_accepted=terms_accepted,
        response_text=response_text,
        counterclaim_amount=counterclaim_amount,
        counterclaim_text=counterclaim_text,
    )
    invitation, party = _join_as_respondent(token=token, user=user, organisation=organisation, meta=meta)
    case = invitation.case
    now = timezone.now()
    if case.respondent_consent:
        # The contract's clause already sends the dispute through every tier: that consent stands.
        consents_to_mediation = consents_to_arbitration = True
    party_terms_accept(
        case=case,
        party=party,
        user=user,
        now=now,
        consents_to_mediation=consents_to_mediation,
        consents_to_arbitration=consents_to_arbitration,
        meta=meta,
    )
    has_counterclaim = bool(counterclaim_text.strip())
    CaseResponse.objects.create(
        case=case,
        response_text=response_text.strip(),
        counterclaim_amount=counterclaim_amount,
        counterclaim_text=counterclaim_text.strip(),
        submitted_by=user,
        counterclaim_answer_due_at=now + timedelta(days=settings.ODR_COUNTERCLAIM_ANSWER_DAYS)
        if has_counterclaim
        else None,
    )
    _store_evidence_and_advance(
        case=case, user=user, evidence=evidence or [], has_counterclaim=has_counterclaim, meta=meta
    )
    _notify_claimant(case, "responded")
    parties_consented(case)
    return case


@transaction.atomic
def case_decline(
    *, token: str, user: User, organisation: Organisation, reason: str, meta: RequestMeta = SYSTEM
) -> Case:
    """Decline ODR with a reason: the case closes."""
    if not reason.strip():
        raise ServiceError(_("Give a reason for declining."), field="reason")
    invitation, _party = _join_as_respondent(token=token, user=user, organisation=organisation, meta=meta)
    case = invitation.case
    if case.respondent_consent:
        raise ServiceError(
            _(
                "Your business agreed beforehand to resolve disputes about this contract online (%(consent)s), so "
                "online dispute resolution cannot be declined. Respond to the claim instead."
            )
            % {"consent": case.respondent_consent}
        )
    case_transition(case=case, action=Action.DECLINE, actor=user, meta=meta, reason=reason.strip())
    _notify_claimant(case, "declined")
    return case


@transaction.atomic
def counterclaim_answer(*, case: Case, user: User, answer: str, meta: RequestMeta = SYSTEM) -> CaseResponse:
    response = CaseResponse.objects.select_for_update().filter(case=case).first()
    if not case.parties.filter(role=PartyRole.CLAIMANT, user=user).exists():
        raise ServiceError(_("Only the claimant can answer the counterclaim."))
    if response is None or not response.has_counterclaim:
        raise ServiceError(_("There is no counterclaim to answer."))
    if response.counterclaim_answered_at is not None:
        raise ServiceError(_("You have already answered the counterclaim."))
    if response.counterclaim_answer_due_at and response.counterclaim_answer_due_at < timezone.now():
        raise ServiceError(_("The time to answer the counterclaim has passed."))
    if not case.is_open:
        raise ServiceError(_("This case is closed."))
    if not answer.strip():
        raise ServiceError(_("Write your answer to the counterclaim."), field="answer")
    response.counterclaim_answer = answer.strip()
    response.counterclaim_answered_at = timezone.now()
    response.save(update_fields=["counterclaim_answer", "counterclaim_answered_at"])
    log_action(case=case, actor=user, action="counterclaim.answered", meta=meta)
    return response


@transaction.atomic
def case_withdraw(*, case: Case, user: User, reason: str, meta: RequestMeta = SYSTEM) -> Case:
    if not reason.strip():
        raise ServiceError(_("Give a reason for withdrawing."), field="reason")
    case_transition(case=case, action=Action.WITHDRAW, actor=user, meta=meta, reason=reason.strip())
    emails = [p.user.email for p in case.parties.select_related("user").all()]
    queue_email(to=emails, template="closed", context={"case": case})
    return case
