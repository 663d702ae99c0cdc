"""Plug points the core offers to other apps (explicit and typed, like pretix's plugin signals).

``cases`` imports none of the apps that build on it; they register here instead. The documents app,
for instance, registers a settlement handler that drafts the settlement agreement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from cases.models import Action, AuditEntry, Case, CaseSettlement
from cases.roles import Roles

SettlementHandler = Callable[[Case, CaseSettlement], None]
_settlement_handlers: list[SettlementHandler] = []
ConsentHandler = Callable[[Case], None]
_consent_handlers: list[ConsentHandler] = []


def on_parties_consented(handler: ConsentHandler) -> ConsentHandler:
    """Register ``handler(case)``; it runs after the commit in which the second party accepted the ODR terms."""
    if handler not in _consent_handlers:
        _consent_handlers.append(handler)
    return handler


def parties_consented(case: Case) -> None:
    for handler in list(_consent_handlers):
        transaction.on_commit(_bind_case(handler, case))


def _bind_case(handler: ConsentHandler, case: Case) -> Callable[[], None]:
    def run() -> None:
        handler(case)

    return run


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


# Sections other apps add to the case page: each returns (template name, context) or None.
CasePageSection = Callable[[Case, Roles], tuple[str, dict[str, object]] | None]
_case_page_sections: list[CasePageSection] = []


def on_case_page(section: CasePageSection) -> CasePageSection:
    if section not in _case_page_sections:
        _case_page_sections.append(section)
    return section


def case_page_sections(case: Case, roles: Roles) -> list[tuple[str, dict[str, object]]]:
    return [result for section in _case_page_sections if (result := section(case, roles)) is not None]


# How other apps' audited actions read in a case's timeline: action -> text for the entry.
TimelineText = Callable[[AuditEntry], str]
_timeline_texts: dict[str, TimelineText] = {}


def register_timeline_texts(texts: dict[str, TimelineText]) -> None:
    _timeline_texts.update(texts)


def timeline_texts() -> dict[str, TimelineText]:
    return _timeline_texts


# Handlers for a case entering a status, run inside the transition's transaction (so what they create,
# e.g. the mediation's ranking window, commits with the stage change or not at all).
StatusEnteredHandler = Callable[[Case], None]
_status_entered: dict[str, list[StatusEnteredHandler]] = {}


def on_status_entered(status: str, handler: StatusEnteredHandler) -> StatusEnteredHandler:
    handlers = _status_entered.setdefault(status, [])
    if handler not in handlers:
        handlers.append(handler)
    return handler


def status_entered(case: Case) -> None:
    for handler in list(_status_entered.get(case.status, [])):
        handler(case)


# Timed work other apps hand to the deadline sweep: name -> job(now) returning how many things it did.
SweepJob = Callable[[datetime], int]
_sweep_jobs: dict[str, SweepJob] = {}


def register_sweep_job(name: str, job: SweepJob) -> None:
    _sweep_jobs[name] = job


def sweep_jobs() -> dict[str, SweepJob]:
    return dict(_sweep_jobs)


# Sections other apps add to "My cases" (e.g. a mediator's proposals awaiting an answer).
MyCasesSection = Callable[[Any], tuple[str, dict[str, object]] | None]
_my_cases_sections: list[MyCasesSection] = []


def on_my_cases(section: MyCasesSection) -> MyCasesSection:
    if section not in _my_cases_sections:
        _my_cases_sections.append(section)
    return section


def my_cases_sections(user: Any) -> list[tuple[str, dict[str, object]]]:
    return [result for section in _my_cases_sections if (result := section(user)) is not None]


# --- Personal data: what each app holds about a person, for export and erasure --------------------------
@dataclass(frozen=True)
class PersonalDataSource:
    """``export(user)`` returns JSON-ready data; ``blockers(user)`` says why the account cannot be erased
    yet (empty: it can); ``erase(user, pseudonym)`` removes or pseudonymises what the app holds, in the
    erasure's transaction. Records of a case (messages, signed documents) stay: they are the other party's
    record too."""

    name: str
    export: Callable[[Any], Any]
    blockers: Callable[[Any], list[str]] | None = None
    erase: Callable[[Any, str], None] | None = None


_personal_data_sources: dict[str, PersonalDataSource] = {}


def register_personal_data(source: PersonalDataSource) -> None:
    _personal_data_sources[source.name] = source


def personal_data_sources() -> list[PersonalDataSource]:
    return list(_personal_data_sources.values())


# --- Stage gates: other apps hold a stage back until a condition is met ---------------------------------
# The payments app registers one ("this stage's fees are not settled"). The core never asks what a gate
# checks; it asks every gate whether it holds, and applies the stage change when none does.

# gate(case, action) -> a reason it holds the stage (shown to people), or None when it lets it start.
# Called inside the transaction that requests or releases the stage, with the case row locked; a gate
# may write (e.g. create the charges the stage needs) in that transaction.
StageGate = Callable[[Case, Action], str | None]
# handler(case, action): the pending stage will never start (the case moved on another way).
StageDroppedHandler = Callable[[Case, Action], None]

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
