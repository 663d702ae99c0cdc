"""Two people on one clause at the same moment, in real threads with their own database connections: one
consistent version comes out, no accepted change is lost, and whoever came second is told why."""

from __future__ import annotations

from typing import Any

import pytest

from cases.services import ServiceError
from deals.models import Deal, DealVersion, Proposal, ProposalStatus
from deals.services.redlines import proposal_accept, proposal_make
from tests.test_filing import _in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def _propose(deal: Deal, user: Any, text: str, base: int = 1) -> Proposal:
    return proposal_make(
        deal=deal, user=user, target_kind="clause", target_key="delivery", base_version=base, text={"en": text}
    )


def _delivery(deal: Deal) -> str:
    number = Deal.objects.get(pk=deal.pk).current_version
    content = DealVersion.objects.get(deal=deal, number=number).content
    return next(c["text"]["en"] for c in content["clauses"] if c["key"] == "delivery")


def test_two_accepts_on_one_clause_at_once(negotiating_deal: Deal, claimant: Any, respondent: Any) -> None:
    first = _propose(negotiating_deal, respondent, "Delivery by sea.")
    second = _propose(negotiating_deal, respondent, "Delivery by air.")
    results = _in_threads(
        lambda: proposal_accept(deal=negotiating_deal, proposal_id=first.pk, user=claimant),
        lambda: proposal_accept(deal=negotiating_deal, proposal_id=second.pk, user=claimant),
    )
    assert sorted(type(r).__name__ for r in results) == ["DealVersion", "ServiceError"], results
    (refusal,) = [r for r in results if isinstance(r, ServiceError)]
    assert "accepted first (version 2)" in refusal.message
    assert DealVersion.objects.filter(deal=negotiating_deal).count() == 2
    won = next(p for p in (first, second) if Proposal.objects.get(pk=p.pk).status == ProposalStatus.ACCEPTED)
    assert _delivery(negotiating_deal) == won.after["text"]["en"]


def test_a_proposal_and_an_accept_on_one_clause_at_once(negotiating_deal: Deal, claimant: Any, respondent: Any) -> None:
    accepted = _propose(negotiating_deal, respondent, "Delivery by sea.")
    results = _in_threads(
        lambda: proposal_accept(deal=negotiating_deal, proposal_id=accepted.pk, user=claimant),
        lambda: _propose(negotiating_deal, claimant, "Delivery to the Buyer's warehouse."),
    )
    assert isinstance(results[0], DealVersion), results
    assert _delivery(negotiating_deal) == "Delivery by sea."  # the accepted change is kept
    late = results[1]
    if isinstance(late, ServiceError):  # proposed after the accept: told the clause changed in version 2
        assert "changed in version 2" in late.message
    else:  # proposed just before: the accept made it out of date, and accepting it says why
        assert Proposal.objects.get(pk=late.pk).status == ProposalStatus.OUTDATED
        with pytest.raises(ServiceError, match="accepted first"):
            proposal_accept(deal=negotiating_deal, proposal_id=late.pk, user=respondent)
