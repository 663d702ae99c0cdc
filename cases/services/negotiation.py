"""Writes of the negotiation room: messages, offers, double-blind bids, extension and escalation.

Each persists first and broadcasts after the commit. Rows that two people may act on at once
(an offer, a bidding round, the case) are locked, so concurrent actions resolve to one outcome and
the loser gets a clear error.
"""

from __future__ import annotations

import functools
import uuid
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import psycopg
from django.conf import settings
from django.db import DataError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.hooks import settlement_agreed
from cases.lifecycle import Action, case_deadline_extend, case_transition
from cases.models import Case, CaseParty, CaseSettlement, CaseStatus, Document, PartyRole, SettlementSource
from cases.money import CENT, format_hkd, in_cents
from cases.notifications import queue_email
from cases.offer_dates import check_expiry, check_pay_by
from cases.realtime import (
    broadcast_bid,
    broadcast_case_status,
    broadcast_message,
    broadcast_offer,
    message_event,
    plain_message_payload,
    send_collected,
)
from cases.selectors.negotiation import is_online, still_open
from cases.services import ServiceError
from cases.services.stages import stage_advance
from negotiation.models import BidOutcome, BlindBid, Message, NegotiationState, Offer, OfferStatus, ReadMarker
from odr import adb

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_MESSAGE_LENGTH = 4000
MAX_TERMS_LENGTH = 4000


def _lock_for_party(case: Case, user: User) -> tuple[Case, PartyRole]:
    """Lock the case row and learn the user's side in one query; refuse non-parties and ended talks.

    Only ``case.pk`` is used: callers may pass a bare reference, the case is re-read under the lock.
    """
    party_role = CaseParty.objects.filter(case=OuterRef("pk"), user_id=user.pk).values("role")[:1]
    locked = (
        Case.objects.select_for_update(of=("self",))
        .annotate(party_role=Subquery(party_role))
        .filter(pk=case.pk)
        .first()
    )
    if locked is None or not locked.party_role:
        raise ServiceError(_("Only the parties can act in the negotiation room."))
    if locked.status != CaseStatus.NEGOTIATION:
        raise ServiceError(
            _("The negotiation has ended: the case is now %(status)s.")
            % {"status": locked.get_status_display().lower()}
        )
    if locked.deadline_at is not None and locked.deadline_at <= timezone.now():
        # The sweep moves the case on shortly; until then the deadline already holds.
        raise ServiceError(_("The negotiation period has ended."))
    return locked, PartyRole(locked.party_role)


def _other(role: PartyRole) -> PartyRole:
    return PartyRole.RESPONDENT if role == PartyRole.CLAIMANT else PartyRole.CLAIMANT


def check_amount(case: Case, amount: Decimal) -> Decimal:
    """An amount the respondent would pay: at least zero, in cents, at most what is claimed."""
    if not amount.is_finite() or amount < 0:
        raise ServiceError(_("Enter an amount of zero or more."), field="amount")
    if not in_cents(amount):
        raise ServiceError(_("Amounts have at most 2 decimal places."), field="amount")
    ceiling = case.amount_claimed or settings.ODR_ELIGIBILITY_MAX_AMOUNT
    if amount > ceiling:
        raise ServiceError(
            _("The amount cannot be more than the %(amount)s claimed.") % {"amount": format_hkd(ceiling)},
            field="amount",
        )
    return amount


def _email_if_offline(case: Case, role: PartyRole, template: str, context: dict[str, object]) -> None:
    party = case.parties.select_related("user").filter(role=role).first()
    if party is not None and not is_online(case, party.user):
        queue_email(to=party.user.email, template=template, context={"case": case, **context})


# --- Messages -----------------------------------------------------------------------------------


def _message_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ServiceError(_("Write a message first."), field="body")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise ServiceError(_("A message can be at most %(n)s characters.") % {"n": MAX_MESSAGE_LENGTH}, field="body")
    if "\x00" in body:  # which PostgreSQL text cannot hold: refused the same way on every database
        raise ServiceError(_("The message contains a character that cannot be stored."), field="body")
    return body


