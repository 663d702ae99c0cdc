"""Deal-making: contract templates the Centre keeps, the deals two businesses negotiate from them, the
versions their text goes through, the redlines and comments that move it, and what the signed contract
obliges each side to do."""

from deals.models.contract import DealContract, DealSignature
from deals.models.deals import Deal, DealInvitation, DealParty, DealStatus, DealVersion, Side
from deals.models.disputes import DealDispute
from deals.models.obligations import DealObligation, ObligationEvent, ObligationKind, ObligationStatus
from deals.models.redlines import Comment, Proposal, ProposalAction, ProposalStatus
from deals.models.room import DealPresence
from deals.models.templates import DealTemplate, TemplateStatus

__all__ = [
    "Comment",
    "Deal",
    "DealContract",
    "DealDispute",
    "DealInvitation",
    "DealObligation",
    "DealParty",
    "DealPresence",
    "DealSignature",
    "DealStatus",
    "DealTemplate",
    "DealVersion",
    "ObligationEvent",
    "ObligationKind",
    "ObligationStatus",
    "Proposal",
    "ProposalAction",
    "ProposalStatus",
    "Side",
    "TemplateStatus",
]
