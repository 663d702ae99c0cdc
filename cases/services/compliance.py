"""After the outcome: does the paying party pay? It reports payment (with evidence), the other party
confirms or disputes, and an obligation unpaid past its date is overdue (the sweep tells both once)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.models import (
    Case,
    CaseOutcome,
    CaseSettlement,
    DocumentKind,
    Obligation,
    ObligationStatus,
    PartyRole,
    PaymentReport,
)
from cases.money import format_hkd, in_cents
from cases.notifications import queue_email
from cases.services import ServiceError
from cases.services.evidence import document_upload

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def obligation_from_settlement(case: Case) -> None:
    """Hook (in the closing transition's transaction): a case closed as settled owes its settlement sum, by the
    date the agreed terms give, or else within the Centre's days from now (as the agreement says)."""
    if case.outcome != CaseOutcome.SETTLED:
        return
    settlement = CaseSettlement.objects.filter(case=case).first()
    if settlement is None or settlement.amount <= 0:
        return
    due_by = settlement.pay_by or timezone.localdate() + timedelta(days=settings.ODR_SETTLEMENT_PAYMENT_DAYS)
    _obligation, created = Obligation.objects.get_or_create(
        case=case,
        source="settlement",
        defaults={
            "payer_role": PartyRole.RESPONDENT,
            "payee_role": PartyRole.CLAIMANT,
            "amount": settlement.amount,
            "due_by": due_by,
        },
    )
    if created:
        log_action(
            case=case,
            actor=None,
            action="compliance.obligation",
            data={"amount": str(settlement.amount), "due_by": due_by.isoformat()},
        )


def obligation_from_award(*, case: Case, payer_role: str, amount: Decimal, due_by: date | None) -> None:
    """An award (or its correction) orders ``payer_role`` to pay ``amount`` by ``due_by``; runs in the
    transaction that issues it. A correction replaces what the award it corrects required."""
    existing = Obligation.objects.select_for_update().filter(case=case, source="award").first()
    if amount <= 0 or not payer_role or due_by is None:
        if existing is not None and not existing.reports.exists():
            existing.delete()
            log_action(case=case, actor=None, action="compliance.obligation_cancelled", data={"source": "award"})
        return
    payee_role = PartyRole.RESPONDENT if payer_role == PartyRole.CLAIMANT else PartyRole.CLAIMANT
    values = {"payer_role": payer_role, "payee_role": payee_role, "amount": amount, "due_by": due_by}
    if existing is None:
        Obligation.objects.create(case=case, source="award", **values)
        action = "compliance.obligation"
    else:
        changed = [field for field, value in values.items() if getattr(existing, field) != value]
        if not changed:
            return  # the correction left the sum, the payer and the date as they were: one obligation, told once
        for field in changed:
            setattr(existing, field, values[field])
        existing.save(update_fields=changed)
        action = "compliance.obligation_corrected"
    log_action(
        case=case,
        actor=None,
        action=action,
        data={"amount": str(amount), "source": "award", "payer": payer_role, "due_by": due_by.isoformat()},
    )


def _role(case: Case, user: User) -> str | None:
    return case.parties.filter(user=user).values_list("role", flat=True).first()


@transaction.atomic
def payment_report(
    *,
    obligation: Obligation,
    user: User,
    amount: Decimal,
    paid_on: date,
    reference: str,
    evidence: UploadedFile | None = None,
    meta: RequestMeta = SYSTEM,
) -> PaymentReport:
    locked = Obligation.objects.select_for_update().select_related("case").get(pk=obligation.pk)
    if _role(locked.case, user) != locked.payer_role:
        raise ServiceError(_("Only the paying party reports the payment."))
    if locked.status not in (ObligationStatus.DUE, ObligationStatus.DISPUTED):
        raise ServiceError(_("A payment is already reported or confirmed."))
    if amount <= 0 or not in_cents(amount):
        raise ServiceError(_("Enter the amount paid in HK$."), field="amount")
    if paid_on > timezone.localdate():
        raise ServiceError(_("The payment date cannot be in the future."), field="paid_on")
    if not reference.strip():
        raise ServiceError(_("Enter the bank or cheque reference."), field="reference")
    version = None
    if evidence is not None:
        version = document_upload(
            case=locked.case,
            user=user,
            upload=evidence,
            title=_("Evidence of payment"),
            kind=DocumentKind.PAYMENT_EVIDENCE,
            meta=meta,
        )
    report = PaymentReport.objects.create(
        obligation=locked,
        amount=amount,
        paid_on=paid_on,
        reference=reference.strip()[:100],
        evidence=version,
        reported_by=user,
    )
    locked.status = ObligationStatus.REPORTED
    locked.save(update_fields=["status"])
    log_action(
        case=locked.case,
        actor=user,
        action="compliance.reported",
        meta=meta,
        data={"amount": str(amount), "paid_on": paid_on.isoformat(), "reference": report.reference},
    )
    payee = locked.case.parties.select_related("user").get(role=locked.payee_role)
    queue_email(to=payee.user.email, template="payment_reported", context={"case": locked.case, "report": report})
    return report


@transaction.atomic
def report_answer(
    *, report: PaymentReport, user: User, confirm: bool, reason: str = "", meta: RequestMeta = SYSTEM
) -> PaymentReport:
    """The receiving party confirms the money arrived, or disputes the report with a reason."""
    locked = PaymentReport.objects.select_for_update().select_related("obligation__case").get(pk=report.pk)
    obligation = Obligation.objects.select_for_update().get(pk=locked.obligation_id)
    case = locked.obligation.case
    if _role(case, user) != obligation.payee_role:
        raise ServiceError(_("Only the receiving party confirms or disputes the payment."))
    if locked.response:
        raise ServiceError(_("This report has already been answered."))
    if not confirm and not reason.strip():
        raise ServiceError(_("Say why you dispute the payment."), field="reason")
    locked.response = "confirmed" if confirm else "disputed"
    locked.response_reason = reason.strip()[:500]
    locked.responded_by = user
    locked.responded_at = timezone.now()
    locked.save()
    confirmed = sum(
        (r.amount for r in obligation.reports.filter(response="confirmed")),
        Decimal("0"),
    )
    if confirm and confirmed >= obligation.amount:
        obligation.status = ObligationStatus.CONFIRMED
    elif confirm:
        obligation.status = ObligationStatus.DUE  # part paid: the rest is still due
    else:
        obligation.status = ObligationStatus.DISPUTED
    obligation.save(update_fields=["status"])
    log_action(
        case=case,
        actor=user,
        action=f"compliance.{locked.response}",
        meta=meta,
        data={"reason": locked.response_reason, "confirmed_total": str(confirmed)},
    )
    return locked


def is_overdue(obligation: Obligation, today: date | None = None) -> bool:
    return obligation.status != ObligationStatus.CONFIRMED and (today or timezone.localdate()) > obligation.due_by


def overdue_notify(now: datetime) -> int:
    """Sweep job: tell both parties, once, that an obligation is overdue."""
    today = timezone.localdate(now)
    count = 0
    for obligation in Obligation.objects.filter(
        status__in=(ObligationStatus.DUE, ObligationStatus.DISPUTED), due_by__lt=today, overdue_notified_at=None
    ).select_related("case"):
        with transaction.atomic():
            updated = Obligation.objects.filter(pk=obligation.pk, overdue_notified_at=None).update(
                overdue_notified_at=now
            )
            if not updated:
                continue
            emails = [p.user.email for p in obligation.case.parties.select_related("user")]
            queue_email(
                to=emails, template="payment_overdue", context={"case": obligation.case, "obligation": obligation}
            )
            log_action(case=obligation.case, actor=None, action="compliance.overdue")
            count += 1
    return count


def _day(iso: str) -> str:
    """An audit entry's ISO date as the reader's language writes it."""
    day = parse_date(iso)
    return date_format(day, "DATE_FORMAT") if day else iso


COMPLIANCE_TIMELINE = {
    "compliance.obligation": lambda e: (
        _("Sum of %(amount)s to be paid under the award") % {"amount": format_hkd(e.data.get("amount"))}
        if e.data.get("source") == "award"
        else _("Settlement sum of %(amount)s to be paid by %(date)s")
        % {"amount": format_hkd(e.data.get("amount")), "date": _day(e.data["due_by"])}
        if e.data.get("due_by")
        else _("Settlement sum of %(amount)s to be paid") % {"amount": format_hkd(e.data.get("amount"))}
    ),
    "compliance.obligation_corrected": lambda e: (
        _("Under the corrected award, the sum to be paid is now %(amount)s")
        % {"amount": format_hkd(e.data.get("amount"))}
    ),
    "compliance.obligation_cancelled": lambda e: _("Nothing is to be paid under the corrected award"),
    "compliance.reported": lambda e: (
        _("Payment of %(amount)s reported, paid on %(date)s")
        % {"amount": format_hkd(e.data.get("amount")), "date": e.data.get("paid_on")}
    ),
    "compliance.confirmed": lambda e: _("Payment confirmed by the receiving party"),
    "compliance.disputed": lambda e: _("Payment disputed: %(reason)s") % {"reason": e.data.get("reason", "")},
    "compliance.overdue": lambda e: _("Payment overdue"),
}
