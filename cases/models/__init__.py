from cases.models.audit import AppendOnlyError, AuditEntry
from cases.models.cases import (
    OPEN_STATUSES,
    Case,
    CaseAssignment,
    CaseOutcome,
    CaseParty,
    CaseResponse,
    CaseStatus,
    Category,
    DeadlineReminder,
    NeutralRole,
    PartyRole,
    ReferenceCounter,
)
from cases.models.documents import Document, DocumentKind, DocumentVersion
from cases.models.invitations import Invitation
from cases.models.organisations import Membership, Organisation, SizeBand

__all__ = [
    "OPEN_STATUSES",
    "AppendOnlyError",
    "AuditEntry",
    "Case",
    "CaseAssignment",
    "CaseOutcome",
    "CaseParty",
    "CaseResponse",
    "CaseStatus",
    "Category",
    "DeadlineReminder",
    "Document",
    "DocumentKind",
    "DocumentVersion",
    "Invitation",
    "Membership",
    "NeutralRole",
    "Organisation",
    "PartyRole",
    "ReferenceCounter",
    "SizeBand",
]
