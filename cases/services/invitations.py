"""Bringing the respondent in: a signed, single-use, expiring link sent by email."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.invitation_links import LinkKind, LinkRefused, Refusal, link_follow, link_issue
from cases.models import Case, CaseStatus, Invitation
from cases.notifications import queue_email
from cases.services import ServiceError
from odr.ratelimit import within_limit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CASE_LINKS = LinkKind(salt="cases.invitation", record_key="c", record_field="case")
_REFUSALS = {
    Refusal.INVALID: gettext_lazy("This invitation link is not valid. Check that you copied the whole link."),
    Refusal.EXPIRED: gettext_lazy("This invitation link has expired. Ask the claimant to send a new one."),
    Refusal.USED: gettext_lazy("This invitation has already been used. Sign in to see the case under My cases."),
    Refusal.REPLACED: gettext_lazy("This invitation was replaced by a newer one. Use the link in the latest email."),
}


def invitation_allowed(user_id: int) -> bool:
    """Each claim filed or invitation re-sent emails someone outside the platform: at most
    ``ODR_INVITATIONS_PER_DAY`` a day per user, so an account cannot be used to send mail in bulk."""
    return within_limit(f"invitations:{user_id}", limit=settings.ODR_INVITATIONS_PER_DAY, window_seconds=86400)


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("cases:invitation", kwargs={"token": token})


@transaction.atomic
def invitation_send(*, case: Case, actor: User | None, meta: RequestMeta = SYSTEM) -> str:
    """Create an invitation (revoking any earlier one), email it, and return its token."""
    case.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=timezone.now())
    link = link_issue(CASE_LINKS, record_hex=case.public_id.hex)
    invitation = Invitation.objects.create(
        case=case, email=case.respondent_email, secret_sha256=link.secret_sha256, expires_at=link.expires_at
    )
    claimant = case.parties.select_related("organisation").get(role="claimant")
    queue_email(
        to=invitation.email,
        template="invitation",
        context={
            "case": case,
            "claimant_name": claimant.organisation.name,
            "url": invitation_url(link.token),
            "expires_at": invitation.expires_at,
        },
    )
    log_action(case=case, actor=actor, action="invitation.sent", meta=meta, data={"email": invitation.email})
    return link.token


def invitation_for_token(token: str, *, lock: bool = False) -> Invitation:
    """The invitation a link stands for, if it may still be used; otherwise a ServiceError saying why."""
    try:
        invitation: Invitation = link_follow(CASE_LINKS, token, Invitation.objects.all(), lock=lock)
    except LinkRefused as refused:
        raise ServiceError(str(_REFUSALS[refused.reason])) from None
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
