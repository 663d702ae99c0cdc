"""Bringing the respondent in: a signed, single-use, expiring link sent by email."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.models import Case, CaseStatus, Invitation
from cases.notifications import queue_email
from cases.services import ServiceError
from odr.ratelimit import within_limit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_SALT = "cases.invitation"


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def invitation_allowed(user_id: int) -> bool:
    """Each claim filed or invitation re-sent emails someone outside the platform: at most
    ``ODR_INVITATIONS_PER_DAY`` a day per user, so an account cannot be used to send mail in bulk."""
    return within_limit(f"invitations:{user_id}", limit=settings.ODR_INVITATIONS_PER_DAY, window_seconds=86400)


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("cases:invitation", kwargs={"token": token})


@transaction.atomic
def invitation_send(*, case: Case, actor: User | None, meta: RequestMeta = SYSTEM) -> str:
    """Create an invitation (revoking any earlier one), email it, and return its token."""
    now = timezone.now()
    case.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    nonce = secrets.token_urlsafe(32)
    token = signing.dumps({"c": case.public_id.hex, "n": nonce}, salt=_SALT, compress=True)
    invitation = Invitation.objects.create(
        case=case,
        email=case.respondent_email,
        secret_sha256=_digest(nonce),
        expires_at=now + timedelta(days=settings.ODR_INVITATION_VALID_DAYS),
    )
    claimant = case.parties.select_related("organisation").get(role="claimant")
    queue_email(
        to=invitation.email,
        template="invitation",
        context={
            "case": case,
            "claimant_name": claimant.organisation.name,
            "url": invitation_url(token),
            "expires_at": invitation.expires_at,
        },
    )
    log_action(case=case, actor=actor, action="invitation.sent", meta=meta, data={"email": invitation.email})
    return token


def invitation_for_token(token: str, *, lock: bool = False) -> Invitation:
    """The invitation a link stands for, if it may still be used; otherwise a ServiceError saying why."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=timedelta(days=settings.ODR_INVITATION_VALID_DAYS))
    except signing.SignatureExpired:
        raise ServiceError(_("This invitation link has expired. Ask the claimant to send a new one.")) from None
    except signing.BadSignature:
        raise ServiceError(_("This invitation link is not valid. Check that you copied the whole link.")) from None
    queryset = Invitation.objects.select_related("case")
    if lock:
        queryset = queryset.select_for_update()
    invitation = queryset.filter(secret_sha256=_digest(str(payload.get("n", "")))).first()
    if invitation is None or invitation.case.public_id.hex != payload.get("c"):
        raise ServiceError(_("This invitation link is not valid. Check that you copied the whole link."))
    if invitation.used_at is not None:
        raise ServiceError(_("This invitation has already been used. Sign in to see the case under My cases."))
    if invitation.revoked_at is not None:
        raise ServiceError(_("This invitation was replaced by a newer one. Use the link in the latest email."))
    if invitation.expires_at <= timezone.now():
        raise ServiceError(_("This invitation link has expired. Ask the claimant to send a new one."))
    case = invitation.case
    if case.status != CaseStatus.AWAITING_RESPONSE:
        raise ServiceError(_("This case is no longer waiting for a response."))
    # The sweep closes the case at the deadline; until it runs, the deadline still holds.
    if case.deadline_at is not None and case.deadline_at <= timezone.now():
        raise ServiceError(_("The time to respond to this claim has passed."))
    return invitation


@transaction.atomic
def invitation_resend(*, case: Case, user: User, meta: RequestMeta = SYSTEM) -> str:
    """The claimant sends the invitation again (the earlier link stops working), at most so often."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not locked.parties.filter(role="claimant", user=user).exists():
        raise ServiceError(_("Only the claimant can send the invitation again."))
    if locked.status != CaseStatus.AWAITING_RESPONSE:
        raise ServiceError(_("The invitation can only be sent again while the case waits for a response."))
    last = locked.invitations.order_by("-created_at").first()
    wait = timedelta(minutes=settings.ODR_INVITATION_RESEND_MINUTES)
    if last is not None and last.created_at > timezone.now() - wait:
        raise ServiceError(
            _("An invitation was sent less than %(minutes)s minutes ago. Please wait before sending another.")
            % {"minutes": settings.ODR_INVITATION_RESEND_MINUTES}
        )
    return invitation_send(case=locked, actor=user, meta=meta)
