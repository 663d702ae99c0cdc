"""The award: the arbitrator drafts it in a form (each save is a new PDF version to preview), signs it
(re-authenticating, through the documents app), and the platform seals it and issues it to both parties
at once; the case closes with outcome "award issued". Clerical errors may be corrected within
``ODR_AWARD_CORRECTION_DAYS``: the correction is a new award that references the first, which stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from arbitration.models import ArbitrationPhase, ArbitrationState, Award, AwardStatus
from arbitration.services.appointment import state_for_update
from arbitration.services.proceedings import ready_for_award
from arbitration.services.timetable import require_arbitrator
from cases.audit import SYSTEM, RequestMeta, log_action
from cases.lifecycle import Action, case_transition
from cases.models import Case, CaseOutcome, CaseStatus, PartyRole
from cases.money import format_hkd, in_cents
from cases.notifications import queue_email
from cases.services import ServiceError
from cases.services.compliance import obligation_from_award
from documents.models import IssuedDocument, IssuedKind, IssuedStatus
from documents.services import draft_version_create

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_TEXT = 50000


@dataclass(frozen=True, slots=True)
class AwardTerms:
    """What the arbitrator decides, as entered in the award form."""

    findings: str
    reasons: str
    claim_awarded: Decimal
    counterclaim_awarded: Decimal
    costs_amount: Decimal
    costs_payer_role: str
    net_amount: Decimal
    net_payer_role: str
    pay_by: date | None
    correction_note: str = ""


def net_of(terms: AwardTerms) -> tuple[Decimal, str]:
    """What one party owes the other once the claim, the counterclaim and costs are set off."""
    to_claimant = terms.claim_awarded + (terms.costs_amount if terms.costs_payer_role == PartyRole.RESPONDENT else 0)
    to_respondent = terms.counterclaim_awarded + (
        terms.costs_amount if terms.costs_payer_role == PartyRole.CLAIMANT else 0
    )
    if to_claimant > to_respondent:
        return to_claimant - to_respondent, PartyRole.RESPONDENT
    if to_respondent > to_claimant:
        return to_respondent - to_claimant, PartyRole.CLAIMANT
    return Decimal("0.00"), ""


def _ceilings(case: Case) -> tuple[Decimal, Decimal]:
    """The most that can be awarded on the claim and on the counterclaim: what was asked for, as the
    parties last stated it (in their submissions, else when filing and responding)."""
    from arbitration.models import StepKind, Submission, SubmissionStatus

    filed = {
        s.step.kind: s.amount
        for s in Submission.objects.filter(
            case=case, status=SubmissionStatus.FILED, amount__isnull=False
        ).select_related("step")
    }
    response = getattr(case, "response", None)
    claim = filed.get(StepKind.CLAIM) or case.amount_claimed or Decimal("0")
    counterclaim = filed.get(StepKind.DEFENCE) or (response.counterclaim_amount if response else None) or Decimal("0")
    return claim, counterclaim


def validate_terms(case: Case, terms: AwardTerms) -> None:
    """Amounts are exact HK$, never negative, within what was claimed, and add up to the stated net sum."""
    amounts = {
        "claim_awarded": terms.claim_awarded,
        "counterclaim_awarded": terms.counterclaim_awarded,
        "costs_amount": terms.costs_amount,
        "net_amount": terms.net_amount,
    }
    for field, amount in amounts.items():
        if amount < 0:
            raise ServiceError(_("An amount cannot be negative."), field=field)
        if not in_cents(amount):
            raise ServiceError(_("Enter amounts in HK$, to the cent."), field=field)
    if not terms.findings.strip():
        raise ServiceError(_("Write the findings."), field="findings")
    if not terms.reasons.strip():
        raise ServiceError(_("Write the reasons."), field="reasons")
    if len(terms.findings) > MAX_TEXT or len(terms.reasons) > MAX_TEXT:
        raise ServiceError(_("The text is too long."), field="reasons")
    if terms.costs_amount > 0 and terms.costs_payer_role not in PartyRole.values:
        raise ServiceError(_("Say which party bears the costs."), field="costs_payer_role")
    claim_ceiling, counterclaim_ceiling = _ceilings(case)
    if terms.claim_awarded > claim_ceiling:
        raise ServiceError(
            _("The sum awarded on the claim exceeds what was claimed (%(amount)s).")
            % {"amount": format_hkd(claim_ceiling)},
            field="claim_awarded",
        )
    if terms.counterclaim_awarded > counterclaim_ceiling:
        raise ServiceError(
            _("The sum awarded on the counterclaim exceeds what was counterclaimed (%(amount)s).")
            % {"amount": format_hkd(counterclaim_ceiling)},
            field="counterclaim_awarded",
        )
    net, payer = net_of(terms)
    if terms.net_amount != net or (net > 0 and terms.net_payer_role != payer):
        if net == 0:
            message = _("The sums do not add up: they cancel out, so nothing is payable. Enter 0.00.")
        else:
            message = _(
                "The sums do not add up: after setting off the claim, the counterclaim and costs, the %(payer)s "
                "pays %(amount)s."
            ) % {"payer": PartyRole(payer).label.lower(), "amount": format_hkd(net)}
        raise ServiceError(message, field="net_amount")
    if net > 0 and terms.pay_by is None:
        raise ServiceError(_("Say by when the sum is to be paid."), field="pay_by")
    if terms.pay_by is not None and terms.pay_by < timezone.localdate():
        raise ServiceError(_("The date to pay by cannot be in the past."), field="pay_by")


def current_draft_award(case: Case) -> Award | None:
    return Award.objects.filter(case=case, status=AwardStatus.DRAFT).first()


def latest_issued_award(case: Case) -> Award | None:
    return Award.objects.filter(case=case, status=AwardStatus.ISSUED).order_by("-number").first()


def _summary(terms: AwardTerms) -> str:
    return f"{terms.findings.strip()}\n\n{terms.reasons.strip()}"[:MAX_TEXT]


@transaction.atomic
def award_draft_save(*, case: Case, user: User, terms: AwardTerms, meta: RequestMeta = SYSTEM) -> IssuedDocument:
    """Save the award (or correction) draft and make a new PDF version of it to preview and sign.

    Nothing reaches the parties until the arbitrator signs and the platform issues it."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    require_arbitrator(locked, user)
    draft = Award.objects.select_for_update().filter(case=locked, status=AwardStatus.DRAFT).first()
    correcting = draft is not None and draft.corrects_id is not None
    if not correcting:
        state = state_for_update(locked)
        if state.phase != ArbitrationPhase.PROCEEDINGS:
            raise ServiceError(_("The award is drafted once the timetable is running."))
        if not ready_for_award(locked):
            raise ServiceError(
                _("The parties still have time to file. Draft the award once every submission is filed or due.")
            )
    elif not terms.correction_note.strip():
        raise ServiceError(_("Say what the correction corrects."), field="correction_note")
    validate_terms(locked, terms)
    fields = {
        "findings": terms.findings.strip(),
        "reasons": terms.reasons.strip(),
        "claim_awarded": terms.claim_awarded,
        "counterclaim_awarded": terms.counterclaim_awarded,
        "costs_amount": terms.costs_amount,
        "costs_payer_role": terms.costs_payer_role if terms.costs_amount > 0 else "",
        "net_amount": terms.net_amount,
        "net_payer_role": terms.net_payer_role if terms.net_amount > 0 else "",
        "pay_by": terms.pay_by if terms.net_amount > 0 else None,
        "correction_note": terms.correction_note.strip() if correcting else "",
    }
    if draft is None:
        draft = Award.objects.create(case=locked, created_by=user, **fields)
    else:
        for field, value in fields.items():
            setattr(draft, field, value)
        draft.save()
    log_action(case=locked, actor=user, action="arbitration.award_drafted", meta=meta, visible_to_parties=False)
    return draft_version_create(
        case=locked,
        kind=IssuedKind.ARBITRAL_AWARD,
        amount=draft.net_amount,
        terms=_summary(terms),
        actor=user,
        meta=meta,
        subject=draft.subject,
        visible_to_parties=False,
    )


