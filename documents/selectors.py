from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext

from cases.models import Case
from cases.roles import PARTY_ROLES, Roles
from documents.access import visible_documents
from documents.hooks import Signatory, VerifiedDocument, registered_verifiers
from documents.models import IssuedDocument, IssuedKind, IssuedStatus
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
    """What /verify/ found: the document (``found``, in the shape every issuing app gives it), the seal checked
    on an uploaded file (None when only the reference and SHA-256 were given), and, for one of this app's own
    documents, the record itself and the later documents that correct it (oldest first: the file is
    authentic, but it is not the last word)."""

    found: VerifiedDocument | None
    seal: SealCheck | None
    document: IssuedDocument | None = None
    corrections: list[IssuedDocument] = field(default_factory=list)

    @property
    def authentic(self) -> bool:
        return self.found is not None and (self.seal is None or self.seal.ok)

    @property
    def signatures(self) -> Sequence[Signatory]:
        return self.found.signatories if self.found is not None else ()


def _signatories(document: IssuedDocument) -> list[Signatory]:
    """Who signed the draft an executed copy was made from (an ODR agreement has no signatures)."""
    if document.executed_from is None:
        return []
    return [Signatory(s.full_name, s.organisation_name, s.signed_at) for s in document.executed_from.signatures.all()]


def _described(document: IssuedDocument) -> VerifiedDocument:
    return VerifiedDocument(
        title=gettext("the executed %(kind)s for case %(reference)s")
        % {"kind": document.title, "reference": document.case.reference},
        reference=document.verification_reference,
        issued_at=document.created_at,
        signatories=_signatories(document),
    )


def corrections_of(document: IssuedDocument | None) -> list[IssuedDocument]:
    found: list[IssuedDocument] = []
    corrected = [document] if document is not None else []
    while corrected:
        corrected = list(
            IssuedDocument.objects.filter(corrects__in=corrected, status=IssuedStatus.EXECUTED).order_by("created_at")
        )
        found.extend(corrected)
    return found


def _verified(document: IssuedDocument, seal: SealCheck | None) -> Verification:
    return Verification(found=_described(document), seal=seal, document=document, corrections=corrections_of(document))


def verify_upload(content: bytes) -> Verification:
    """The executed document these exact bytes are, with its seal checked; or nothing. The Centre's own
    documents are looked up first, then those of the apps registered with ``documents.hooks``."""
    digest = hashlib.sha256(content).hexdigest()
    seal = check_seal(content)
    if not seal.ok:
        return Verification(found=None, seal=seal)
    document = IssuedDocument.objects.filter(sha256=digest, status=IssuedStatus.EXECUTED).first()
    if document is not None:
        return _verified(document, seal)
    found = next((f for v in registered_verifiers() if (f := v.by_sha256(digest)) is not None), None)
    return Verification(found=found, seal=seal)


def verify_reference(reference: str, sha256: str) -> Verification:
    reference, sha256 = reference.strip().upper(), sha256.strip().lower()
    document = IssuedDocument.objects.filter(
        verification_reference=reference, sha256=sha256, status=IssuedStatus.EXECUTED
    ).first()
    if document is not None:
        return _verified(document, None)
    found = next((f for v in registered_verifiers() if (f := v.by_reference(reference, sha256)) is not None), None)
    return Verification(found=found, seal=None)


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