def message_post(
    *, case: Case, user: User, body: str, document_id: str | None = None, meta: RequestMeta = SYSTEM
) -> Message:
    """Store a party's message, then broadcast it. The room's hot path: a plain message is one statement
    that inserts it only if the sender is a party of a case still in negotiation; anything else (a
    message citing a document, or a refusal to explain) takes the locked path."""
    body = _message_body(body)
    if not document_id:
        inserted = _message_insert_if_allowed(case_id=case.pk, user=user, body=body)
        if inserted is not None:
            message, prev_id = inserted
            broadcast_message(message, prev_id=prev_id)
            return message
    return _message_post_locked(case=case, user=user, body=body, document_id=document_id)


async def amessage_post(*, case_id: int, user: User, body: str) -> int | None:
    """``message_post`` for a plain message, from the event loop on PostgreSQL (``odr.adb``): the same
    single statement, committed when it returns, and then the broadcast; returns the message's id. None
    when this path cannot store it (not PostgreSQL, or the statement found the sender may not post): the
    caller then calls ``message_post``, which stores it or explains the refusal."""
    if not adb.available():
        return None  # before checking the body, which message_post checks on that path
    body = _message_body(body)
    now = timezone.now()
    try:
        row = await adb.loop_connections().fetchone(
            _message_insert_sql(), _message_insert_params(case_id=case_id, user=user, body=body, stamp=now)
        )
    except psycopg.DataError as exc:  # what the database refused of the input
        raise DataError(str(exc)) from exc
    if row is None:
        return None
    message_id, sender_role, prev_id = row
    # The payload straight from the fields: building a model instance for it cost about 0.1 ms a message.
    payload = plain_message_payload(
        message_id=message_id, sender=user, sender_role=sender_role, body=body, created_at=now
    )
    await send_collected([(case_id, message_event(payload, prev_id=prev_id or 0))])
    return int(message_id)


@functools.cache
def _message_insert_sql() -> str:
    """INSERT ... SELECT: the access check and the write in one round trip, without locking the case. It
    also returns the id of the case's message before this one, which the broadcast carries (``prev_id``).

    The conditions are those of ``_lock_for_party``. A transition committing at the same instant may
    close the room just after; the message was sent while it was open and is on the record either way.
    """
    quote = connection.ops.quote_name
    message_table, case_table = quote(Message._meta.db_table), quote(Case._meta.db_table)
    party_table = quote(CaseParty._meta.db_table)
    return (
        f"INSERT INTO {message_table} (case_id, sender_id, sender_role, body, created_at) "  # noqa: S608
        f"SELECT c.id, p.user_id, p.role, %s, %s FROM {case_table} c "
        f"JOIN {party_table} p ON p.case_id = c.id AND p.user_id = %s "
        "WHERE c.id = %s AND c.status = %s AND (c.deadline_at IS NULL OR c.deadline_at > %s) "
        f"RETURNING id, sender_role, (SELECT MAX(e.id) FROM {message_table} e "
        f"WHERE e.case_id = %s AND e.id < {message_table}.id)"
    )


def _message_insert_params(*, case_id: int, user: User, body: str, stamp: Any) -> list[Any]:
    """The parameters of ``_message_insert_sql``, in its order; ``stamp`` is the time, as the database takes it."""
    return [body, stamp, user.pk, case_id, CaseStatus.NEGOTIATION.value, stamp, case_id]


def _message_insert_if_allowed(*, case_id: int, user: User, body: str) -> tuple[Message, int] | None:
    """Run ``_message_insert_sql`` on the ORM's connection; the message and the id before it, if stored."""
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            _message_insert_sql(), _message_insert_params(case_id=case_id, user=user, body=body, stamp=stamp)
        )
        row = cursor.fetchone()
    if row is None:
        return None
    message = Message(id=row[0], case_id=case_id, sender=user, sender_role=row[1], body=body, created_at=now)
    return message, row[2] or 0


