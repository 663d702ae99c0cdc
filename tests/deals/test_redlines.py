"""Redlines, comments, versions and agreeing the text: each rule, and what the loser of a race is told."""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import AuditEntry
from cases.services import ServiceError
from deals.diff import word_diff
from deals.models import Deal, DealStatus, DealVersion, Proposal, ProposalStatus, Side
from deals.models.deals import VersionFrozen
from deals.selectors import deal_page, versions_compared
from deals.services.agreement import deal_mark_final, deal_unmark_final
from deals.services.redlines import (
    comment_post,
    proposal_accept,
    proposal_make,
    proposal_reject,
    proposal_withdraw,
)

pytestmark = pytest.mark.django_db

NEW_DELIVERY = "The Seller delivers the goods to the place of delivery by the delivery date, unloaded."


def _propose_delivery(deal: Deal, user: Any, text: str = NEW_DELIVERY, base: int | None = None) -> Proposal:
    return proposal_make(
        deal=deal,
        user=user,
        target_kind="clause",
        target_key="delivery",
        base_version=deal.current_version if base is None else base,
        text={"en": text},
    )


def _clause(deal: Deal, key: str, number: int | None = None) -> dict[str, Any]:
    content = DealVersion.objects.get(deal=deal, number=number or Deal.objects.get(pk=deal.pk).current_version).content
    return next(c for c in content["clauses"] if c["key"] == key)


def test_an_accepted_redline_is_the_next_version_and_the_old_one_stays(
    negotiating_deal: Deal, claimant: Any, respondent: Any
) -> None:
    proposal = _propose_delivery(negotiating_deal, respondent)
    assert proposal.before["text"]["en"].endswith("Risk in the goods passes to the Buyer on delivery.")
    version = proposal_accept(deal=negotiating_deal, proposal_id=proposal.pk, user=claimant)
    assert version.number == 2
    assert _clause(negotiating_deal, "delivery")["text"]["en"] == NEW_DELIVERY
    assert _clause(negotiating_deal, "delivery", 1)["text"]["en"] != NEW_DELIVERY
    proposal.refresh_from_db()
    assert (proposal.status, proposal.result_version, proposal.decided_by) == ("accepted", 2, claimant)


def test_one_cannot_accept_ones_own_proposal(negotiating_deal: Deal, respondent: Any) -> None:
    proposal = _propose_delivery(negotiating_deal, respondent)
    with pytest.raises(ServiceError, match="other business to accept"):
        proposal_accept(deal=negotiating_deal, proposal_id=proposal.pk, user=respondent)


def test_two_accepts_on_the_same_clause_keep_the_first_and_tell_the_second_why(
    negotiating_deal: Deal, claimant: Any, respondent: Any
) -> None:
    """Two proposals on one clause, both open; the first accepted wins; the second, accepted a moment
    later, is refused with the version that beat it, and nothing of the first is lost."""
    first = _propose_delivery(negotiating_deal, respondent)
    second = _propose_delivery(negotiating_deal, respondent, text="Delivery is to the Buyer's warehouse.")
    proposal_accept(deal=negotiating_deal, proposal_id=first.pk, user=claimant)
    with pytest.raises(ServiceError) as refused:
        proposal_accept(deal=negotiating_deal, proposal_id=second.pk, user=claimant)
    assert "accepted first (version 2)" in refused.value.message
    second.refresh_from_db()
    assert second.status == ProposalStatus.OUTDATED
    assert _clause(negotiating_deal, "delivery")["text"]["en"] == NEW_DELIVERY
    assert DealVersion.objects.filter(deal=negotiating_deal).count() == 2


def test_a_proposal_on_a_stale_version_is_refused_when_its_clause_changed(
    negotiating_deal: Deal, claimant: Any, respondent: Any
) -> None:
    accepted = _propose_delivery(negotiating_deal, respondent)
    proposal_accept(deal=negotiating_deal, proposal_id=accepted.pk, user=claimant)
    with pytest.raises(ServiceError) as refused:
        _propose_delivery(negotiating_deal, claimant, text="Delivery by sea.", base=1)
    assert refused.value.field == "base_version"
    assert "version 2" in refused.value.message
    assert Proposal.objects.filter(deal=negotiating_deal).count() == 1


def test_a_proposal_on_a_stale_version_goes_through_when_its_clause_did_not_change(
    negotiating_deal: Deal, claimant: Any, respondent: Any
) -> None:
    accepted = _propose_delivery(negotiating_deal, respondent)
    proposal_accept(deal=negotiating_deal, proposal_id=accepted.pk, user=claimant)
    proposal = proposal_make(
        deal=negotiating_deal,
        user=claimant,
        target_kind="clause",
        target_key="quality",
        base_version=1,
        text={"en": "The goods match the sample approved by the Buyer."},
    )
    version = proposal_accept(deal=negotiating_deal, proposal_id=proposal.pk, user=respondent)
    assert _clause(negotiating_deal, "delivery", version.number)["text"]["en"] == NEW_DELIVERY  # not lost


