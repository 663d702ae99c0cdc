"""The email that tells a side what awaits it in a deal: batched, never one per change.

The services set ``DealParty.awaiting_since`` when something first awaits a side (a proposal, a comment, its own
proposal accepted, the text marked final by the other side) and leave it as it is for every change after; opening
the deal page clears it. The sweep emails a side once its flag is older than ``ODR_DEAL_DIGEST_MINUTES`` and its last
digest is at least as old, with what awaits it then, and clears the flag: a side gets at most one email per period,
however much the other side does.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases.notifications import queue_email
from deals.models import Comment, Deal, DealParty, DealStatus, Proposal, ProposalStatus
from deals.presence import side_online
from deals.services.parties import locked_deal


def _due(cutoff: datetime) -> Q:
    return Q(awaiting_since__lte=cutoff) & (Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lte=cutoff))


def deal_digests_send(*, now: datetime | None = None) -> int:
    """Email every side something has awaited for the digest period; returns how many emails were queued."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.ODR_DEAL_DIGEST_MINUTES)
    due = list(DealParty.objects.filter(_due(cutoff)).values_list("pk", "deal_id"))
    return sum(_digest_one(party_id, deal_id, now, cutoff) for party_id, deal_id in due)


@transaction.atomic
def _digest_one(party_id: int, deal_id: int, now: datetime, cutoff: datetime) -> int:
    # The deal's lock, which every change to it takes: the email counts what is there, and a change made meanwhile
    # waits, then sets the flag again for the next email.
    deal = locked_deal(Deal(pk=deal_id))
    party = DealParty.objects.select_related("user").filter(_due(cutoff), pk=party_id).first()
    if party is None:
        return 0  # its page was opened meanwhile
    if side_online(deal.pk, party.side):
        return 0  # the page is open and live, showing it all; the flag stays, for an email once they leave
    context = _what_awaits(deal, party) if deal.status == DealStatus.NEGOTIATING else {}
    if not any(context.values()):
        # Withdrawn meanwhile, or the text was locked or the deal cancelled: nothing awaits an answer any more.
        DealParty.objects.filter(pk=party.pk).update(awaiting_since=None)
        return 0
    queue_email(to=party.user.email, template="deal_digest", context={"deal": deal, **context})
    DealParty.objects.filter(pk=party.pk).update(awaiting_since=None, digest_sent_at=now)
    return 1


def _what_awaits(deal: Deal, party: DealParty) -> dict[str, int | None]:
    """What the other side did for ``party`` since the flag was set: the proposals that await its answer, the
    comments, its own proposals accepted, and the version the other side marked final (if it is the current)."""
    since = party.awaiting_since
    other = DealParty.objects.filter(deal=deal).exclude(pk=party.pk).values_list("final_version", flat=True).first()
    return {
        "proposals_count": Proposal.objects.filter(deal=deal, status=ProposalStatus.OPEN)
        .exclude(side=party.side)
        .count(),
        "comments_count": Comment.objects.filter(deal=deal, created_at__gte=since).exclude(side=party.side).count(),
        "accepted_count": Proposal.objects.filter(
            deal=deal, side=party.side, status=ProposalStatus.ACCEPTED, decided_at__gte=since
        ).count(),
        "marked_final": other if other is not None and other == deal.current_version else None,
    }
