"""Starting a deal from a template, bringing the other business in, and cancelling it before signing."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.audit import SYSTEM, RequestMeta
from cases.invitation_links import LinkKind, LinkRefused, Refusal, link_follow, link_issue
from cases.models import Membership, Organisation
from cases.notifications import queue_email
from cases.services import ServiceError
from cases.services.invitations import invitation_allowed
from deals.access import may_start_deal
from deals.audit import log_deal_action
from deals.content import clean_field_values, initial_content
from deals.models import Deal, DealInvitation, DealParty, DealStatus, DealTemplate, DealVersion, Side, TemplateStatus
from deals.models.deals import DealLanguage, DealReferenceCounter
from deals.realtime import broadcast_deal_on_commit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DEAL_LINKS = LinkKind(salt="deals.invitation", record_key="d", record_field="deal")
_REFUSALS = {
    Refusal.INVALID: gettext_lazy("This invitation link is not valid. Check that you copied the whole link."),
    Refusal.EXPIRED: gettext_lazy(
        "This invitation link has expired. Ask the business that invited you to send a new one."
    ),
    Refusal.USED: gettext_lazy("This invitation has already been used. Sign in to see the deal under My deals."),
    Refusal.REPLACED: gettext_lazy("This invitation was replaced by a newer one. Use the link in the latest email."),
}
MAX_TITLE = 200


def _next_reference(year: int) -> str:
    """``DL-<year>-<6 digits>``; the counter row is locked by the UPDATE until the transaction ends."""
    DealReferenceCounter.objects.get_or_create(year=year)
    DealReferenceCounter.objects.filter(year=year).update(last_number=F("last_number") + 1)
    return f"DL-{year}-{DealReferenceCounter.objects.get(year=year).last_number:06d}"


def _check_member(user: User, organisation: Organisation, field: str = "organisation") -> None:
    if not Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ServiceError(_("You can only act for an organisation you belong to."), field=field)


@transaction.atomic
def deal_start(
    *,
    user: User,
    organisation: Organisation,
    template: DealTemplate,
    role_key: str,
    title: str,
    language: str,
    values: dict[str, Any],
    counterparty_email: str,
    meta: RequestMeta = SYSTEM,
) -> Deal:
    """A deal from ``template`` with the fields filled in as version 1, and the other business invited.
    Every field is checked (all errors at once, as ``FieldErrors``); nothing is saved unless all pass."""
    if not may_start_deal(user):
        raise ServiceError(_("Your account cannot start deals."))
    _check_member(user, organisation)
    if template.status != TemplateStatus.PUBLISHED:
        raise ServiceError(_("This template is no longer offered. Start from the current version."), field="template")
    if role_key not in [role["key"] for role in template.roles]:
        raise ServiceError(_("Choose the part your business plays."), field="role_key")
    if not title.strip() or len(title) > MAX_TITLE:
        raise ServiceError(_("Give the deal a title of at most 200 characters."), field="title")
    if language not in DealLanguage.values:
        raise ServiceError(_("Choose the language of the contract."), field="language")
    email = _clean_email(counterparty_email, user)
    cleaned = clean_field_values(template.body, values)
    now = timezone.now()
    deal = Deal.objects.create(
        template=template,
        title=title.strip(),
        language=language,
        created_by=user,
        reference=_next_reference(timezone.localdate(now).year),
    )
    DealParty.objects.create(deal=deal, side=Side.INITIATOR, role_key=role_key, organisation=organisation, user=user)
    DealVersion.objects.create(
        deal=deal,
        number=1,
        content=initial_content(template.body, cleaned, deal.languages),
        created_by=user,
        summary=_("Started from the template %(title)s, version %(version)s")
        % {"title": template.title_en, "version": template.version},
    )
    log_deal_action(
        deal=deal,
        action="deal.started",
        actor=user,
        meta=meta,
        data={"template": template.key, "template_version": template.version, "language": language},
    )
    deal_invitation_send(deal=deal, email=email, actor=user, meta=meta)
    return deal


def _clean_email(raw: str, user: User) -> str:
    email = (raw or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ServiceError(_("Enter the other business's email address."), field="counterparty_email") from None
    if email.lower() == (user.email or "").lower():
        raise ServiceError(_("Invite the other business, not yourself."), field="counterparty_email")
    return email


def deal_invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("deals:invitation", kwargs={"token": token})


@transaction.atomic
def deal_invitation_send(*, deal: Deal, email: str, actor: User, meta: RequestMeta = SYSTEM) -> str:
    """A signed, single-use, expiring invitation for ``email`` (any earlier one stops working), emailed;
    its token returned."""
    if not invitation_allowed(actor.pk):
        raise ServiceError(_("You have sent too many invitations today. Try again tomorrow."))
    deal.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=timezone.now())
    link = link_issue(DEAL_LINKS, record_hex=deal.public_id.hex)
    invitation = DealInvitation.objects.create(
        deal=deal, email=email, secret_sha256=link.secret_sha256, expires_at=link.expires_at
    )
    initiator = deal.parties.select_related("organisation").get(side=Side.INITIATOR)
    context = {
        "deal": deal,
        "initiator_name": initiator.organisation.name,
        "url": deal_invitation_url(link.token),
        "expires_at": invitation.expires_at,
    }
    transaction.on_commit(lambda: queue_email(to=email, template="deal_invitation", context=context))
    log_deal_action(deal=deal, action="deal.invitation_sent", actor=actor, meta=meta, data={"email": email})
    return link.token


def deal_invitation_for_token(token: str, *, lock: bool = False) -> DealInvitation:
    """The invitation a link stands for, if it may still be used; otherwise a ServiceError saying why."""
    try:
        invitation: DealInvitation = link_follow(DEAL_LINKS, token, DealInvitation.objects.all(), lock=lock)
    except LinkRefused as refused:
        raise ServiceError(str(_REFUSALS[refused.reason])) from None
    if invitation.deal.status != DealStatus.INVITING:
        raise ServiceError(_("This deal is no longer waiting for the other business."))
    return invitation


@transaction.atomic
def deal_join(*, token: str, user: User, organisation: Organisation, meta: RequestMeta = SYSTEM) -> DealParty:
    """The invited business joins the deal, in the role the template leaves for it."""
    invitation = deal_invitation_for_token(token, lock=True)
    deal = Deal.objects.select_for_update().select_related("template").get(pk=invitation.deal_id)
    initiator = deal.parties.get(side=Side.INITIATOR)
    if not may_start_deal(user):
        raise ServiceError(_("Your account cannot take part in deals."))
    if (
        initiator.user_id == user.pk
        or Membership.objects.filter(organisation_id=initiator.organisation_id, user=user).exists()
    ):
        raise ServiceError(
            _("You are on the side that started this deal, so you cannot join it as the other business.")
        )
    if organisation.pk == initiator.organisation_id:
        raise ServiceError(_("The other party must be a different business."), field="organisation")
    _check_member(user, organisation)
    invitation.used_at = timezone.now()
    invitation.used_by = user
    invitation.save(update_fields=["used_at", "used_by"])
    role_key = next(role["key"] for role in deal.template.roles if role["key"] != initiator.role_key)
    party = DealParty.objects.create(
        deal=deal, side=Side.COUNTERPARTY, role_key=role_key, organisation=organisation, user=user
    )
    deal.status = DealStatus.NEGOTIATING
    deal.save(update_fields=["status", "updated_at"])
    log_deal_action(
        deal=deal,
        action="deal.joined",
        actor=user,
        meta=meta,
        data={
            "organisation": organisation.name,
            "invited_email": invitation.email,
            "email_matches": (user.email or "").lower() == invitation.email.lower(),
        },
    )
    broadcast_deal_on_commit(deal.pk, "parties")
    return party


@transaction.atomic
def deal_invitation_resend(*, deal: Deal, user: User, email: str = "", meta: RequestMeta = SYSTEM) -> str:
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    if not locked.parties.filter(side=Side.INITIATOR, user=user).exists():
        raise ServiceError(_("Only the business that started the deal can send the invitation again."))
    if locked.status != DealStatus.INVITING:
        raise ServiceError(_("The other business has already joined."))
    last = locked.invitations.order_by("-created_at").first()
    wait = timedelta(minutes=settings.ODR_INVITATION_RESEND_MINUTES)
    if last is not None and last.created_at > timezone.now() - wait:
        raise ServiceError(
            _("An invitation was sent less than %(minutes)s minutes ago. Please wait before sending another.")
            % {"minutes": settings.ODR_INVITATION_RESEND_MINUTES}
        )
    address = _clean_email(email, user) if email.strip() else (last.email if last else "")
    return deal_invitation_send(deal=locked, email=address, actor=user, meta=meta)


@transaction.atomic
def deal_cancel(*, deal: Deal, user: User, reason: str, meta: RequestMeta = SYSTEM) -> Deal:
    """Either side walks away before the text is locked for signing; the record stays."""
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    if not locked.parties.filter(user=user).exists():
        raise ServiceError(_("Only the businesses in the deal can cancel it."))
    if not locked.open_for_changes:
        raise ServiceError(_("The text is locked for signing or signed; the deal can no longer be cancelled."))
    locked.status = DealStatus.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["status", "cancelled_at", "updated_at"])
    locked.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=locked.cancelled_at)
    log_deal_action(deal=locked, action="deal.cancelled", actor=user, meta=meta, data={"reason": reason.strip()[:500]})
    broadcast_deal_on_commit(locked.pk, "status")
    return locked
