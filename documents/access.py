"""Who may download each document the platform issues: the one rule, for every download, list and preview.

``DOCUMENT_AUDIENCES`` names, for every kind of document in every status, who may have it. A kind or
status without an entry fails the tests, so none is added without this decision. The audiences:

- ODR agreement (issued sealed, once): both parties and the Centre's administrators.
- Settlement agreement, every version (the parties review, sign and revise the drafts): both parties and
  administrators; and the case's mediator when the settlement was reached in mediation (they help word it).
- Agreement to mediate, every version: both parties and administrators. The mediator is not a party to it.
- Fee and refund receipts (issued sealed): the party who paid, and administrators. Never anyone else: what
  one party paid is its own business.
- The arbitrator's declaration of independence: sealed, the parties, administrators and the arbitrator;
  unsealed (the draft, a superseded draft, the signed copy the seal is made from), the arbitrator alone.
- Arbitral awards and corrections: issued (sealed), the parties, the arbitrator and administrators; every
  draft, superseded draft and signed-but-unsealed copy, the arbitrator alone, until the platform seals and
  issues it to both parties at once.
- Kinds that are only ever issued sealed (the ODR agreement, receipts) have no one for other statuses.

Uploaded evidence is decided by ``cases.access.document_visible``. Anyone refused here gets the access
layer's 404 (``AccessRefused``), which is recorded as a security event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum

from cases.access import AccessRefused
from cases.models import Case, RefusalReason
from cases.roles import Role
from documents.models import IssuedDocument, IssuedKind, IssuedStatus


class Audience(StrEnum):
    """Who a document may go to: a role on its case, or a role held only for some documents."""

    CLAIMANT = Role.CLAIMANT
    RESPONDENT = Role.RESPONDENT
    ARBITRATOR = Role.ARBITRATOR
    ADMINISTRATOR = Role.ADMINISTRATOR
    MEDIATOR_OF_SETTLEMENT = "mediator of the settlement"  # the mediator, when the parties settled in mediation
    PAYER = "payer"  # the party whose payment or refund a receipt records


PARTIES_AND_CENTRE = frozenset({Audience.CLAIMANT, Audience.RESPONDENT, Audience.ADMINISTRATOR})
ARBITRATOR_ONLY = frozenset({Audience.ARBITRATOR})
NOBODY: frozenset[Audience] = frozenset()
UNSEALED = (IssuedStatus.DRAFT, IssuedStatus.SUPERSEDED, IssuedStatus.SIGNED)


def _by_status(*, sealed: frozenset[Audience], unsealed: frozenset[Audience]) -> dict[str, frozenset[Audience]]:
    return {IssuedStatus.EXECUTED: sealed, **dict.fromkeys(UNSEALED, unsealed)}


_PER_KIND: dict[str, dict[str, frozenset[Audience]]] = {
    IssuedKind.ODR_AGREEMENT: _by_status(sealed=PARTIES_AND_CENTRE, unsealed=NOBODY),
    IssuedKind.SETTLEMENT_AGREEMENT: _by_status(
        sealed=PARTIES_AND_CENTRE | {Audience.MEDIATOR_OF_SETTLEMENT},
        unsealed=PARTIES_AND_CENTRE | {Audience.MEDIATOR_OF_SETTLEMENT},
    ),
    IssuedKind.AGREEMENT_TO_MEDIATE: _by_status(sealed=PARTIES_AND_CENTRE, unsealed=PARTIES_AND_CENTRE),
    IssuedKind.FEE_RECEIPT: _by_status(sealed=frozenset({Audience.PAYER, Audience.ADMINISTRATOR}), unsealed=NOBODY),
    IssuedKind.REFUND_RECEIPT: _by_status(sealed=frozenset({Audience.PAYER, Audience.ADMINISTRATOR}), unsealed=NOBODY),
    IssuedKind.DECLARATION_OF_INDEPENDENCE: _by_status(
        sealed=PARTIES_AND_CENTRE | ARBITRATOR_ONLY, unsealed=ARBITRATOR_ONLY
    ),
    IssuedKind.ARBITRAL_AWARD: _by_status(sealed=PARTIES_AND_CENTRE | ARBITRATOR_ONLY, unsealed=ARBITRATOR_ONLY),
}

DOCUMENT_AUDIENCES: dict[tuple[str, str], frozenset[Audience]] = {
    (kind, status): audience for kind, statuses in _PER_KIND.items() for status, audience in statuses.items()
}

# The party role (claimant / respondent) that paid for each receipt, by document pk. The payments app, which
# builds on this one, registers it (one query for any number of receipts).
PayersOf = Callable[[list[IssuedDocument]], dict[int, str]]
_payers_of: list[PayersOf] = []


def register_payers_of(resolver: PayersOf) -> None:
    if resolver not in _payers_of:
        _payers_of.append(resolver)


def _settled_in_mediation(case_id: int) -> bool:
    from cases.models import CaseSettlement, SettlementSource

    return CaseSettlement.objects.filter(case_id=case_id, source=SettlementSource.MEDIATION).exists()


def _audience(document: IssuedDocument) -> frozenset[Audience]:
    return DOCUMENT_AUDIENCES.get((document.kind, document.status), NOBODY)


def visible_documents(documents: Iterable[IssuedDocument], roles: Iterable[str]) -> list[IssuedDocument]:
    """The documents someone holding ``roles`` on their case may download, in the order given (a fixed
    number of queries for any number of documents)."""
    held = frozenset(str(role) for role in roles)
    candidates = list(documents)
    payers: dict[int, str] = {}
    receipts = [document for document in candidates if Audience.PAYER in _audience(document)]
    if receipts and held & {Role.CLAIMANT, Role.RESPONDENT}:
        for resolver in _payers_of:
            payers.update(resolver(receipts))
    settled_in_mediation: dict[int, bool] = {}

    def allowed(document: IssuedDocument) -> bool:
        audience = _audience(document)
        if held & audience or payers.get(document.pk) in held:
            return True
        if Audience.MEDIATOR_OF_SETTLEMENT in audience and Role.MEDIATOR in held:
            if document.case_id not in settled_in_mediation:
                settled_in_mediation[document.case_id] = _settled_in_mediation(document.case_id)
            return settled_in_mediation[document.case_id]
        return False

    return [document for document in candidates if allowed(document)]


def may_download(document: IssuedDocument, roles: Iterable[str]) -> bool:
    return bool(visible_documents([document], roles))


def may_read_kind(case: Case, kind: str, roles: Iterable[str]) -> bool:
    """Whether ``roles`` may have some version of ``kind`` on ``case`` (an agreement's own page)."""
    held = frozenset(str(role) for role in roles)
    audience = frozenset().union(*(DOCUMENT_AUDIENCES[kind, status] for status in IssuedStatus))
    if held & audience:
        return True
    return Audience.MEDIATOR_OF_SETTLEMENT in audience and Role.MEDIATOR in held and _settled_in_mediation(case.pk)


def require_download(document: IssuedDocument, roles: Iterable[str]) -> None:
    """Refuse (the access layer's 404, recorded as a security event) anyone the rule does not name."""
    if not may_download(document, roles):
        raise AccessRefused(RefusalReason.NOT_THEIRS)