def award_of(document: IssuedDocument) -> Award | None:
    prefix, _sep, pk = document.subject.partition(":")
    if prefix != "award" or not pk.isdigit():
        return None
    return Award.objects.filter(pk=int(pk), case_id=document.case_id).first()


def award_executed(document: IssuedDocument) -> None:
    """The arbitrator signed and the platform sealed the award (in the transaction storing it): issue it
    to both parties at once, close the case, and record what is to be paid."""
    award = award_of(document)
    if award is None:
        return
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.status != AwardStatus.DRAFT:
        return
    award.status = AwardStatus.ISSUED
    award.issued_at = timezone.now()
    award.save(update_fields=["status", "issued_at"])
    case = Case.objects.select_for_update().get(pk=award.case_id)
    ArbitrationState.objects.filter(case=case).update(phase=ArbitrationPhase.AWARDED)
    if award.corrects_id is None:
        case_transition(
            case=case,
            action=Action.ISSUE_AWARD,
            actor=None,
            data={"document": document.pk, "reference": document.verification_reference},
        )
    else:
        # The sealed correction records the sealed award it corrects, so /verify/ can say so of both.
        document.corrects = issued_document_of(award.corrects) if award.corrects is not None else None
        document.save(update_fields=["corrects"])
        log_action(
            case=case,
            actor=None,
            action="arbitration.award_corrected",
            data={"number": award.number, "reference": document.verification_reference},
        )
    obligation_from_award(case=case, payer_role=award.net_payer_role, amount=award.net_amount, due_by=award.pay_by)
    emails = [party.user.email for party in case.parties.select_related("user")]
    queue_email(
        to=emails,
        template="award_corrected" if award.corrects_id else "award_issued",
        context={"case": case, "award": award, "document": document},
    )


