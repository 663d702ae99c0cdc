"""Who acts in a deal, read under the deal's lock by every write, and the other side's digest flag."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from cases.services import ServiceError
from deals.models import Deal, DealParty, DealStatus, Side

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def locked_deal(deal: Deal) -> Deal:
    """The deal's row, locked until the transaction ends: every change to a deal's text takes turns here."""
    return Deal.objects.select_for_update().select_related("template").get(pk=deal.pk)


def acting_party(deal: Deal, user: User) -> DealParty:
    party = DealParty.objects.filter(deal=deal, user=user).first()
    if party is None:
        raise ServiceError(_("Only the businesses in the deal can do this."))
    return party


def require_negotiating(deal: Deal) -> None:
    """The text changes only while both businesses negotiate it; each other state says why not."""
    if deal.status == DealStatus.NEGOTIATING:
        return
    if deal.status == DealStatus.INVITING:
        raise ServiceError(_("The other business has not joined the deal yet."))
    if deal.status == DealStatus.CANCELLED:
        raise ServiceError(_("This deal was cancelled."))
    raise ServiceError(
        _("The text is locked: both businesses marked version %(version)s final, and it is being signed.")
        % {"version": deal.locked_version}
    )


def mark_other_side_awaiting(deal: Deal, side: str, at: datetime | None = None) -> None:
    """Something now awaits the other side (the sweep's digest tells them, once, a while later). ``at``: when the
    change was recorded (its row's time), so the digest counts it among what came since the flag was set."""
    other = Side.COUNTERPARTY if side == Side.INITIATOR else Side.INITIATOR
    DealParty.objects.filter(deal=deal, side=other, awaiting_since__isnull=True).update(
        awaiting_since=at or timezone.now()
    )
