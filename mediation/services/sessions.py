"""Mediation sessions: times proposed and confirmed, the video session opened and closed, the mediator's
notes, and the outcome that ends mediation."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.hooks import settlement_agreed
from cases.lifecycle import Action, case_deadline_extend, case_transition
from cases.models import Case, CaseSettlement, CaseStatus, SettlementSource
from cases.money import in_cents
from cases.notifications import queue_email
from cases.offer_dates import check_pay_by
from cases.services import ServiceError
from cases.services.arbitration_entry import mediation_unsettled
from documents.models import IssuedKind
from documents.selectors import signed_by_both_parties
from mediation.ics import session_ics
from mediation.models import (
    MediationOutcome,
    MediationPhase,
    MediationResult,
    MediationSession,
    MediationState,
    MediatorNote,
    MediatorProfile,
    Participant,
    SessionReminder,
    SessionSlot,
    SessionStatus,
    SlotAvailability,
)
from mediation.services.appointment import current_appointment

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_SESSION_HOURS = 8


def _appointed_mediator(case: Case, user: User) -> MediatorProfile:
    appointment = current_appointment(case)
    if appointment is None or appointment.status != "accepted" or appointment.mediator.user_id != user.pk:
        raise ServiceError(_("Only the case's appointed mediator can do that."))
    if case.status != CaseStatus.MEDIATION:
        raise ServiceError(_("This case is not in mediation."))
    return appointment.mediator


def _emails(case: Case, mediator: MediatorProfile) -> list[str]:
    return [party.user.email for party in case.parties.select_related("user")] + [mediator.user.email]


@transaction.atomic
def session_propose(
    *, case: Case, user: User, slots: list[tuple[datetime, datetime]], meta: RequestMeta = SYSTEM
) -> MediationSession:
    """The mediator offers times (stored in UTC); the parties then say which they can attend."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    mediator = _appointed_mediator(locked, user)
    if not slots:
        raise ServiceError(_("Offer at least one time."), field="slots")
    now = timezone.now()
    for starts_at, ends_at in slots:
        if starts_at <= now:
            raise ServiceError(_("Offer times in the future."), field="slots")
        if not timedelta(minutes=15) <= ends_at - starts_at <= timedelta(hours=MAX_SESSION_HOURS):
            raise ServiceError(_("A session lasts between 15 minutes and 8 hours."), field="slots")
    session = MediationSession.objects.create(case=locked, mediator=mediator)
    SessionSlot.objects.bulk_create(SessionSlot(session=session, starts_at=s, ends_at=e) for s, e in slots)
    log_action(case=locked, actor=user, action="mediation.session_proposed", meta=meta, data={"slots": len(slots)})
    queue_email(
        to=[party.user.email for party in locked.parties.select_related("user")],
        template="mediation_slots",
        context={"case": locked},
    )
    return session


@transaction.atomic
def availability_mark(
    *, session: MediationSession, user: User, available_slot_ids: set[int], meta: RequestMeta = SYSTEM
) -> None:
    """A party says which of the offered times it can attend (the others: it cannot)."""
    locked = MediationSession.objects.select_for_update().select_related("case").get(pk=session.pk)
    role = locked.case.parties.filter(user=user).values_list("role", flat=True).first()
    if role is None:
        raise ServiceError(_("Only the parties answer the proposed times."))
    if locked.status != SessionStatus.PROPOSED:
        raise ServiceError(_("This session's time is already settled."))
    slots = list(locked.slots.all())
    if not available_slot_ids <= {slot.pk for slot in slots}:
        raise ServiceError(_("That time was not offered."))
    for slot in slots:
        SlotAvailability.objects.update_or_create(
            slot=slot, party_role=role, defaults={"available": slot.pk in available_slot_ids}
        )
    log_action(case=locked.case, actor=user, action="mediation.availability", meta=meta, visible_to_parties=False)


def _overlapping(mediator: MediatorProfile, starts_at: datetime, ends_at: datetime, exclude: int) -> bool:
    return (
        MediationSession.objects.filter(
            mediator=mediator, status__in=(SessionStatus.SCHEDULED, SessionStatus.LIVE), starts_at__lt=ends_at
        )
        .filter(Q(ends_at__gt=starts_at))
        .exclude(pk=exclude)
        .exists()
    )