def correction_deadline(award: Award) -> date | None:
    if award.issued_at is None:
        return None
    return timezone.localdate(award.issued_at) + timedelta(days=settings.ODR_AWARD_CORRECTION_DAYS)


@transaction.atomic
def award_correction_start(*, case: Case, user: User, meta: RequestMeta = SYSTEM) -> Award:
    """Start correcting clerical errors in the latest issued award: a new draft, pre-filled from it."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    require_arbitrator(locked, user)
    if locked.status != CaseStatus.CLOSED or locked.outcome != CaseOutcome.AWARD_ISSUED:
        raise ServiceError(_("Only an issued award can be corrected."))
    if Award.objects.filter(case=locked, status=AwardStatus.DRAFT).exists():
        raise ServiceError(_("A correction is already being drafted."))
    latest = latest_issued_award(locked)
    assert latest is not None
    original = Award.objects.filter(case=locked, number=1).first() or latest
    deadline = correction_deadline(original)
    if deadline is None or timezone.localdate() > deadline:
        raise ServiceError(_("The period for correcting the award has ended."))
    correction = Award.objects.create(
        case=locked,
        number=latest.number + 1,
        corrects=latest,
        findings=latest.findings,
        reasons=latest.reasons,
        claim_awarded=latest.claim_awarded,
        counterclaim_awarded=latest.counterclaim_awarded,
        costs_amount=latest.costs_amount,
        costs_payer_role=latest.costs_payer_role,
        net_amount=latest.net_amount,
        net_payer_role=latest.net_payer_role,
        pay_by=latest.pay_by,
        created_by=user,
    )
    log_action(
        case=locked,
        actor=user,
        action="arbitration.correction_started",
        meta=meta,
        visible_to_parties=False,
        data={"number": correction.number},
    )
    return correction


def issued_document_of(award: Award) -> IssuedDocument | None:
    return IssuedDocument.objects.filter(
        case_id=award.case_id, kind=IssuedKind.ARBITRAL_AWARD, subject=award.subject, status=IssuedStatus.EXECUTED
    ).first()
