"""One step from a deal to a dispute: a claim drafted with the parties, the contract and the sums already
in it, for the claimant to review and file through the usual filing pages (the scheme's eligibility rules
still apply there). Where the contract kept the Centre's ODR clause, the clause is the respondent's consent
(``Case.respondent_consent``): the respondent is still invited and told, but cannot decline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta
from cases.models import Case, Category
from cases.services import ServiceError
from cases.services.evidence import document_upload
from cases.services.filing import claim_draft_start, claim_draft_update
from deals.audit import log_deal_action
from deals.models import Deal, DealContract, DealDispute, DealObligation, DealStatus, DealVersion, ObligationKind
from deals.services.contract import contract_filename
from deals.services.parties import acting_party, locked_deal

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CATEGORIES = {"sale-of-goods": Category.SALE_OF_GOODS, "supply-of-services": Category.SERVICES}


def odr_clause_consent(deal: Deal) -> str:
    """How the claim names the respondent's consent: the clause, its number and the contract it is in."""
    content = DealVersion.objects.get(deal=deal, number=deal.locked_version or deal.current_version).content
    number = next(n for n, clause in enumerate(content["clauses"], start=1) if clause["odr"])
    signed = timezone.localdate(deal.executed_at or deal.locked_at or timezone.now())
    text = _("clause %(number)s (online dispute resolution) of the contract %(reference)s, signed on %(date)s")
    return text % {"number": number, "reference": deal.reference, "date": signed.isoformat()}


def _facts(deal: Deal, obligation: DealObligation | None) -> str:
    facts = _('Our businesses signed the contract %(reference)s ("%(title)s") on the platform.') % {
        "reference": deal.reference,
        "title": deal.title,
    }
    if obligation is not None:
        reason = obligation.events.filter(status="disputed").order_by("-created_at").values_list("note", flat=True)
        facts += " " + _("%(what)s was due by %(date)s.") % {
            "what": obligation.label(_language()),
            "date": obligation.due_on.isoformat(),
        }
        if reason:
            facts += " " + _("What is disputed: %(reason)s") % {"reason": reason[0]}
    return facts


def _language() -> str:
    from django.utils import translation

    return translation.get_language() or "en"


def _sums(obligation: DealObligation | None) -> dict[str, Any]:
    """The amount and remedy the claim starts with: a payment due in Hong Kong dollars is claimed as it is;
    anything else is left for the claimant to state (the scheme's claims are in HKD)."""
    if obligation is None or obligation.kind != ObligationKind.PAYMENT or obligation.currency != "HKD":
        return {}
    return {
        "amount_claimed": obligation.amount,
        "remedy_sought": _("Payment of the sum due under the contract."),
    }


def _attach_contract(case: Case, deal: Deal, user: User, meta: RequestMeta) -> None:
    """The sealed contract, as the claim's first evidence: stored, checked and hashed as any upload is (its
    SHA-256 is the sealed copy's, which /verify/ knows)."""
    contract = DealContract.objects.get(deal=deal)
    with contract.executed_pdf.open("rb") as handle:
        content = handle.read()
    upload = SimpleUploadedFile(contract_filename(contract, executed=True), content, content_type="application/pdf")
    title = _("The signed contract %(reference)s (sealed copy %(verification)s)") % {
        "reference": deal.reference,
        "verification": contract.verification_reference,
    }
    document_upload(case=case, user=user, upload=upload, title=title, meta=meta)


@transaction.atomic
def deal_dispute_open(
    *, deal: Deal, user: User, obligation: DealObligation | None = None, meta: RequestMeta = SYSTEM
) -> Case:
    """The claim about ``deal`` (or one of its obligations), drafted for ``user``'s business against the other
    business; the claimant reviews it and files it on the filing pages."""
    locked = locked_deal(deal)
    party = acting_party(locked, user)
    if locked.status != DealStatus.EXECUTED:
        raise ServiceError(_("A dispute can be opened once the contract is signed by both businesses."))
    if obligation is not None and obligation.deal_id != locked.pk:
        raise ServiceError(_("That obligation is not part of this deal."))
    other = locked.parties.exclude(pk=party.pk).select_related("organisation", "user").get()
    consent = odr_clause_consent(locked) if locked.odr_clause_kept else ""
    case = claim_draft_start(user=user, organisation=party.organisation, respondent_consent=consent, meta=meta)
    steps: list[tuple[int, dict[str, Any]]] = [
        (
            1,
            {
                "respondent_name": other.organisation.name,
                "respondent_email": other.user.email,
                "respondent_is_hk": other.organisation.is_hk_registered,
            },
        ),
        (2, {"category": CATEGORIES.get(locked.template.key, Category.OTHER), "facts": _facts(locked, obligation)}),
    ]
    if sums := _sums(obligation):
        steps.append((3, sums))
    for step, values in steps:
        case = claim_draft_update(case=case, user=user, step=step, values=values, meta=meta)
    _attach_contract(case, locked, user, meta)
    DealDispute.objects.create(deal=locked, case=case)  # the figures count it once the claim is filed
    log_deal_action(
        deal=locked,
        action="deal.dispute_opened",
        actor=user,
        meta=meta,
        data={
            "case": str(case.public_id),
            "obligation": obligation.key if obligation else "",
            "by_clause": bool(consent),
        },
    )
    return case
