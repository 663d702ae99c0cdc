"""Deals in the EXECUTED state for the tests of the deal figures, without signing them.

The figures read only a deal's state, its two dates and whether the ODR clause was kept, so their tests do not
depend on how signing gets there (and need not render and seal a contract per deal): ``executed_by_update``
writes those columns straight to the row, after the deal's text was locked through the services
(``demo.builder.deal_locked``). A test of signing itself builds with ``demo.builder.deal_executed``.
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