@transaction.atomic
def session_confirm(
    *, session: MediationSession, user: User, slot_id: int, meta: RequestMeta = SYSTEM
) -> MediationSession:
    """The mediator confirms one offered time; everyone gets an .ics invitation."""
    locked = MediationSession.objects.select_for_update().select_related("case", "mediator__user").get(pk=session.pk)
    mediator = _appointed_mediator(locked.case, user)
    # The mediator's row is the lock two confirmations of overlapping times queue on.
    MediatorProfile.objects.select_for_update().get(pk=mediator.pk)
    if locked.status != SessionStatus.PROPOSED:
        raise ServiceError(_("This session's time is already settled."))
    slot = locked.slots.filter(pk=slot_id).first()
    if slot is None:
        raise ServiceError(_("That time was not offered."), field="slot")
    if _overlapping(mediator, slot.starts_at, slot.ends_at, exclude=locked.pk):
        raise ServiceError(_("You already have a session at that time."), field="slot")
    locked.starts_at, locked.ends_at = slot.starts_at, slot.ends_at
    locked.status = SessionStatus.SCHEDULED
    locked.save()
    log_action(
        case=locked.case,
        actor=user,
        action="mediation.session_scheduled",
        meta=meta,
        data={"starts_at": slot.starts_at.isoformat(), "ends_at": slot.ends_at.isoformat()},
    )
    queue_email(
        to=_emails(locked.case, mediator),
        template="mediation_session",
        context={"case": locked.case, "session": locked},
        attachments=[["mediation-session.ics", session_ics(locked), "text/calendar; method=REQUEST"]],
    )
    return locked


@transaction.atomic
def session_open(
    *, case: Case, user: User, session: MediationSession | None = None, meta: RequestMeta = SYSTEM
) -> MediationSession:
    """The mediator opens the video room: a scheduled session, or one started now without a booking."""
    locked_case = Case.objects.select_for_update().get(pk=case.pk)
    mediator = _appointed_mediator(locked_case, user)
    if not signed_by_both_parties(locked_case, IssuedKind.AGREEMENT_TO_MEDIATE):
        raise ServiceError(_("Both parties must sign the agreement to mediate before the first session."))
    if MediationSession.objects.filter(case=locked_case, status=SessionStatus.LIVE).exists():
        raise ServiceError(_("A session is already in progress."))
    now = timezone.now()
    if session is None:
        session = MediationSession.objects.create(
            case=locked_case, mediator=mediator, starts_at=now, ends_at=now + timedelta(hours=2)
        )
    else:
        session = MediationSession.objects.select_for_update().get(pk=session.pk, case=locked_case)
        if session.status not in (SessionStatus.SCHEDULED, SessionStatus.PROPOSED):
            raise ServiceError(_("This session cannot be opened."))
    session.status = SessionStatus.LIVE
    session.started_at = now
    session.save()
    log_action(
        case=locked_case,
        actor=user,
        action="mediation.session_started",
        meta=meta,
        data={"session": str(session.public_id)},
    )
    return session


def _tell_room_it_ended(session_id: int) -> None:
    channels = list(
        Participant.objects.filter(session_id=session_id, left_at__isnull=True).values_list("channel_name", flat=True)
    )
    layer = get_channel_layer()
    if layer is None:
        return
    for channel in channels:
        async_to_sync(layer.send)(channel, {"type": "session.ended"})


