"""One step from a deal to a dispute: the claim drafted from the contract, and its ODR clause standing as the
respondent's consent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from cases.models import CaseParty, CaseStatus, DocumentVersion, PartyRole
from cases.services import ServiceError
from cases.services.filing import claim_draft_update, claim_file
from cases.services.responses import case_decline, case_respond
from deals.models import Deal, DealObligation
from deals.services.disputes import deal_dispute_open
from deals.services.redlines import proposal_accept, proposal_make
from demo import builder
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seal")]  # contracts are sealed when signed


def _signed(deal: Deal) -> Deal:
    """``deal`` locked, signed by both businesses and sealed (its obligations made by the execution)."""
    return builder.deal_executed(deal=builder.deal_locked(deal=deal), password=PASSWORD)


def _file(case: Any, user: Any) -> Any:
    claim_draft_update(
        case=case,
        user=user,
        step=2,
        values={"covid_related": True, "covid_impact": "Shipping delays after the closure of the border."},
    )
    if case.amount_claimed is None:
        claim_draft_update(
            case=case, user=user, step=3, values={"amount_claimed": Decimal("26000"), "remedy_sought": "Payment"}
        )
    return claim_file(case=case, user=user, terms_accepted=True, consents_to_arbitration=True)


def test_the_claim_is_drafted_from_the_contract(negotiating_deal: Deal, claimant: Any) -> None:
    deal = _signed(negotiating_deal)
    balance = DealObligation.objects.get(deal=deal, key="balance_date")
    case = deal_dispute_open(deal=deal, user=claimant, obligation=balance)
    assert case.status == CaseStatus.DRAFT
    assert case.created_by == claimant
    assert (case.respondent_name, case.respondent_email) == ("Bravo Services Limited", "bob@example.com")
    assert (case.category, case.amount_claimed) == ("sale_of_goods", Decimal("26000.00"))
    assert deal.reference in case.facts
    assert "Balance paid by was due by 2027-01-31" in case.facts
    assert case.respondent_consent.startswith("clause 8 (online dispute resolution) of the contract DL-")
    assert case.parties.get().organisation.name == "Alpha Trading Limited"
    # The sealed contract is the claim's evidence, byte for byte: the hash /verify/ knows it by.
    (evidence,) = DocumentVersion.objects.filter(document__case=case)
    assert evidence.sha256 == deal.contract.executed_sha256
    assert evidence.content_type == "application/pdf"
    assert deal.contract.verification_reference in evidence.document.title


def test_the_clause_is_the_respondents_consent_it_cannot_decline(
    negotiating_deal: Deal, claimant: Any, respondent: Any, respondent_org: Any, client_for: Any
) -> None:
    case = _file(deal_dispute_open(deal=_signed(negotiating_deal), user=claimant), claimant)
    token = builder.invitation_token(case=case)
    page = client_for(respondent).get(reverse("cases:invitation", kwargs={"token": token})).content.decode()
    assert "already agreed to resolve this dispute online" in page
    assert "Decline online dispute resolution" not in page
    with pytest.raises(ServiceError, match="cannot be declined"):
        case_decline(token=token, user=respondent, organisation=respondent_org, reason="Not online")
    case_respond(
        token=token,
        user=respondent,
        organisation=respondent_org,
        terms_accepted=True,
        consents_to_arbitration=False,
        consents_to_mediation=False,
        response_text="The boxes were short.",
    )
    party = CaseParty.objects.get(case=case, role=PartyRole.RESPONDENT)
    assert (party.consents_to_mediation, party.consents_to_arbitration) == (True, True)


def test_without_the_clause_consent_is_asked_as_usual(
    negotiating_deal: Deal, claimant: Any, respondent: Any, respondent_org: Any
) -> None:
    strike = proposal_make(
        deal=negotiating_deal, user=respondent, target_kind="clause", target_key="odr", base_version=1, action="strike"
    )
    proposal_accept(deal=negotiating_deal, proposal_id=strike.pk, user=claimant)
    negotiating_deal.refresh_from_db()
    case = _file(deal_dispute_open(deal=_signed(negotiating_deal), user=claimant), claimant)
    assert case.respondent_consent == ""
    declined = case_decline(
        token=builder.invitation_token(case=case), user=respondent, organisation=respondent_org, reason="Courts"
    )
    assert declined.status == CaseStatus.CLOSED


def test_no_dispute_before_signing_nor_by_an_outsider(negotiating_deal: Deal, claimant: Any, outsider: Any) -> None:
    with pytest.raises(ServiceError, match="once the contract is signed"):
        deal_dispute_open(deal=negotiating_deal, user=claimant)
    with pytest.raises(ServiceError, match="Only the businesses"):
        deal_dispute_open(deal=_signed(negotiating_deal), user=outsider)


def test_open_a_dispute_button_goes_to_the_drafted_claim(
    negotiating_deal: Deal, respondent: Any, client_for: Any
) -> None:
    deal = _signed(negotiating_deal)
    delivery = DealObligation.objects.get(deal=deal, key="delivery_date")
    response = client_for(respondent).post(
        reverse("deals:dispute", kwargs={"deal_id": deal.public_id}), {"obligation": delivery.pk}
    )
    assert response.status_code == 302
    assert "/step/2/" in response["Location"]
    step = client_for(respondent).get(response["Location"]).content.decode()
    assert deal.reference in step  # the facts, pre-filled
