"""The room's messages: posting one (the hot path, one statement on the event loop's own connection where it
can), and the email digest of what a party has not seen."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
from django.conf import settings
from django.db import DataError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta
from cases.models import Case, CaseParty, CaseStatus, Document
from cases.notifications import queue_email
from cases.realtime import send_collected
from cases.services import ServiceError
from negotiation.models import Message, ReadMarker
from negotiation.realtime import broadcast_message, message_event, plain_message_payload
from negotiation.selectors import is_online
from negotiation.services.party import lock_for_party
from odr import adb

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_MESSAGE_LENGTH = 4000


def _message_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ServiceError(_("Write a message first."), field="body")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise ServiceError(_("A message can be at most %(n)s characters.") % {"n": MAX_MESSAGE_LENGTH}, field="body")
    if "\x00" in body:  # which PostgreSQL text cannot hold: refused the same way on every database
        raise ServiceError(_("The message contains a character that cannot be stored."), field="body")
    return body


@transaction.atomic
def message_post(
    *, case: Case, user: User, body: str, document_id: str | None = None, meta: RequestMeta = SYSTEM
) -> Message:
    """Store a party's message, then broadcast it after the commit: the room's one path through the ORM, on
    every database. (On PostgreSQL the socket first tries ``amessage_post``, the one fast path.)"""
    body = _message_body(body)
    locked, role = lock_for_party(case, user)
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


async def amessage_post(*, case_id: int, user: User, body: str) -> int | None:
    """``message_post`` for a plain message, from the event loop on PostgreSQL (``odr.adb``): one statement
    that checks and stores, committed when it returns, and then the broadcast; returns the message's id.
    None when this path cannot store it (not PostgreSQL, or the statement found the sender may not post):
    the caller then calls ``message_post``, which stores it or explains the refusal.

    The room's one fast path, kept because the ORM could not match it (2026-12-03, this machine, 50 rooms,
    20 concurrent senders in one event loop, 3,000 messages; p50 / p99 per message):
    - this statement on the loop's connection:               3,109 msg/s,   6 /  13 ms;
    - ``message_post`` (ORM, case locked, database thread):     128 msg/s, 150 / 251 ms;
    - the ORM without the lock (3 statements, database thread): 201 msg/s,  88 / 358 ms;
    - django-async-backend 6.1.5 (the same 3 ORM statements on its asyncio connections): 435 msg/s,
      43 / 160 ms, and a connection held by every socket's task.
    In ``bench/room_bench.py`` (250 rooms, 500 sockets, 200 msg/s, 2 Daphne, the same day): with this path
    the room was x1.78 the bare floor at p50 and x2.20 at p99 (median of 3 rounds, 0 lost); with
    ``ODR_LOOP_DB_CONNECTIONS=0`` (every message through ``message_post``) p50 2.0 s and p99 2.9 s, x771
    and x277 the floor: the ORM path falls behind 200 messages a second."""
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

    The conditions are those of ``lock_for_party``. A transition committing at the same instant may
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
