"""Signed, single-use, expiring invitation links: what the respondent's invitation to a case and a business's
invitation to a deal share. The link carries its record's id and a random secret, signed (Django's signing,
with a salt of each kind's own); only the SHA-256 of the secret is stored, on the invitation's row. Each kind
says its own refusals in its own words: this module names what is wrong (``LinkRefused.reason``)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum, auto

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet
from django.utils import timezone

from cases.models.invitations import InvitationFields


class Refusal(Enum):
    INVALID = auto()  # not signed by us, cut short, or naming another record
    EXPIRED = auto()
    USED = auto()
    REPLACED = auto()  # a newer invitation was sent: the older link stops working


class LinkRefused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.name)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LinkKind:
    salt: str
    record_key: str  # the payload's key for the record's public id ("c": a case, "d": a deal)
    record_field: str  # the invitation row's foreign key to its record ("case", "deal")

    @property
    def valid_for(self) -> timedelta:
        return timedelta(days=settings.ODR_INVITATION_VALID_DAYS)


@dataclass(frozen=True, slots=True)
class NewLink:
    token: str
    secret_sha256: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ReadLink:
    record_hex: str
    secret_sha256: str


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def link_issue(kind: LinkKind, *, record_hex: str) -> NewLink:
    """A new link for the record whose public id is ``record_hex``, and what its row stores."""
    secret = secrets.token_urlsafe(32)
    token = signing.dumps({kind.record_key: record_hex, "n": secret}, salt=kind.salt, compress=True)
    return NewLink(token=token, secret_sha256=secret_digest(secret), expires_at=timezone.now() + kind.valid_for)


def link_read(kind: LinkKind, token: str) -> ReadLink:
    """What a link says, if it is ours and not expired; otherwise ``LinkRefused``."""
    try:
        payload = signing.loads(token, salt=kind.salt, max_age=kind.valid_for)
    except signing.SignatureExpired:
        raise LinkRefused(Refusal.EXPIRED) from None
    except signing.BadSignature:
        raise LinkRefused(Refusal.INVALID) from None
    return ReadLink(
        record_hex=str(payload.get(kind.record_key, "")), secret_sha256=secret_digest(str(payload.get("n", "")))
    )


def link_check_usable[Row: InvitationFields](invitation: Row | None, *, record_hex: str, link: ReadLink) -> Row:
    """``invitation`` (the row found by the link's secret), unless it is not the link's (or none), or it was
    used, replaced or has expired: ``LinkRefused``. ``record_hex``: the public id of the row's record."""
    if invitation is None or record_hex != link.record_hex:
        raise LinkRefused(Refusal.INVALID)
    if invitation.used_at is not None:
        raise LinkRefused(Refusal.USED)
    if invitation.revoked_at is not None:
        raise LinkRefused(Refusal.REPLACED)
    if invitation.expires_at <= timezone.now():
        raise LinkRefused(Refusal.EXPIRED)
    return invitation


def link_follow[Row: InvitationFields](kind: LinkKind, token: str, rows: QuerySet[Row], *, lock: bool = False) -> Row:
    """The invitation row (with its record) that ``token`` stands for, if it may still be used; otherwise
    ``LinkRefused``. ``lock``: the row is locked until the caller's transaction ends (using it)."""
    link = link_read(kind, token)
    queryset = rows.select_related(kind.record_field)
    if lock:
        queryset = queryset.select_for_update()
    found = queryset.filter(secret_sha256=link.secret_sha256).first()
    record_hex = getattr(found, kind.record_field).public_id.hex if found is not None else ""
    return link_check_usable(found, record_hex=record_hex, link=link)
