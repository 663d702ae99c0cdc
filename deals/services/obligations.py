"""Keeping the contract: what each side must do by when, reported done with evidence, confirmed or disputed
by the other side, with reminders before the date and when it has passed."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta
from cases.files import RejectedFile, sniff_upload
from cases.notifications import queue_email
from cases.services import ServiceError
from deals.audit import log_deal_action
from deals.models import Deal, DealObligation, DealStatus, DealVersion, ObligationEvent, ObligationStatus
from deals.realtime import broadcast_deal_on_commit
from deals.services.parties import acting_party

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)
MAX_NOTE = 2000
DUE_SOON_DAYS = 3


def deal_obligations_create(*, deal: Deal) -> list[DealObligation]:
    """The obligations of the signed version: one per dated field the template marks as an obligation and
    the parties filled in. Runs in the transaction that records the execution; made once."""
    if DealObligation.objects.filter(deal=deal).exists():
        return list(DealObligation.objects.filter(deal=deal))
    number = deal.locked_version or deal.current_version
    content = DealVersion.objects.get(deal=deal, number=number).content
    sides = {party.role_key: party.side for party in deal.parties.all()}
    made = []
    for spec in deal.template.body["fields"]:
        duty, due = spec.get("obligation"), content["fields"].get(spec["key"], "")
        if not duty or not due:
            continue
        amount_text = content["fields"].get(duty.get("amount_field") or "", "")
        made.append(
            DealObligation.objects.create(
                deal=deal,
                key=spec["key"],
                kind=duty["kind"],
                owed_by=sides[duty["owed_by"]],
                label_en=spec["label"]["en"],
                label_zh=spec["label"]["zh-hant"],
                due_on=date.fromisoformat(due),
                amount=Decimal(amount_text) if amount_text else None,
                currency=content["fields"].get("currency", "") if amount_text else "",
            )
        )
    return made


def _locked_obligation(obligation: DealObligation) -> DealObligation:
    return DealObligation.objects.select_for_update().select_related("deal").get(pk=obligation.pk)


def _record(
    obligation: DealObligation, user: User, side: str, status: str, note: str, action: str, meta: RequestMeta
) -> ObligationEvent:
    obligation.status = status
    obligation.save(update_fields=["status"])
    event = ObligationEvent(obligation=obligation, status=status, side=side, user=user, note=note.strip())
    log_deal_action(
        deal=obligation.deal,
        action=action,
        actor=user,
        meta=meta,
        data={"obligation": obligation.key, "due_on": obligation.due_on.isoformat()},
    )
    broadcast_deal_on_commit(obligation.deal_id, "obligation", {"key": obligation.key})
    return event


def _store_evidence(event: ObligationEvent, upload: UploadedFile) -> None:
    """Check the file by its bytes, store it with its SHA-256, and remove it again if the row is not saved."""
    try:
        sniffed = sniff_upload(upload, max_bytes=settings.UPLOAD_MAX_BYTES)
    except RejectedFile as exc:
        raise ServiceError(exc.message, field="evidence") from None
    event.evidence_name = (upload.name or "evidence")[-255:]
    event.evidence_sha256 = sniffed.sha256
    event.evidence_content_type = sniffed.content_type
    event.evidence.save(f"{sniffed.sha256[:12]}.{sniffed.extension}", upload, save=False)
    stored = str(event.evidence.name)
    try:
        event.save()
    except BaseException:
        event.evidence.storage.delete(stored)
        raise


@transaction.atomic
def obligation_report_done(
    *,
    obligation: DealObligation,
    user: User,
    note: str,
    evidence: UploadedFile | None = None,
    meta: RequestMeta = SYSTEM,
) -> ObligationEvent:
    """The side that owes it says it is done, with what shows it (a note, and a file if it has one)."""
    locked = _locked_obligation(obligation)
    party = acting_party(locked.deal, user)
    if party.side != locked.owed_by:
        raise ServiceError(_("Only the business that owes this can report it done."))
    if locked.status not in (ObligationStatus.PENDING, ObligationStatus.DISPUTED):
        raise ServiceError(_("This is already reported done."))
    if not note.strip():
        raise ServiceError(_("Say what was done, with any reference (a delivery note, a transfer)."), field="note")
    if len(note) > MAX_NOTE:
        raise ServiceError(_("At most %(count)s characters.") % {"count": MAX_NOTE}, field="note")
    event = _record(locked, user, party.side, ObligationStatus.REPORTED, note, "deal.obligation_reported", meta)
    if evidence is not None:
        _store_evidence(event, evidence)
    else:
        event.save()
    _tell_other_side(locked, party.side, "deal_obligation_reported")
    return event


def _answer(
    obligation: DealObligation, user: User, status: str, note: str, action: str, meta: RequestMeta
) -> ObligationEvent:
    locked = _locked_obligation(obligation)
    party = acting_party(locked.deal, user)
    if party.side == locked.owed_by:
        raise ServiceError(_("The other business confirms or disputes what you report."))
    if locked.status != ObligationStatus.REPORTED:
        raise ServiceError(_("There is nothing reported to answer yet."))
    event = _record(locked, user, party.side, status, note, action, meta)
    event.save()
    _tell_other_side(locked, party.side, "deal_obligation_answered")
    return event


@transaction.atomic
def obligation_confirm(*, obligation: DealObligation, user: User, meta: RequestMeta = SYSTEM) -> ObligationEvent:
    return _answer(obligation, user, ObligationStatus.CONFIRMED, "", "deal.obligation_confirmed", meta)


@transaction.atomic
def obligation_dispute(
    *, obligation: DealObligation, user: User, reason: str, meta: RequestMeta = SYSTEM
) -> ObligationEvent:
    """The other side says it is not done (or not as agreed): why. From here either side may open a dispute."""
    if not reason.strip():
        raise ServiceError(_("Say what is missing or wrong."), field="reason")
    if len(reason) > MAX_NOTE:
        raise ServiceError(_("At most %(count)s characters.") % {"count": MAX_NOTE}, field="reason")
    return _answer(obligation, user, ObligationStatus.DISPUTED, reason, "deal.obligation_disputed", meta)


def _tell_other_side(obligation: DealObligation, side: str, template: str) -> None:
    other = obligation.deal.parties.exclude(side=side).select_related("user").first()
    if other is None:
        return
    context = {"deal": obligation.deal, "obligation": obligation}
    email = other.user.email
    transaction.on_commit(lambda: queue_email(to=email, template=template, context=context))


def obligation_reminders_send(*, now: datetime) -> int:
    """The sweep's job: a reminder to the side that owes an obligation a few days before its date, and to
    both sides once its date has passed without it being reported done. Each is sent once."""
    today = timezone.localdate(now)
    sent = 0
    due_soon = DealObligation.objects.filter(
        deal__status=DealStatus.EXECUTED,
        status=ObligationStatus.PENDING,
        reminded_due_soon_at__isnull=True,
        due_on__gte=today,
        due_on__lte=today + timedelta(days=DUE_SOON_DAYS),
    )
    for obligation in due_soon.select_related("deal"):
        sent += _remind(obligation, now, "reminded_due_soon_at", "deal_obligation_due_soon", both=False)
    overdue = DealObligation.objects.filter(
        deal__status=DealStatus.EXECUTED,
        status=ObligationStatus.PENDING,
        reminded_overdue_at__isnull=True,
        due_on__lt=today,
    )
    for obligation in overdue.select_related("deal"):
        sent += _remind(obligation, now, "reminded_overdue_at", "deal_obligation_overdue", both=True)
    return sent


@transaction.atomic
def _remind(obligation: DealObligation, now: datetime, mark: str, template: str, *, both: bool) -> int:
    # Marked under the row's lock, so two sweeps never send the same reminder.
    updated = DealObligation.objects.filter(pk=obligation.pk, **{f"{mark}__isnull": True}).update(**{mark: now})
    if not updated:
        return 0
    parties = obligation.deal.parties.select_related("user")
    emails = [p.user.email for p in parties if both or p.side == obligation.owed_by]
    context: dict[str, Any] = {"deal": obligation.deal, "obligation": obligation}
    transaction.on_commit(lambda: queue_email(to=emails, template=template, context=context))
    return 1