@transaction.atomic
def _message_post_locked(*, case: Case, user: User, body: str, document_id: str | None) -> Message:
    locked, role = _lock_for_party(case, user)
    document = None
    if document_id:
        try:
            public_id = uuid.UUID(str(document_id))
        except ValueError:
            raise ServiceError(_("That document is not part of this case."), field="document") from None
        document = Document.objects.filter(case=locked, public_id=public_id).first()
        if document is None:
            raise ServiceError(_("That document is not part of this case."), field="document")
    # The message table is itself an append-only record (who, when, what); chat lines are not copied
    # into the audit log, which records the room's decisions (offers, bids, extensions, escalation).
    message = Message.objects.create(case=locked, sender=user, sender_role=role, body=body, document=document)
    broadcast_message(message)
    return message


# --- Offers -------------------------------------------------------------------------------------


def _create_offer(
    *,
    case: Case,
    user: User,
    role: PartyRole,
    amount: Decimal,
    terms: str,
    expires_at: datetime | None,
    pay_by: date | None,
    counter_to: Offer | None,
    meta: RequestMeta,
) -> Offer:
    terms = terms.strip()
    if len(terms) > MAX_TERMS_LENGTH:
        raise ServiceError(_("Terms can be at most %(n)s characters.") % {"n": MAX_TERMS_LENGTH}, field="terms")
    offer = Offer.objects.create(
        case=case,
        maker=user,
        maker_role=role,
        amount=check_amount(case, amount),
        terms=terms,
        pay_by=pay_by,
        expires_at=expires_at,
        counter_to=counter_to,
    )
    log_action(
        case=case,
        actor=user,
        action="offer.made",
        meta=meta,
        data={
            "offer": offer.pk,
            "amount": f"{offer.amount:.2f}",
            "pay_by": pay_by.isoformat() if pay_by else None,
            "counter_to": counter_to.pk if counter_to else None,
        },
    )
    broadcast_offer(offer)
    _email_if_offline(case, _other(role), "offer_made", {"offer": offer})
    return offer


@transaction.atomic
def offer_make(
    *,
    case: Case,
    user: User,
    amount: Decimal,
    terms: str,
    expires_at: datetime | None = None,
    pay_by: date | None = None,
    meta: RequestMeta = SYSTEM,
) -> Offer:
    """Offer to settle for ``amount``, paid by ``pay_by`` if given (else within the Centre's days after the
    agreement is executed); the offer is open until ``expires_at`` if given."""
    locked, role = _lock_for_party(case, user)
    check_expiry(expires_at)
    check_pay_by(pay_by)
    _expire_stale_offers(locked)
    if Offer.objects.filter(case=locked, maker_role=role, status=OfferStatus.OPEN).exists():
        raise ServiceError(_("You already have an open offer. Withdraw it before making a new one."))
    return _create_offer(
        case=locked,
        user=user,
        role=role,
        amount=amount,
        terms=terms,
        expires_at=expires_at,
        pay_by=pay_by,
        counter_to=None,
        meta=meta,
    )


def _locked_open_offer(case: Case, offer_id: int) -> Offer:
    return still_open(Offer.objects.select_for_update().filter(case=case, pk=offer_id).first())


def _expire_stale_offers(case: Case) -> None:
    for offer in Offer.objects.select_for_update().filter(
        case=case, status=OfferStatus.OPEN, expires_at__lte=timezone.now()
    ):
        offer.status = OfferStatus.EXPIRED
        offer.save(update_fields=["status"])
        broadcast_offer(offer)


def _respond(offer: Offer, user: User, status: OfferStatus, meta: RequestMeta) -> Offer:
    offer.status = status
    offer.responded_by = user
    offer.responded_at = timezone.now()
    offer.save(update_fields=["status", "responded_by", "responded_at"])
    log_action(case=offer.case, actor=user, action=f"offer.{status}", meta=meta, data={"offer": offer.pk})
    broadcast_offer(offer)
    return offer


