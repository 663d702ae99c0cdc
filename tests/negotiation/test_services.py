"""Negotiation rules without sockets: offers, counters, blind-bid arithmetic, extension, escalation, digests."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import AuditEntry, CaseStatus
from cases.services import ServiceError
from cases.services.deadlines import deadlines_sweep
from negotiation.models import BidOutcome, Message, Offer, OfferStatus, ReadMarker
from negotiation.services.bids import bid_submit, blind_bid_result, settlement_gap
from negotiation.services.escalation import mediation_request
from negotiation.services.extension import extension_request
from negotiation.services.messages import message_digests_send, message_post
from negotiation.services.offers import offer_accept, offer_counter, offer_make, offer_reject, offer_withdraw


@pytest.mark.parametrize(
    ("demand", "offer", "expected"),
    [
        ("10000.00", "10000.00", "10000.00"),  # reaches the demand: settles at the demand
        ("10000.00", "12000.00", "10000.00"),  # passes it: still the demand, not more
        ("10000.00", "5000.00", "7500.00"),  # gap is max(30% of 10,000, 5,000) = 5,000: midpoint
        ("10000.00", "4999.99", None),  # just outside the gap
        ("100000.00", "70000.00", "85000.00"),  # 30% of 100,000 = 30,000 gap
        ("100000.00", "69999.99", None),
        ("3000.00", "0.00", "1500.00"),  # small claims: the HK$5,000 floor applies
        ("10000.01", "5000.02", "7500.02"),  # midpoint rounded half up to the cent (7500.015)
    ],
)
def test_blind_bid_rule(demand, offer, expected):
    result = blind_bid_result(demand=Decimal(demand), offer=Decimal(offer))
    assert result == (Decimal(expected) if expected else None)


def test_gap_settings(settings):
    settings.ODR_BLIND_BID_GAP_PERCENT = Decimal("10")
    settings.ODR_BLIND_BID_GAP_MIN = Decimal("1000.00")
    assert settlement_gap(Decimal("50000.00")) == Decimal("5000.00")
    assert settlement_gap(Decimal("5000.00")) == Decimal("1000.00")


def test_three_rounds_then_no_more(negotiation_case, claimant, respondent):
    for _round in range(3):
        bid_submit(case=negotiation_case, user=claimant, amount=Decimal("12000.00"))
        bid = bid_submit(case=negotiation_case, user=respondent, amount=Decimal("1000.00"))
        assert bid.outcome == BidOutcome.NO_SETTLEMENT
    with pytest.raises(ServiceError, match="All 3 rounds"):
        bid_submit(case=negotiation_case, user=claimant, amount=Decimal("12000.00"))


def test_one_figure_per_party_per_round(negotiation_case, claimant):
    bid_submit(case=negotiation_case, user=claimant, amount=Decimal("9000.00"))
    with pytest.raises(ServiceError, match="already entered"):
        bid_submit(case=negotiation_case, user=claimant, amount=Decimal("8000.00"))


def test_blind_bid_settlement_records_terms_and_moves_to_settlement(negotiation_case, claimant, respondent):
    bid_submit(case=negotiation_case, user=respondent, amount=Decimal("8000.00"))
    bid = bid_submit(case=negotiation_case, user=claimant, amount=Decimal("11000.00"))
    assert (bid.outcome, bid.settled_amount) == (BidOutcome.SETTLED, Decimal("9500.00"))
    negotiation_case.refresh_from_db()
    assert negotiation_case.status == CaseStatus.SETTLEMENT
    assert negotiation_case.settlement.amount == Decimal("9500.00")
    assert negotiation_case.settlement.source == "blind_bid"


def test_offer_rules(negotiation_case, claimant, respondent):
    offer = offer_make(case=negotiation_case, user=respondent, amount=Decimal("5000.00"), terms="x")
    with pytest.raises(ServiceError, match="already have an open offer"):
        offer_make(case=negotiation_case, user=respondent, amount=Decimal("6000.00"), terms="y")
    with pytest.raises(ServiceError, match="cannot accept your own"):
        offer_accept(case=negotiation_case, user=respondent, offer_id=offer.pk)
    with pytest.raises(ServiceError, match="Only the party that made"):
        offer_withdraw(case=negotiation_case, user=claimant, offer_id=offer.pk)
    with pytest.raises(ServiceError, match=r"more than the HK\$12,345\.67 claimed"):
        offer_make(case=negotiation_case, user=claimant, amount=Decimal("20000.00"), terms="")
    counter = offer_counter(
        case=negotiation_case, user=claimant, offer_id=offer.pk, amount=Decimal("9000.00"), terms="z"
    )
    offer.refresh_from_db()
    assert offer.status == OfferStatus.COUNTERED
    assert counter.counter_to == offer
    offer_reject(case=negotiation_case, user=respondent, offer_id=counter.pk)
    counter.refresh_from_db()
    assert counter.status == OfferStatus.REJECTED
    with pytest.raises(ServiceError, match="no longer open"):
        offer_accept(case=negotiation_case, user=respondent, offer_id=counter.pk)


def test_expired_offer_cannot_be_accepted_and_the_sweep_marks_it(negotiation_case, claimant, respondent):
    offer = offer_make(
        case=negotiation_case,
        user=respondent,
        amount=Decimal("5000.00"),
        terms="",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ServiceError, match="expired"):
        offer_accept(case=negotiation_case, user=claimant, offer_id=offer.pk)
    second = offer_make(
        case=negotiation_case,
        user=respondent,
        amount=Decimal("5000.00"),
        terms="",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    assert deadlines_sweep(now=timezone.now() + timedelta(hours=2))["offers_expired"] == 1
    second.refresh_from_db()
    assert second.status == OfferStatus.EXPIRED
    with pytest.raises(ServiceError, match="in the future"):
        offer_make(
            case=negotiation_case,
            user=respondent,
            amount=Decimal("1.00"),
            terms="",
            expires_at=timezone.now() - timedelta(minutes=1),
        )


def test_extension_needs_both_parties_and_happens_once(negotiation_case, claimant, respondent, settings):
    deadline = negotiation_case.deadline_at
    extension_request(case=negotiation_case, user=claimant)
    with pytest.raises(ServiceError, match="already asked"):
        extension_request(case=negotiation_case, user=claimant)
    extension_request(case=negotiation_case, user=respondent)  # the other side agrees
    negotiation_case.refresh_from_db()
    assert negotiation_case.deadline_at == deadline + timedelta(days=settings.ODR_NEGOTIATION_EXTENSION_DAYS)
    assert AuditEntry.objects.filter(case=negotiation_case, action="case.deadline_extended").exists()
    with pytest.raises(ServiceError, match="already been extended once"):
        extension_request(case=negotiation_case, user=respondent)


def test_either_party_may_go_to_mediation(negotiation_case, respondent, claimant, run_tasks):
    offer = offer_make(case=negotiation_case, user=claimant, amount=Decimal("100.00"), terms="")
    mediation_request(case=negotiation_case, user=respondent)
    negotiation_case.refresh_from_db()
    offer.refresh_from_db()
    assert negotiation_case.status == CaseStatus.MEDIATION
    assert offer.status == OfferStatus.WITHDRAWN
    assert sorted(m.to[0] for m in run_tasks() if "mediation" in m.subject) == ["alice@example.com", "bob@example.com"]
    with pytest.raises(ServiceError, match="negotiation has ended"):
        message_post(case=negotiation_case, user=claimant, body="too late")


def test_negotiation_running_out_without_mediation_consent_closes(negotiation_case):
    from cases.models import Case, CaseParty

    CaseParty.objects.filter(case=negotiation_case, role="claimant").update(consents_to_mediation=False)
    Case.objects.filter(pk=negotiation_case.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))
    deadlines_sweep()
    negotiation_case.refresh_from_db()
    assert (negotiation_case.status, negotiation_case.outcome) == (CaseStatus.CLOSED, "expired")


def test_digest_of_unread_messages_for_an_offline_party(negotiation_case, claimant, respondent, run_tasks, settings):
    message_post(case=negotiation_case, user=claimant, body="Are you there?")
    later = timezone.now() + timedelta(minutes=settings.ODR_MESSAGE_DIGEST_MINUTES + 1)
    assert message_digests_send(now=later) == 1
    digest = [m for m in run_tasks() if "new message" in m.subject]
    assert [m.to for m in digest] == [["bob@example.com"]]
    assert "Are you there?" in digest[0].body
    assert message_digests_send(now=later) == 0  # not twice
    message_post(case=negotiation_case, user=claimant, body="Read this one")
    last = Message.objects.latest("id")
    ReadMarker.objects.filter(case=negotiation_case, user=respondent).update(last_read_id=last.pk)
    assert message_digests_send(now=later + timedelta(minutes=1)) == 0  # already read in the room


def test_room_works_without_javascript(negotiation_case, claimant, respondent, client_for):
    room = reverse("negotiation:room", kwargs={"case_id": negotiation_case.public_id})

    def act(user, action, **data):
        url = reverse("negotiation:action", kwargs={"case_id": negotiation_case.public_id, "action": action})
        return client_for(user).post(url, data, follow=True)

    page = act(claimant, "message", body="Plain form message")
    assert "Plain form message" in page.text
    page = act(respondent, "offer", amount="-3", terms="")
    assert "zero or more" in page.text
    page = act(respondent, "offer", amount="7000.00", terms="By cheque")
    assert "Accept HK$7,000.00" not in page.text  # not to the one who made it
    offer = Offer.objects.get()
    page = client_for(claimant).get(room)
    assert "Accept HK$7,000.00" in page.text
    page = act(claimant, "accept", offer_id=str(offer.pk), confirm="yes")
    assert "The negotiation has ended" in page.text
    assert "the parties agreed on HK$7,000.00." in page.text
    assert client_for(claimant).get(room + "?partial=panels").status_code == 200


def test_blind_figures_never_appear_on_the_other_party_page(negotiation_case, claimant, respondent, client_for):
    bid_submit(case=negotiation_case, user=claimant, amount=Decimal("12000.00"))
    room = reverse("negotiation:room", kwargs={"case_id": negotiation_case.public_id})
    respondent_page = client_for(respondent).get(room).text
    assert "12,000" not in respondent_page
    assert "12000" not in respondent_page
    assert "HK$12,000.00" in client_for(claimant).get(room).text
    detail = reverse("cases:detail", kwargs={"case_id": negotiation_case.public_id})
    assert "12,000" not in client_for(respondent).get(detail).text


def test_mediation_needs_both_consents(negotiation_case, claimant, respondent):
    from cases.models import CaseParty

    CaseParty.objects.filter(case=negotiation_case, role="respondent").update(consents_to_mediation=False)
    with pytest.raises(ServiceError, match="Mediation needs both parties"):
        mediation_request(case=negotiation_case, user=claimant)
    negotiation_case.refresh_from_db()
    assert negotiation_case.status == CaseStatus.NEGOTIATION


def test_no_action_after_the_deadline_even_before_the_sweep(negotiation_case, claimant):
    from cases.models import Case

    Case.objects.filter(pk=negotiation_case.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ServiceError, match="period has ended"):
        message_post(case=negotiation_case, user=claimant, body="late")


def test_plain_form_with_impossible_date_gets_a_message_not_an_error(negotiation_case, respondent, client_for):
    url = reverse("negotiation:action", kwargs={"case_id": negotiation_case.public_id, "action": "offer"})
    page = client_for(respondent).post(url, {"amount": "10", "expires_at": "2026-13-01T10:00"}, follow=True)
    assert page.status_code == 200
    assert "not a valid date" in page.text
    assert not Offer.objects.exists()