@pytest.mark.parametrize("version", [0, 99])
def test_a_version_the_deal_does_not_have_is_refused(negotiating_deal: Deal, respondent: Any, version: int) -> None:
    with pytest.raises(ServiceError, match="Reload the page"):
        _propose_delivery(negotiating_deal, respondent, base=version)


@pytest.mark.parametrize("text", ["", "   ", "x" * 8001])
def test_empty_or_oversized_clause_text_is_refused(negotiating_deal: Deal, respondent: Any, text: str) -> None:
    with pytest.raises(ServiceError) as refused:
        _propose_delivery(negotiating_deal, respondent, text=text)
    assert refused.value.field == "text_en"
    assert not Proposal.objects.exists()


def test_a_bilingual_contract_changes_both_texts_at_once(
    claimant: Any, claimant_org: Any, respondent: Any, respondent_org: Any
) -> None:
    from demo import builder

    deal = builder.deal_started(
        initiator=claimant, initiator_org=claimant_org, counterparty_email="bob@example.com", language="bilingual"
    )
    deal = builder.deal_in_negotiation(deal=deal, counterparty=respondent, counterparty_org=respondent_org)
    with pytest.raises(ServiceError) as refused:
        _propose_delivery(deal, respondent)  # English only
    assert refused.value.field == "text_zh_hant"
    proposal = proposal_make(
        deal=deal,
        user=respondent,
        target_kind="clause",
        target_key="delivery",
        base_version=1,
        text={"en": NEW_DELIVERY, "zh-hant": "賣方須於交貨日期或之前將貨品交付並卸貨。"},
    )
    proposal_accept(deal=deal, proposal_id=proposal.pk, user=claimant)
    assert _clause(deal, "delivery")["text"]["zh-hant"] == "賣方須於交貨日期或之前將貨品交付並卸貨。"


def test_a_field_value_of_the_wrong_type_is_refused(negotiating_deal: Deal, respondent: Any) -> None:
    for key, value, says in [("price", "a lot", "amount"), ("delivery_date", "next week", "YYYY-MM-DD")]:
        with pytest.raises(ServiceError, match=says):
            proposal_make(
                deal=negotiating_deal, user=respondent, target_kind="field", target_key=key, base_version=1, value=value
            )


def test_a_new_price_is_proposed_and_accepted(negotiating_deal: Deal, claimant: Any, respondent: Any) -> None:
    proposal = proposal_make(
        deal=negotiating_deal,
        user=respondent,
        target_kind="field",
        target_key="price",
        base_version=1,
        value="34,500",
    )
    assert (proposal.before, proposal.after) == ({"value": "36000.00"}, {"value": "34500.00"})
    version = proposal_accept(deal=negotiating_deal, proposal_id=proposal.pk, user=claimant)
    assert version.content["fields"]["price"] == "34500.00"


def test_the_odr_clause_may_be_struck_not_reworded_and_the_choice_is_recorded(
    negotiating_deal: Deal, claimant: Any, respondent: Any
) -> None:
    with pytest.raises(ServiceError, match="kept or struck"):
        proposal_make(
            deal=negotiating_deal,
            user=respondent,
            target_kind="clause",
            target_key="odr",
            base_version=1,
            text={"en": "Disputes go to the courts."},
        )
    strike = proposal_make(
        deal=negotiating_deal, user=respondent, target_kind="clause", target_key="odr", base_version=1, action="strike"
    )
    proposal_accept(deal=negotiating_deal, proposal_id=strike.pk, user=claimant)
    negotiating_deal.refresh_from_db()
    assert not negotiating_deal.odr_clause_kept
    assert AuditEntry.objects.filter(action="deal.odr_clause_struck", data__version=2).exists()
    restore = proposal_make(
        deal=negotiating_deal, user=claimant, target_kind="clause", target_key="odr", base_version=2, action="restore"
    )
    proposal_accept(deal=negotiating_deal, proposal_id=restore.pk, user=respondent)
    negotiating_deal.refresh_from_db()
    assert negotiating_deal.odr_clause_kept


def test_a_proposal_that_changes_nothing_is_refused(negotiating_deal: Deal, respondent: Any) -> None:
    current = _clause(negotiating_deal, "delivery")["text"]["en"]
    with pytest.raises(ServiceError, match="changes nothing"):
        _propose_delivery(negotiating_deal, respondent, text=current)


def test_reject_and_withdraw_are_each_sides_own(negotiating_deal: Deal, claimant: Any, respondent: Any) -> None:
    proposal = _propose_delivery(negotiating_deal, respondent)
    with pytest.raises(ServiceError, match="withdraw your own"):
        proposal_reject(deal=negotiating_deal, proposal_id=proposal.pk, user=respondent)
    with pytest.raises(ServiceError, match="Only its author"):
        proposal_withdraw(deal=negotiating_deal, proposal_id=proposal.pk, user=claimant)
    proposal_reject(deal=negotiating_deal, proposal_id=proposal.pk, user=claimant)
    with pytest.raises(ServiceError, match="already rejected"):
        proposal_accept(deal=negotiating_deal, proposal_id=proposal.pk, user=claimant)


