"""Plug points the core offers to other apps (explicit and typed, like pretix's plugin signals).

``cases`` imports none of the apps that build on it; they register here instead. The documents app,
for instance, registers a settlement handler that drafts the settlement agreement.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from cases.models import Case, CaseSettlement

SettlementHandler = Callable[[Case, CaseSettlement], None]
_settlement_handlers: list[SettlementHandler] = []


def on_settlement_agreed(handler: SettlementHandler) -> SettlementHandler:
    """Register ``handler(case, settlement)``; it runs after the commit that recorded the terms."""
    if handler not in _settlement_handlers:
        _settlement_handlers.append(handler)
    return handler


def settlement_agreed(case: Case, settlement: CaseSettlement) -> None:
    for handler in list(_settlement_handlers):
        transaction.on_commit(_bind(handler, case, settlement))


def _bind(handler: SettlementHandler, case: Case, settlement: CaseSettlement) -> Callable[[], None]:
    def run() -> None:
        handler(case, settlement)

    return run
