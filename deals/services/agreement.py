"""Agreeing the text: each side marks the current version final; once both have marked the same version
it is locked for signing (its contract PDF is rendered for both to sign, ``deals.services.signing``), and from
then on no version of the deal changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta
from cases.services import ServiceError
from deals.audit import log_deal_action
from deals.models import Deal, DealParty, DealStatus, ProposalStatus
from deals.realtime import broadcast_deal_on_commit
from deals.services.fees import deal_fees_due
from deals.services.parties import acting_party, locked_deal, mark_other_side_awaiting, require_negotiating
from deals.services.signing import contract_prepare

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def deal_mark_final(*, deal: Deal, user: User, version: int, meta: RequestMeta = SYSTEM) -> Deal:
    """``user``'s side agrees ``version`` as the final text. ``version`` must be the current one (what the
    person read); when the other side has marked it too, the text is locked."""
    locked = locked_deal(deal)
    party = acting_party(locked, user)
    require_negotiating(locked)
    if version != locked.current_version:
        raise ServiceError(
            _(
                "The text changed (it is now version %(current)s) since you read version %(version)s. Read it, then "
                "mark it final again."
            )
            % {"current": locked.current_version, "version": version},
            field="version",
        )
    waiting = locked.proposals.filter(status=ProposalStatus.OPEN).count()
    if waiting:
        raise ServiceError(
            _("Accept, reject or withdraw the open proposals first (%(count)s open).") % {"count": waiting}
        )
    DealParty.objects.filter(pk=party.pk).update(final_version=version)
    log_deal_action(deal=locked, action="deal.marked_final", actor=user, meta=meta, data={"version": version})
    other = DealParty.objects.exclude(pk=party.pk).filter(deal=locked).first()
    if other is not None and other.final_version == version:
        locked.status = DealStatus.SIGNING
        locked.locked_version = version
        locked.locked_at = timezone.now()
        locked.save(update_fields=["status", "locked_version", "locked_at", "updated_at"])
        log_deal_action(deal=locked, action="deal.locked", actor=None, data={"version": version})
        contract_prepare(locked, version)
        # Each business's fee falls due now, priced by the schedule in force: it signs once it is paid.
        deal_fees_due(deal=locked)
        broadcast_deal_on_commit(locked.pk, "status")
    else:
        mark_other_side_awaiting(locked, party.side)
        broadcast_deal_on_commit(locked.pk, "final")
    return locked


@transaction.atomic
def deal_unmark_final(*, deal: Deal, user: User, meta: RequestMeta = SYSTEM) -> Deal:
    """Take back one's mark before the other side has marked the same version (after that, it is locked)."""
    locked = locked_deal(deal)
    party = acting_party(locked, user)
    require_negotiating(locked)
    if party.final_version is None:
        raise ServiceError(_("You have not marked the text final."))
    DealParty.objects.filter(pk=party.pk).update(final_version=None)
    log_deal_action(deal=locked, action="deal.unmarked_final", actor=user, meta=meta, data={})
    broadcast_deal_on_commit(locked.pk, "final")
    return locked
