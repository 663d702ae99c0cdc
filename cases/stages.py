"""Stage gates: a plug point through which other apps hold a stage back until a condition is met.

The payments app registers one ("this stage's fees are not settled"). The core never asks what a gate
checks; it asks every gate whether it holds, and applies the stage change when none does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cases.lifecycle import Action
    from cases.models import Case

# gate(case, action) -> a reason it holds the stage (shown to people), or None when it lets it start.
# Called inside the transaction that requests or releases the stage, with the case row locked; a gate
# may write (e.g. create the charges the stage needs) in that transaction.
StageGate = Callable[["Case", "Action"], str | None]
# handler(case, action): the pending stage will never start (the case moved on another way).
StageDroppedHandler = Callable[["Case", "Action"], None]

_gates: list[StageGate] = []
_dropped_handlers: list[StageDroppedHandler] = []


def register_stage_gate(gate: StageGate) -> StageGate:
    if gate not in _gates:
        _gates.append(gate)
    return gate


def on_stage_dropped(handler: StageDroppedHandler) -> StageDroppedHandler:
    if handler not in _dropped_handlers:
        _dropped_handlers.append(handler)
    return handler


def holding_reasons(case: Case, action: Action) -> list[str]:
    return [reason for gate in list(_gates) if (reason := gate(case, action))]


def stage_dropped(case: Case, action: Action) -> None:
    for handler in list(_dropped_handlers):
        handler(case, action)
