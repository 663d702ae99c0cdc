"""What /verify/ says of a deal's executed contract: the documents app finds its own documents and asks
this one (registered in ``DealsConfig.ready``) about the rest, as documents must not import deals."""

from __future__ import annotations

from django.utils.translation import gettext as _

from deals.models import DealContract, Side
from documents.hooks import Signatory, VerifiedDocument

_EXECUTED = DealContract.objects.exclude(executed_sha256="").select_related("deal")


def _verified(contract: DealContract) -> VerifiedDocument:
    deal = contract.deal
    parties = sorted(deal.parties.select_related("organisation"), key=lambda p: p.side != Side.INITIATOR)
    first, second = (party.organisation.name for party in parties)
    assert contract.executed_at is not None  # an executed copy is stored with its time
    return VerifiedDocument(
        title=_("the executed contract %(reference)s between %(first)s and %(second)s")
        % {"reference": deal.reference, "first": first, "second": second},
        reference=contract.verification_reference,
        issued_at=contract.executed_at,
        signatories=[Signatory(s.full_name, s.organisation_name, s.signed_at) for s in deal.signatures.all()],
    )


def contract_by_sha256(digest: str) -> VerifiedDocument | None:
    contract = _EXECUTED.filter(executed_sha256=digest).first()
    return _verified(contract) if contract is not None else None


def contract_by_reference(reference: str, sha256: str) -> VerifiedDocument | None:
    contract = _EXECUTED.filter(verification_reference=reference, executed_sha256=sha256).first()
    return _verified(contract) if contract is not None else None
