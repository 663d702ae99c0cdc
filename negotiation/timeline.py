"""How the negotiation room's audited actions read in a case's timeline (``cases.hooks.register_timeline_texts``).
The chat itself is not in the audit log: the room's record of it is its messages."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.hooks import TimelineText
from cases.money import format_hkd

TIMELINE_TEXTS: dict[str, TimelineText] = {
    "offer.made": lambda e: _("Offer made: %(amount)s") % {"amount": format_hkd(e.data.get("amount"))},
    "offer.accepted": lambda e: _("Offer accepted"),
    "offer.rejected": lambda e: _("Offer rejected"),
    "offer.withdrawn": lambda e: _("Offer withdrawn"),
    "offer.countered": lambda e: _("Offer answered with a counter-offer"),
    "bid.submitted": lambda e: (
        _("A confidential figure was entered for blind-bidding round %(n)s") % {"n": e.data.get("round", "")}
    ),
    "bid.settled": lambda e: _("Blind bidding round %(n)s settled the case") % {"n": e.data.get("round", "")},
    "bid.no_settlement": lambda e: _("Blind bidding round %(n)s: no settlement") % {"n": e.data.get("round", "")},
    "negotiation.extension_requested": lambda e: _("A party asked to extend the negotiation period"),
}
