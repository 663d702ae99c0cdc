"""How payment events read in a case's timeline (fee events are shown to the parties; who paid how,
and any failure, stay on the payer's own fees section and the staff pages)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.hooks import TimelineText
from cases.models import AuditEntry, PartyRole
from cases.money import format_hkd
from payments.models import FeeKind


def _fee(entry: AuditEntry) -> str:
    kind = entry.data.get("kind")
    return str(FeeKind(kind).label) if kind in FeeKind.values else _("Fee")


def _party(entry: AuditEntry) -> str:
    role = entry.data.get("party")
    return str(PartyRole(role).label).lower() if role in PartyRole.values else _("party")


TIMELINE_TEXTS: dict[str, TimelineText] = {
    "fee.charged": lambda e: (
        _("%(fee)s of %(amount)s due from the %(party)s")
        % {"fee": _fee(e), "amount": format_hkd(e.data.get("amount_due")), "party": _party(e)}
    ),
    "fee.paid": lambda e: _("A fee was paid"),
    "fee.waived": lambda e: (
        _("A fee was waived (%(percent)s%%): %(reason)s")
        % {"percent": e.data.get("percent", ""), "reason": e.data.get("reason", "")}
    ),
    "fee.cancelled": lambda e: _("A fee is no longer due"),
    "fees.schedule_created": lambda e: _("New fee schedule"),
}
