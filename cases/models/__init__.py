from cases.models.audit import AppendOnlyError, AuditEntry
from cases.models.cases import (
    OPEN_STATUSES,
    Action,
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
from cases.models.compliance import Obligation, ObligationStatus, PaymentReport
from cases.models.evidence import Document, DocumentKind, DocumentVersion
from cases.models.invitations import Invitation
from cases.models.organisations import Membership, Organisation, SizeBand
from cases.models.preferences import UserPreference
from cases.models.security import RefusalReason, SecurityEvent
from cases.models.settlement import CaseSettlement, SettlementSource
from cases.models.stages import ArbitrationEntry, PendingStage

__all__ = [
    "OPEN_STATUSES",
    "Action",
    "AppendOnlyError",
    "ArbitrationEntry",
    "AuditEntry",
    "Case",
    "CaseAssignment",
    "CaseOutcome",
    "CaseParty",
    "CaseResponse",
    "CaseSettlement",
    "CaseStatus",
    "Category",
    "DeadlineReminder",
    "Document",
    "DocumentKind",
    "DocumentVersion",
    "Invitation",
    "Membership",
    "NeutralRole",
    "Obligation",
    "ObligationStatus",
    "Organisation",
    "PartyRole",
    "PaymentReport",
    "PendingStage",
    "ReferenceCounter",
    "RefusalReason",
    "SecurityEvent",
    "SettlementSource",
    "SizeBand",
    "UserPreference",
]
