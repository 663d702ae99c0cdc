"""Deals in the EXECUTED state for tests of the figures, until the signing service exists.

No service executes a deal yet (signing is being built): ``executed_by_update`` writes the state, its dates
and whether the ODR clause was kept straight to the row, after the deal's text was locked through the
services (``demo.builder.deal_locked``). The figures read only these columns, so they do not depend on how
signing gets there. Once the builder has ``deal_executed``, build through it instead and set only the dates.
"""

from __future__ import annotations

from datetime import datetime

from deals.models import Deal, DealStatus


def executed_by_update(deal: Deal, *, started: datetime, executed: datetime, odr_clause_kept: bool = True) -> Deal:
    """``deal`` (locked for signing) as if both businesses had signed at ``executed``, started at ``started``."""
    assert deal.status == DealStatus.SIGNING, "lock the text through the services first (builder.deal_locked)"
    Deal.objects.filter(pk=deal.pk).update(
        status=DealStatus.EXECUTED, created_at=started, executed_at=executed, odr_clause_kept=odr_clause_kept
    )
    deal.refresh_from_db()
    return deal


def started_at(deal: Deal, when: datetime) -> Deal:
    """``deal`` as if started at ``when`` (``created_at`` is set by the database when the row is made)."""
    Deal.objects.filter(pk=deal.pk).update(created_at=when)
    deal.refresh_from_db()
    return deal
