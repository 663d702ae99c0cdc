from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from cases.models import Case
from cases.roles import PARTY_ROLES, Roles
from documents.access import visible_documents
from documents.models import DocumentSignature, IssuedDocument, IssuedKind, IssuedStatus
from documents.sealing import SealCheck, check_seal


def agreement_versions(case: Case, kind: str = IssuedKind.SETTLEMENT_AGREEMENT) -> list[IssuedDocument]:
    return list(
        IssuedDocument.objects.filter(case=case, kind=kind)
        .prefetch_related("signatures")
        .order_by("-version", "-status")
    )


# The sealed documents the case page lists (receipts are listed with the fees they record).
AGREEMENT_KINDS = (
    IssuedKind.ODR_AGREEMENT,
    IssuedKind.SETTLEMENT_AGREEMENT,
    IssuedKind.AGREEMENT_TO_MEDIATE,
    IssuedKind.DECLARATION_OF_INDEPENDENCE,
    IssuedKind.ARBITRAL_AWARD,
)


def executed_documents(case: Case) -> list[IssuedDocument]:
    """The case's sealed agreements, declarations and awards, oldest first."""
    return list(
        IssuedDocument.objects.filter(case=case, status=IssuedStatus.EXECUTED, kind__in=AGREEMENT_KINDS)
        .select_related("corrects__corrects")
        .order_by("created_at")
    )


@dataclass(frozen=True, slots=True)
class Verification:
    document: IssuedDocument | None
    seal: SealCheck | None
    signatures: list[DocumentSignature]
    # The later documents that correct this one (and correct its corrections), oldest first: the file
    # is authentic, but it is not the last word.
    corrections: list[IssuedDocument] = field(default_factory=list)

    @property
    def authentic(self) -> bool:
        return self.document is not None and (self.seal is None or self.seal.ok)


def _signatures_of(document: IssuedDocument | None) -> list[DocumentSignature]:
    """Who signed the draft an executed copy was made from (an ODR agreement has no signatures)."""
    if document is None or document.executed_from is None:
        return []
    return list(document.executed_from.signatures.all())


def corrections_of(document: IssuedDocument | None) -> list[IssuedDocument]:
    found: list[IssuedDocument] = []
    corrected = [document] if document is not None else []
    while corrected:
        corrected = list(
            IssuedDocument.objects.filter(corrects__in=corrected, status=IssuedStatus.EXECUTED).order_by("created_at")
        )
        found.extend(corrected)
    return found


def verify_upload(content: bytes) -> Verification:
    """The executed document these exact bytes are, with its seal checked; or nothing."""
    digest = hashlib.sha256(content).hexdigest()
    document = IssuedDocument.objects.filter(sha256=digest, status=IssuedStatus.EXECUTED).first()
    seal = check_seal(content)
    signatures = _signatures_of(document)
    if not seal.ok:
        return Verification(document=None, seal=seal, signatures=signatures)
    return Verification(document=document, seal=seal, signatures=signatures, corrections=corrections_of(document))


def verify_reference(reference: str, sha256: str) -> Verification:
    document = IssuedDocument.objects.filter(
        verification_reference=reference.strip().upper(), sha256=sha256.strip().lower(), status=IssuedStatus.EXECUTED
    ).first()
    signatures = _signatures_of(document)
    return Verification(document=document, seal=None, signatures=signatures, corrections=corrections_of(document))


def issued_section(case: Case, roles: Roles) -> tuple[str, dict[str, object]] | None:
    """The case page's list of executed (sealed) documents: those its reader may download."""
    documents = visible_documents(executed_documents(case), roles)
    if not documents:
        return None
    return "documents/_issued_section.html", {"case": case, "documents": documents}


def signed_by_both_parties(case: Case, kind: str) -> bool:
    """Both parties have signed the current version (or it is already executed)."""
    if IssuedDocument.objects.filter(
        case=case, kind=kind, status__in=(IssuedStatus.SIGNED, IssuedStatus.EXECUTED)
    ).exists():
        return True
    draft = IssuedDocument.objects.filter(case=case, kind=kind, status=IssuedStatus.DRAFT).first()
    return draft is not None and set(draft.signatures.values_list("role", flat=True)) >= PARTY_ROLES