@transaction.atomic
def session_end(*, session: MediationSession, user: User, meta: RequestMeta = SYSTEM) -> MediationSession:
    locked = MediationSession.objects.select_for_update().select_related("case").get(pk=session.pk)
    _appointed_mediator(locked.case, user)
    if locked.status != SessionStatus.LIVE:
        raise ServiceError(_("This session is not in progress."))
    locked.status = SessionStatus.ENDED
    locked.ended_at = timezone.now()
    locked.save()
    minutes = int((locked.ended_at - (locked.started_at or locked.ended_at)).total_seconds() // 60)
    log_action(case=locked.case, actor=user, action="mediation.session_ended", meta=meta, data={"minutes": minutes})
    session_id = locked.pk
    transaction.on_commit(lambda: _tell_room_it_ended(session_id))
    return locked


@transaction.atomic
def note_add(*, case: Case, user: User, body: str, meta: RequestMeta = SYSTEM) -> MediatorNote:
    _appointed_mediator(case, user)
    if not body.strip():
        raise ServiceError(_("Write the note first."), field="body")
    return MediatorNote.objects.create(case=case, author=user, body=body.strip())


@transaction.atomic
def outcome_record(
    *,
    case: Case,
    user: User,
    result: str,
    amount: Decimal | None = None,
    terms: str = "",
    pay_by: date | None = None,
    meta: RequestMeta = SYSTEM,
) -> MediationOutcome:
    """The mediator records how mediation ended. Settled: the terms (the sum, the date to pay it by if the
    parties agreed one, the wording) go to the settlement agreement. Otherwise the case goes to arbitration if
    both parties agreed to it, or closes."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    _appointed_mediator(locked, user)
    if result not in MediationResult.values:
        raise ServiceError(_("Choose how the mediation ended."), field="result")
    if MediationSession.objects.filter(case=locked, status=SessionStatus.LIVE).exists():
        raise ServiceError(_("End the session in progress first."))
    if result in (MediationResult.SETTLED, MediationResult.PARTLY_SETTLED):
        if amount is None or amount < 0 or not in_cents(amount):
            raise ServiceError(_("Enter the settlement sum in HK$."), field="amount")
        if not terms.strip():
            raise ServiceError(_("Write the agreed terms."), field="terms")
    if result == MediationResult.SETTLED:
        check_pay_by(pay_by)
    outcome = MediationOutcome.objects.create(
        case=locked, result=result, amount=amount, terms=terms.strip(), recorded_by=user
    )
    MediationState.objects.filter(case=locked).update(phase=MediationPhase.ENDED)
    label = str(MediationResult(result).label)
    log_action(case=locked, actor=user, action="mediation.outcome", meta=meta, data={"result": result, "label": label})
    if result == MediationResult.SETTLED:
        assert amount is not None
        settlement = CaseSettlement.objects.create(
            case=locked, amount=amount, terms=terms.strip(), pay_by=pay_by, source=SettlementSource.MEDIATION
        )
        case_transition(
            case=locked, action=Action.AGREE_SETTLEMENT, actor=user, meta=meta, data={"amount": str(amount)}
        )
        settlement_agreed(locked, settlement)
    else:
        mediation_unsettled(case=locked, actor=user, partly_settled=result == MediationResult.PARTLY_SETTLED, meta=meta)
    case.status = locked.status
    return outcome


def session_reminders_send(*, now: datetime | None = None) -> int:
    """24 h and 1 h before each scheduled session (from settings), one email each, never twice."""
    moment = now or timezone.now()
    hours_list = sorted(set(settings.ODR_SESSION_REMINDER_HOURS))
    if not hours_list:
        return 0
    sent = 0
    upcoming = MediationSession.objects.filter(
        status=SessionStatus.SCHEDULED, starts_at__gt=moment, starts_at__lte=moment + timedelta(hours=hours_list[-1])
    ).select_related("case", "mediator__user")
    for session in upcoming:
        assert session.starts_at is not None
        crossed = [h for h in hours_list if session.starts_at <= moment + timedelta(hours=h)]
        nearest = min(crossed)
        with transaction.atomic():
            _reminder, created = SessionReminder.objects.get_or_create(
                session=session, starts_at=session.starts_at, hours_before=nearest
            )
            if not created:
                continue
            for hours in crossed:
                SessionReminder.objects.get_or_create(session=session, starts_at=session.starts_at, hours_before=hours)
            queue_email(
                to=_emails(session.case, session.mediator),
                template="mediation_reminder",
                context={"case": session.case, "session": session, "hours": nearest},
            )
            sent += 1
    return sent


@transaction.atomic
def mediation_extension_request(*, case: Case, user: User, meta: RequestMeta = SYSTEM) -> MediationState:
    """The one extension of the mediation period: one party asks, the other agrees (by asking too)."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    role = locked.parties.filter(user=user).values_list("role", flat=True).first()
    if role is None:
        raise ServiceError(_("Only the parties can ask for an extension."))
    state = MediationState.objects.select_for_update().filter(case=locked).first()
    if state is None or locked.status != CaseStatus.MEDIATION or locked.deadline_at is None:
        raise ServiceError(_("This case is not in mediation."))
    if state.extended_at is not None:
        raise ServiceError(_("The mediation period has already been extended once."))
    if state.extension_requested_by == role:
        raise ServiceError(_("You have already asked; the other party must agree."))
    if not state.extension_requested_by:
        state.extension_requested_by = role
        state.save(update_fields=["extension_requested_by"])
        log_action(case=locked, actor=user, action="mediation.extension_requested", meta=meta)
        return state
    case_deadline_extend(
        case=locked,
        until=locked.deadline_at + timedelta(days=settings.ODR_MEDIATION_EXTENSION_DAYS),
        actor=user,
        reason=_("Extension of the mediation period agreed by both parties"),
        meta=meta,
    )
    state.extended_at = timezone.now()
    state.save(update_fields=["extended_at"])
    return state
