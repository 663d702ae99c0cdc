"""Executed deals with the dates a test of the deal figures needs.

The figures read a deal's state, its two dates and whether the ODR clause was kept. ``executed_by_update``
writes those columns straight to the row of a deal whose text was locked through the services
(``demo.builder.deal_locked``): most deals of a figures test need no contract rendered and sealed. A deal a
dispute is opened from must be really signed and sealed (the dispute attaches the sealed copy), so
``dated`` takes a deal executed through the services (``demo.builder.deal_executed``) and only moves its
dates (``created_at`` and ``executed_at`` are set by the clock when they happen) and, where asked, records
the ODR clause as struck.
"""

from __future__ import annotations

from datetime import datetime

from deals.models import Deal, DealStatus


def dated(deal: Deal, *, started: datetime, executed: datetime, odr_clause_kept: bool = True) -> Deal:
    """``deal`` (executed) as if started at ``started`` and executed at ``executed``."""
    assert deal.status == DealStatus.EXECUTED, "execute it through the services first (builder.deal_executed)"
    Deal.objects.filter(pk=deal.pk).update(created_at=started, executed_at=executed, odr_clause_kept=odr_clause_kept)
    deal.refresh_from_db()
    return deal


def executed_by_update(deal: Deal, *, started: datetime, executed: datetime, odr_clause_kept: bool = True) -> Deal:
    """``deal`` (locked for signing) as if both businesses had signed at ``executed``, started at ``started``."""
    assert deal.status == DealStatus.SIGNING, "lock the text through the services first (builder.deal_locked)"
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.EXECUTED)
    deal.refresh_from_db()
    return dated(deal, started=started, executed=executed, odr_clause_kept=odr_clause_kept)