@transaction.atomic
def offer_accept(*, case: Case, user: User, offer_id: int, meta: RequestMeta = SYSTEM) -> CaseSettlement:
    locked, role = _lock_for_party(case, user)
    offer = _locked_open_offer(locked, offer_id)
    if offer.maker_role == role:
        raise ServiceError(_("You cannot accept your own offer."))
    if offer.pay_by is not None and offer.pay_by < timezone.localdate():
        raise ServiceError(
            _("The date to pay by in this offer has passed. Make a counter-offer with a new date instead.")
        )
    _respond(offer, user, OfferStatus.ACCEPTED, meta)
    settlement = _agree_settlement(
        case=locked,
        amount=offer.amount,
        terms=offer.terms,
        pay_by=offer.pay_by,
        source=SettlementSource.OFFER,
        offer=offer,
        meta=meta,
    )
    _email_if_offline(locked, _other(role), "offer_accepted", {"offer": offer})
    return settlement


@transaction.atomic
def offer_reject(*, case: Case, user: User, offer_id: int, meta: RequestMeta = SYSTEM) -> Offer:
    locked, role = _lock_for_party(case, user)
    offer = _locked_open_offer(locked, offer_id)
    if offer.maker_role == role:
        raise ServiceError(_("You cannot reject your own offer; withdraw it instead."))
    return _respond(offer, user, OfferStatus.REJECTED, meta)


@transaction.atomic
def offer_withdraw(*, case: Case, user: User, offer_id: int, meta: RequestMeta = SYSTEM) -> Offer:
    locked, role = _lock_for_party(case, user)
    offer = _locked_open_offer(locked, offer_id)
    if offer.maker_role != role:
        raise ServiceError(_("Only the party that made an offer can withdraw it."))
    return _respond(offer, user, OfferStatus.WITHDRAWN, meta)


@transaction.atomic
def offer_counter(
    *,
    case: Case,
    user: User,
    offer_id: int,
    amount: Decimal,
    terms: str,
    expires_at: datetime | None = None,
    pay_by: date | None = None,
    meta: RequestMeta = SYSTEM,
) -> Offer:
    """Answer the other side's offer with one's own; an open offer of one's own is replaced."""
    locked, role = _lock_for_party(case, user)
    check_expiry(expires_at)
    check_pay_by(pay_by)
    check_amount(locked, amount)
    offer = _locked_open_offer(locked, offer_id)
    if offer.maker_role == role:
        raise ServiceError(_("You cannot counter your own offer."))
    _respond(offer, user, OfferStatus.COUNTERED, meta)
    _expire_stale_offers(locked)
    for own in Offer.objects.select_for_update().filter(case=locked, maker_role=role, status=OfferStatus.OPEN):
        _respond(own, user, OfferStatus.WITHDRAWN, meta)
    return _create_offer(
        case=locked,
        user=user,
        role=role,
        amount=amount,
        terms=terms,
        expires_at=expires_at,
        pay_by=pay_by,
        counter_to=offer,
        meta=meta,
    )


def _agree_settlement(
    *,
    case: Case,
    amount: Decimal,
    terms: str,
    source: SettlementSource,
    offer: Offer | None,
    meta: RequestMeta,
    pay_by: date | None = None,
) -> CaseSettlement:
    """Record the agreed terms on the case and move it to settlement (the agreement is signed next)."""
    settlement = CaseSettlement.objects.create(
        case=case, amount=amount, terms=terms, pay_by=pay_by, source=source, offer=offer
    )
    for other in Offer.objects.select_for_update().filter(case=case, status=OfferStatus.OPEN):
        other.status = OfferStatus.SUPERSEDED
        other.save(update_fields=["status"])
        broadcast_offer(other)
    case_transition(
        case=case,
        action=Action.AGREE_SETTLEMENT,
        actor=None,
        meta=meta,
        data={"amount": f"{amount:.2f}", "source": source},
    )
    settlement_agreed(case, settlement)
    return settlement


# --- Double-blind bidding -----------------------------------------------------------------------


