"""The contract's two PDFs: the draft both sides sign and the sealed copy. Only the two businesses' people
get either (``deals.access``: 404 for anyone else)."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from cases.access import AuthenticatedRequest
from deals.access import deal_view
from deals.models import Deal, DealContract, Side
from documents.responses import file_attachment


@deal_view
def contract_pdf(request: AuthenticatedRequest, deal: Deal, side: Side, which: str) -> FileResponse:
    contract = DealContract.objects.filter(deal=deal).first()
    if contract is None:
        raise Http404(_("The text is not agreed yet, so there is no contract to download."))
    return file_attachment(contract.executed_pdf if which == "executed" else contract.draft_pdf)