def test_nobody_outside_the_deal_acts_on_it(negotiating_deal: Deal, outsider: Any) -> None:
    with pytest.raises(ServiceError, match="Only the businesses"):
        _propose_delivery(negotiating_deal, outsider)
    with pytest.raises(ServiceError, match="Only the businesses"):
        comment_post(deal=negotiating_deal, user=outsider, target_kind="clause", target_key="sale", body="Hi")


def test_nothing_changes_before_the_other_business_joins(started_deal: Deal, claimant: Any) -> None:
    with pytest.raises(ServiceError, match="not joined"):
        _propose_delivery(started_deal, claimant)


def test_comments_are_checked_and_kept_per_clause(negotiating_deal: Deal, respondent: Any) -> None:
    with pytest.raises(ServiceError, match="Write your comment"):
        comment_post(deal=negotiating_deal, user=respondent, target_kind="clause", target_key="sale", body=" ")
    with pytest.raises(ServiceError, match="no such clause"):
        comment_post(deal=negotiating_deal, user=respondent, target_kind="clause", target_key="nope", body="Hi")
    comment_post(deal=negotiating_deal, user=respondent, target_kind="clause", target_key="sale", body="Fine by us.")
    page = deal_page(negotiating_deal, Side.COUNTERPARTY)
    sale = next(part for part in page.clauses if part.key == "sale")
    assert [c.body for c in sale.comments] == ["Fine by us."]


def test_both_marking_one_version_final_locks_it_and_then_nothing_changes(
    negotiating_deal: Deal, claimant: Any, respondent: Any
) -> None:
    deal_mark_final(deal=negotiating_deal, user=claimant, version=1)
    negotiating_deal.refresh_from_db()
    assert negotiating_deal.status == DealStatus.NEGOTIATING
    deal_mark_final(deal=negotiating_deal, user=respondent, version=1)
    negotiating_deal.refresh_from_db()
    assert (negotiating_deal.status, negotiating_deal.locked_version) == (DealStatus.SIGNING, 1)
    with pytest.raises(ServiceError, match="locked"):
        _propose_delivery(negotiating_deal, respondent)
    with pytest.raises(VersionFrozen):
        DealVersion.objects.get(deal=negotiating_deal, number=1).save()


def test_an_accepted_change_clears_the_marks(negotiating_deal: Deal, claimant: Any, respondent: Any) -> None:
    deal_mark_final(deal=negotiating_deal, user=claimant, version=1)
    proposal = _propose_delivery(negotiating_deal, claimant)
    with pytest.raises(ServiceError, match="open proposals first"):
        deal_mark_final(deal=negotiating_deal, user=respondent, version=1)
    proposal_accept(deal=negotiating_deal, proposal_id=proposal.pk, user=respondent)
    with pytest.raises(ServiceError, match="now version 2"):
        deal_mark_final(deal=negotiating_deal, user=respondent, version=1)
    deal_mark_final(deal=negotiating_deal, user=respondent, version=2)
    negotiating_deal.refresh_from_db()
    assert negotiating_deal.status == DealStatus.NEGOTIATING  # the claimant's mark was on version 1
    deal_unmark_final(deal=negotiating_deal, user=respondent)
    assert negotiating_deal.parties.get(side=Side.COUNTERPARTY).final_version is None


def test_the_word_diff_shows_only_what_changed() -> None:
    pieces = word_diff("The Seller delivers the goods.", "The Seller ships the goods.")
    assert [(p.op, p.text) for p in pieces] == [
        ("same", "The Seller "),
        ("removed", "delivers"),
        ("added", "ships"),
        ("same", " the goods."),
    ]
    chinese = word_diff("賣方須交付貨品。", "賣方須運送貨品。")
    assert [(p.op, p.text) for p in chinese if p.op != "same"] == [("removed", "交付"), ("added", "運送")]


def test_two_versions_compare_side_by_side(negotiating_deal: Deal, claimant: Any, respondent: Any) -> None:
    proposal = _propose_delivery(negotiating_deal, respondent)
    proposal_accept(deal=negotiating_deal, proposal_id=proposal.pk, user=claimant)
    parts = versions_compared(negotiating_deal, 1, 2)
    changed = [part for part in parts if part.changed]
    assert len(changed) == 1
    assert changed[0].label == "2. Delivery"
    pieces = [(p.op, p.text) for p in changed[0].rows[0][3]]
    assert [piece for piece in pieces if piece[0] != "same"] == [
        ("added", ", unloaded"),
        ("removed", " Risk in the goods passes to the Buyer on delivery."),
    ]