def settlement_gap(demand: Decimal) -> Decimal:
    """How far apart the figures may be and still settle: a share of the demand, or a floor amount."""
    share = (demand * settings.ODR_BLIND_BID_GAP_PERCENT / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return max(share, settings.ODR_BLIND_BID_GAP_MIN)


def blind_bid_result(*, demand: Decimal, offer: Decimal) -> Decimal | None:
    """The settlement amount, or None. An offer that reaches the demand settles at the demand; one within
    the gap below it settles at the midpoint (Cybersettle's rule)."""
    if offer >= demand:
        return demand
    if demand - offer <= settlement_gap(demand):
        return ((demand + offer) / 2).quantize(CENT, rounding=ROUND_HALF_UP)
    return None


def current_bid_round(case: Case) -> BlindBid | None:
    return BlindBid.objects.filter(case=case).order_by("-number").first()


@transaction.atomic
def bid_submit(*, case: Case, user: User, amount: Decimal, meta: RequestMeta = SYSTEM) -> BlindBid:
    """Enter this party's confidential figure for the current round; evaluate once both are in."""
    locked, role = _lock_for_party(case, user)  # the case lock also serialises the round's two figures
    check_amount(locked, amount)
    bid = current_bid_round(locked)
    if bid is None or bid.outcome == BidOutcome.NO_SETTLEMENT:
        number = 1 if bid is None else bid.number + 1
        if number > settings.ODR_BLIND_BID_ROUNDS:
            raise ServiceError(
                _("All %(n)s rounds of blind bidding have been used.") % {"n": settings.ODR_BLIND_BID_ROUNDS}
            )
        bid = BlindBid.objects.create(case=locked, number=number)
    field = "claimant_figure" if role == PartyRole.CLAIMANT else "respondent_figure"
    if getattr(bid, field) is not None:
        raise ServiceError(_("You have already entered your figure for round %(n)s.") % {"n": bid.number})
    setattr(bid, field, amount)
    # The audit log never holds a figure: parties and staff alike only see that one was entered.
    log_action(case=locked, actor=user, action="bid.submitted", meta=meta, data={"round": bid.number})
    if bid.claimant_figure is not None and bid.respondent_figure is not None:
        result = blind_bid_result(demand=bid.claimant_figure, offer=bid.respondent_figure)
        bid.closed_at = timezone.now()
        bid.outcome = BidOutcome.NO_SETTLEMENT if result is None else BidOutcome.SETTLED
        bid.settled_amount = result
        log_action(case=locked, actor=None, action=f"bid.{bid.outcome}", data={"round": bid.number})
    bid.save()
    broadcast_bid(bid)
    if bid.outcome == BidOutcome.SETTLED and bid.settled_amount is not None:
        for party_role in (PartyRole.CLAIMANT, PartyRole.RESPONDENT):
            _email_if_offline(locked, party_role, "bid_settled", {"amount": bid.settled_amount, "round": bid.number})
        _agree_settlement(
            case=locked,
            amount=bid.settled_amount,
            terms=_("Settlement reached by double-blind bidding in round %(n)s.") % {"n": bid.number},
            source=SettlementSource.BLIND_BID,
            offer=None,
            meta=meta,
        )
    return bid


# --- Extension and escalation -------------------------------------------------------------------


@transaction.atomic
def extension_request(*, case: Case, user: User, meta: RequestMeta = SYSTEM) -> NegotiationState:
    """Ask for the one extension; the other party agrees or not."""
    locked, role = _lock_for_party(case, user)
    state, _created = NegotiationState.objects.select_for_update().get_or_create(case=locked)
    if state.extended_at is not None:
        raise ServiceError(_("The negotiation period has already been extended once."))
    if state.extension_requested_by:
        if state.extension_requested_by == role:
            raise ServiceError(_("You have already asked for an extension."))
        return extension_agree(case=locked, user=user, meta=meta)
    state.extension_requested_by = role
    state.extension_requested_at = timezone.now()
    state.save()
    log_action(case=locked, actor=user, action="negotiation.extension_requested", meta=meta)
    _email_if_offline(locked, _other(role), "extension_requested", {})
    broadcast_case_status(locked)
    return state


@transaction.atomic
def extension_agree(*, case: Case, user: User, meta: RequestMeta = SYSTEM) -> NegotiationState:
    locked, role = _lock_for_party(case, user)
    state, _created = NegotiationState.objects.select_for_update().get_or_create(case=locked)
    if state.extended_at is not None:
        raise ServiceError(_("The negotiation period has already been extended once."))
    if not state.extension_requested_by:
        raise ServiceError(_("Nobody has asked for an extension."))
    if state.extension_requested_by == role:
        raise ServiceError(_("The other party must agree to your request."))
    assert locked.deadline_at is not None
    case_deadline_extend(
        case=locked,
        until=locked.deadline_at + timedelta(days=settings.ODR_NEGOTIATION_EXTENSION_DAYS),
        actor=user,
        reason=_("Extension agreed by both parties"),
        meta=meta,
    )
    state.extended_at = timezone.now()
    state.save()
    return state


@transaction.atomic
def mediation_request(*, case: Case, user: User, meta: RequestMeta = SYSTEM) -> Case:
    """Either party may take the case to mediation at any time during negotiation."""
    locked, _role = _lock_for_party(case, user)
    if locked.parties.filter(consents_to_mediation=False).exists():
        raise ServiceError(_("Mediation needs both parties' agreement, and one of them did not agree to it on entry."))
    for offer in Offer.objects.select_for_update().filter(case=locked, status=OfferStatus.OPEN):
        offer.status = OfferStatus.WITHDRAWN
        offer.save(update_fields=["status"])
        broadcast_offer(offer)
    # Mediation starts now, or once its fees are settled (the room stays open meanwhile).
    if stage_advance(case=locked, action=Action.ESCALATE_TO_MEDIATION, actor=user, meta=meta):
        emails = [p.user.email for p in locked.parties.select_related("user").all()]
        queue_email(to=emails, template="to_mediation", context={"case": locked})
    return locked


def expire_offers(*, now: datetime | None = None) -> int:
    """Mark offers past their expiry (the sweep calls this; accept also checks it)."""
    now = now or timezone.now()
    count = 0
    for offer_id in list(
        Offer.objects.filter(status=OfferStatus.OPEN, expires_at__lte=now).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            offer = Offer.objects.select_for_update().get(pk=offer_id)
            if offer.status == OfferStatus.OPEN:
                offer.status = OfferStatus.EXPIRED
                offer.save(update_fields=["status"])
                broadcast_offer(offer)
                count += 1
    return count


def message_digests_send(*, now: datetime | None = None) -> int:
    """Email each party the messages it has not seen, once they are a while old and it is offline."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.ODR_MESSAGE_DIGEST_MINUTES)
    sent = 0
    # Only rooms with recent messages: the sweep runs every minute, so anything older was handled.
    cases = (
        Case.objects.filter(
            status=CaseStatus.NEGOTIATION,
            messages__created_at__lte=cutoff,
            messages__created_at__gte=cutoff - timedelta(days=1),
        )
        .distinct()
        .prefetch_related("parties__user")
    )
    for case in cases:
        for party in case.parties.all():
            with transaction.atomic():
                marker, _created = ReadMarker.objects.select_for_update().get_or_create(case=case, user=party.user)
                seen_up_to = max(marker.last_read_id, marker.last_digest_id)
                unseen = list(
                    Message.objects.filter(case=case, id__gt=seen_up_to, created_at__lte=cutoff)
                    .exclude(sender_role=party.role)
                    .order_by("id")
                )
                if not unseen or is_online(case, party.user):
                    continue
                queue_email(
                    to=party.user.email,
                    template="message_digest",
                    context={"case": case, "messages": unseen[-20:], "count": len(unseen)},
                )
                marker.last_digest_id = unseen[-1].pk
                marker.save(update_fields=["last_digest_id"])
                sent += 1
    return sent
