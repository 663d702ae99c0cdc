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
from cases.models.negotiation import (
    BidOutcome,
    BlindBid,
    CaseSettlement,
    Message,
    NegotiationState,
    Offer,
    OfferStatus,
    ReadMarker,
    RoomPresence,
    SettlementSource,
)
from cases.models.organisations import Membership, Organisation, SizeBand
from cases.models.preferences import UserPreference
from cases.models.security import RefusalReason, SecurityEvent
from cases.models.stages import ArbitrationEntry, PendingStage

__all__ = [
    "OPEN_STATUSES",
    "Action",
    "AppendOnlyError",
    "ArbitrationEntry",
    "AuditEntry",
    "BidOutcome",
    "BlindBid",
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
    "Message",
    "NegotiationState",
    "NeutralRole",
    "Obligation",
    "ObligationStatus",
    "Offer",
    "OfferStatus",
    "Organisation",
    "PartyRole",
    "PaymentReport",
    "PendingStage",
    "ReadMarker",
    "ReferenceCounter",
    "RefusalReason",
    "RoomPresence",
    "SecurityEvent",
    "SettlementSource",
    "SizeBand",
    "UserPreference",
]
