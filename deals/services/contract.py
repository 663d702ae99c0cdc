"""The contract's PDF: the locked version of a deal in its language (English, Traditional Chinese, or both
side by side), with the signature page once both businesses have signed. PDF/A through the documents app's
renderer; a text the server's fonts cannot show is refused, never issued with empty boxes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction

from cases.services import ServiceError
from deals.audit import log_deal_action
from deals.models import DealContract, DealVersion, Side
from documents.rendering import MissingGlyphs, RenderedDocument, renderer

if TYPE_CHECKING:
    from deals.models import DealSignature

CONTRACT_TEMPLATE = "deals/pdf/contract.html"
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Particular:
    label: dict[str, str]
    kind: str
    value: Any  # a date for a date field, else the stored string ("" when left empty)


def _particulars(body: dict[str, Any], values: dict[str, str]) -> list[Particular]:
    rows = []
    for spec in body["fields"]:
        value: Any = values.get(spec["key"], "")
        if spec["type"] == "date" and value:
            value = date.fromisoformat(value)
        rows.append(Particular(spec["label"], spec["type"], value))
    return rows


def contract_context(contract: DealContract, signatures: list[DealSignature] | None = None) -> dict[str, Any]:
    """What the template shows: the parties in their roles, the particulars, the numbered clauses of the
    locked version, and (for the executed copy) who signed which bytes when."""
    deal = contract.deal
    content = DealVersion.objects.get(deal=deal, number=contract.version).content
    roles = {role["key"]: role["label"] for role in deal.template.roles}
    # The business that started the deal first, as the deal page lists them.
    parties = sorted(deal.parties.select_related("organisation"), key=lambda p: p.side != Side.INITIATOR)
    role_of_side = {party.side: roles.get(party.role_key, {}) for party in parties}
    return {
        "deal": deal,
        "document": contract,
        "template_title": {"en": deal.template.title_en, "zh-hant": deal.template.title_zh},
        "parties": [(party, roles.get(party.role_key, {})) for party in parties],
        "particulars": _particulars(deal.template.body, content["fields"]),
        "clauses": content["clauses"],
        "signatures": [(signature, role_of_side.get(signature.side, {})) for signature in signatures or []],
        "executed": signatures is not None,
    }


def contract_filename(contract: DealContract, *, executed: bool) -> str:
    reference = contract.deal.reference or contract.deal.public_id
    if executed:
        return f"{reference}-contract-executed.pdf"
    return f"{reference}-contract-v{contract.version}-draft.pdf"


def render_contract(contract: DealContract, signatures: list[DealSignature] | None = None) -> RenderedDocument:
    """The draft (no ``signatures``) or the executed copy, unsealed. A text the fonts cannot show is refused:
    the refusal is audited on the deal (committed on its own, so it stays on record while nothing is issued),
    logged for the staff, and raised as a ServiceError."""
    try:
        return renderer.render(
            template=CONTRACT_TEMPLATE,
            context=contract_context(contract, signatures),
            filename=contract_filename(contract, executed=signatures is not None),
            language=contract.language,
        )
    except MissingGlyphs as exc:
        with transaction.atomic():
            log_deal_action(
                deal=contract.deal,
                action="deal.contract_refused",
                actor=None,
                data={"characters": "".join(exc.characters)},
            )
        logger.error("the contract of deal %s not produced: %s", contract.deal_id, exc)
        raise ServiceError(exc.message) from exc
