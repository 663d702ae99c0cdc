"""The deal-making fee: priced by the fee schedule per business size, due from each business when the text
is locked, paid once through payments' own pages and providers (cards against localstripe), and the
business signs only once it is paid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases.models import AuditEntry
from cases.services import ServiceError
from deals.audit import deal_subject
from deals.fees import deal_may_sign
from deals.models import Deal, DealSignature, DealStatus, Side
from deals.services.fees import deal_fees_due
from deals.services.signing import deal_sign, execute_contract, render_contract_draft
from demo import builder
from documents.models import IssuedDocument
from payments.models import Charge, ChargeStatus, FeeKind, FeeSchedule, Payment, PaymentStatus, WebhookEvent
from payments.providers.stripe import client as stripe_api
from payments.services.fees import fee_schedule_create
from payments.services.payments import manual_payment_confirm, payment_start
from tests.conftest import PASSWORD
from tests.test_payments_once import kept_at_stripe
from tests.test_payments_stripe import _authenticate, _event, _signed

THREE_D_SECURE = "4000002500003155"


@pytest.fixture
def deal_fees(administrator: Any) -> FeeSchedule:
    """Deal-making is free for micro enterprises and HK$500 a business otherwise."""
    return fee_schedule_create(
        actor=administrator,
        name="Scheme 2026",
        effective_from=timezone.now(),
        registration_fee=Decimal("200.00"),
        mediation_fee=Decimal("1000.00"),
        arbitration_fee=Decimal("2500.00"),
        deal_fees={"micro": Decimal("0"), "small": Decimal("500"), "medium": Decimal("500"), "large": Decimal("500")},
    )


@pytest.fixture
def micro_org(respondent: Any) -> Any:
    return builder.organisation(user=respondent, name="Bravo Stall", size_band="micro")


@pytest.fixture
def locked(deal_fees: FeeSchedule, claimant: Any, claimant_org: Any, respondent: Any, micro_org: Any) -> Deal:
    """Alice's small business sells to Bob's micro enterprise; both marked the text final."""
    deal = builder.deal_started(initiator=claimant, initiator_org=claimant_org, counterparty_email=respondent.email)
    deal = builder.deal_in_negotiation(deal=deal, counterparty=respondent, counterparty_org=micro_org)
    return builder.deal_locked(deal=deal)


@pytest.fixture
def charge(locked: Deal) -> Charge:
    return Charge.objects.get(subject=deal_subject(locked))


def url(name: str, deal: Deal, **more: Any) -> str:
    return reverse(f"deals:{name}", kwargs={"deal_id": deal.public_id, **more})


def test_locking_the_text_charges_the_small_business_once_and_the_micro_enterprise_nothing(
    locked: Deal, claimant: Any, claimant_org: Any, respondent: Any, run_tasks: Any
) -> None:
    charge = Charge.objects.get(subject=deal_subject(locked))
    assert (charge.kind, charge.organisation, charge.payer, charge.amount_due, charge.status) == (
        FeeKind.DEAL,
        claimant_org,
        claimant,
        Decimal("500.00"),
        ChargeStatus.DUE,
    )
    assert (charge.case, charge.subject_reference) == (None, locked.reference)
    # Asked again (a second signing attempt, a page reload): the same fee, not a second one.
    assert deal_fees_due(deal=locked) == [charge]
    assert Charge.objects.filter(subject=deal_subject(locked)).count() == 1

    locked = Deal.objects.prefetch_related("parties").get(pk=locked.pk)
    assert "HK$500.00 is not paid yet" in (deal_may_sign(locked, Side.INITIATOR) or "")
    assert deal_may_sign(locked, Side.COUNTERPARTY) is None

    sent = run_tasks()
    assert [m.to for m in sent if "deal-making fee" in m.subject] == [[claimant.email]]
    notice = next(m for m in sent if "deal-making fee" in m.subject)
    assert "HK$500.00" in notice.body
    assert url("fee", locked) in notice.body
    assert respondent.email not in [address for m in sent for address in m.to]


@pytest.mark.usefixtures("seal")
def test_a_business_signs_only_once_its_fee_is_paid(
    locked: Deal, claimant: Any, respondent: Any, administrator: Any, client_for: Any
) -> None:
    render_contract_draft(deal_id=locked.pk)
    alice = client_for(claimant)
    page = alice.get(url("detail", locked)).text
    assert "Your business signs here once its deal-making fee is paid." in page
    assert url("sign", locked) not in page
    with pytest.raises(ServiceError, match=r"HK\$500.00 is not paid yet"):
        deal_sign(deal=locked, user=claimant, password=PASSWORD, full_name="Alice Chan", consent=True)
    assert not DealSignature.objects.exists()
    # Bob's micro enterprise owes nothing: it signs at once.
    deal_sign(deal=locked, user=respondent, password=PASSWORD, full_name="Bob Lee", consent=True)

    builder.deal_fees_paid(deal=locked, administrator=administrator)
    page = alice.get(url("detail", locked)).text
    assert "The fee is settled: your business may sign." in page
    assert url("sign", locked) in page
    deal_sign(deal=locked, user=claimant, password=PASSWORD, full_name="Alice Chan", consent=True)
    execute_contract(deal_id=locked.pk)
    locked.refresh_from_db()
    assert locked.status == DealStatus.EXECUTED


def test_the_deal_page_tells_each_business_its_fee_before_and_after_the_text_is_locked(
    deal_fees: FeeSchedule, claimant: Any, claimant_org: Any, respondent: Any, micro_org: Any, client_for: Any
) -> None:
    deal = builder.deal_started(initiator=claimant, initiator_org=claimant_org, counterparty_email=respondent.email)
    deal = builder.deal_in_negotiation(deal=deal, counterparty=respondent, counterparty_org=micro_org)
    alice, bob = client_for(claimant), client_for(respondent)
    assert "your business pays a deal-making fee of HK$500.00" in alice.get(url("detail", deal)).text
    assert "your business pays no deal-making fee" in bob.get(url("detail", deal)).text

    builder.deal_locked(deal=deal)
    page = alice.get(url("detail", deal)).text
    assert "Pay HK$500.00" in page
    assert url("fee", deal) in page
    assert "Your business pays no deal-making fee for this contract." in bob.get(url("detail", deal)).text
    # Bob's business owes nothing: its fee page sends it back to the deal, saying so.
    answer = bob.get(url("fee", deal), follow=True)
    assert answer.redirect_chain[-1][0].startswith(url("detail", deal))
    assert "no deal-making fee to pay" in answer.text


def test_a_card_payment_settles_the_fee_once_and_then_the_business_may_sign(
    charge: Charge, locked: Deal, claimant: Any, client_for: Any, card_token: Any
) -> None:
    payer = client_for(claimant)
    page = payer.get(url("fee", locked))
    assert page.status_code == 200
    assert "Deal-making fee (Alpha Trading Limited)" in page.text
    assert "HK$500.00" in page.text
    assert url("fee_card", locked) in page.text

    token = card_token()
    response = payer.post(url("fee_card", locked), {"token": token, "amount": "1.00"})
    assert response.status_code == 200, response.content
    payment = Payment.objects.get(charge=charge)
    assert response.json() == {"status": "succeeded", "next": url("fee_payment", locked, payment_id=payment.public_id)}
    # The double click: the same submission again (and a new card) is refused, nothing more is taken.
    for again in (token, card_token()):
        second = payer.post(url("fee_card", locked), {"token": again})
        assert second.status_code == 409
        assert "already settled" in second.json()["message"]
    assert Payment.objects.filter(charge=charge).count() == 1
    intent = stripe_api().v1.payment_intents.retrieve(payment.provider_reference)
    assert (intent.amount, intent.metadata["case"]) == (50000, locked.reference)
    assert kept_at_stripe([payment.provider_reference]) == Decimal("500.00")

    charge.refresh_from_db()
    assert charge.status == ChargeStatus.PAID
    locked = Deal.objects.prefetch_related("parties").get(pk=locked.pk)
    assert deal_may_sign(locked, Side.INITIATOR) is None
    outcome = payer.get(response.json()["next"])
    assert "Payment received" in outcome.text
    assert "No PDF receipt is issued for this fee." in outcome.text
    assert f"Back to deal {locked.reference}" in outcome.text
    assert "The fee is settled: your business may sign." in payer.get(url("detail", locked)).text
    # Receipts are documents of a case: none is issued for a deal's fee.
    assert not IssuedDocument.objects.exists()


def test_a_replayed_webhook_records_the_payment_once(
    charge: Charge, locked: Deal, claimant: Any, client_for: Any, card_token: Any, client: Any, stripe_settings: str
) -> None:
    answer = client_for(claimant).post(url("fee_card", locked), {"token": card_token(THREE_D_SECURE)}).json()
    payment = Payment.objects.get(charge=charge)
    assert payment.status == PaymentStatus.PENDING
    _authenticate(stripe_settings, payment, answer["client_secret"])
    payload = _event("evt_deal_fee", "payment_intent.succeeded", {"id": payment.provider_reference})
    hook = reverse("payments:stripe_webhook")
    first = client.post(hook, payload, content_type="application/json", **_signed(payload))
    replay = client.post(hook, payload, content_type="application/json", **_signed(payload))
    assert (first.status_code, replay.status_code, replay.text) == (200, 200, "duplicate")
    assert first.text == f"payment {payment.public_id} is succeeded"
    assert WebhookEvent.objects.filter(event_id="evt_deal_fee").count() == 1

    payment.refresh_from_db()
    charge.refresh_from_db()
    assert (payment.status, charge.status) == (PaymentStatus.SUCCEEDED, ChargeStatus.PAID)
    trail = AuditEntry.objects.filter(subject=deal_subject(locked))
    assert trail.filter(action="payment.succeeded").count() == 1
    assert trail.filter(action="fee.paid").count() == 1
    assert kept_at_stripe([payment.provider_reference]) == Decimal("500.00")


def test_a_late_second_card_payment_is_refunded_and_the_payer_told(
    charge: Charge, locked: Deal, claimant: Any, client_for: Any, card_token: Any, client: Any, run_tasks: Any
) -> None:
    # A first attempt reached Stripe (3-D Secure asked) but its answer never reached us.
    first = payment_start(charge=charge, user=claimant, provider="stripe")
    card = stripe_api().v1.tokens.retrieve(card_token(THREE_D_SECURE))["card"]
    lost = stripe_api().v1.payment_intents.create(
        params={
            "amount": 50000,
            "currency": "hkd",
            "payment_method": card["id"],
            "confirm": True,
            "metadata": {"payment": str(first.public_id)},
        }
    )
    assert client_for(claimant).post(url("fee_card", locked), {"token": card_token()}).json()["status"] == "succeeded"
    from django.conf import settings

    _authenticate(settings.STRIPE_API_BASE, Payment(provider_reference=lost.id), lost.client_secret)
    payload = _event(
        "evt_late", "payment_intent.succeeded", {"id": lost.id, "metadata": {"payment": str(first.public_id)}}
    )
    assert client.post(reverse("payments:stripe_webhook"), payload, content_type="application/json", **_signed(payload))

    duplicate = Payment.objects.get(provider_reference=lost.id)
    assert (duplicate.duplicate, duplicate.status, duplicate.amount_refunded) == (
        True,
        PaymentStatus.REFUNDED,
        Decimal("500.00"),
    )
    assert kept_at_stripe(Payment.objects.values_list("provider_reference", flat=True)) == Decimal("500.00")
    notice = next(m for m in run_tasks() if "refunded" in m.subject)
    assert locked.reference in notice.subject
    assert "for the Deal-making fee on " + locked.reference in notice.body


def test_a_bank_transfer_waits_for_the_centre_then_settles_the_fee(
    charge: Charge, locked: Deal, claimant: Any, administrator: Any, client_for: Any
) -> None:
    payer = client_for(claimant)
    page = payer.get(url("fee", locked)).text
    quote = f"{locked.reference}-{str(charge.public_id)[:8].upper()}"
    assert quote in page
    refused = payer.post(url("fee_transfer", locked), {"reference": ""})
    assert refused.status_code == 400
    done = payer.post(url("fee_transfer", locked), {"reference": "HSBC-TT-12"})
    assert done.status_code == 302
    assert done["Location"] == url("detail", locked) + "#fee"
    assert "waiting for the centre to confirm" in payer.get(url("detail", locked)).text

    payment = Payment.objects.get(charge=charge)
    staff = client_for(administrator)
    listing = staff.get(reverse("payments:reconciliation"), {"search": locked.reference}).text
    assert "Alpha Trading Limited" in listing
    assert reverse("payments:staff_payment", kwargs={"payment_id": payment.public_id}) in listing
    assert (
        f"Payment on {locked.reference}"
        in staff.get(reverse("payments:staff_payment", kwargs={"payment_id": payment.public_id})).text
    )
    manual_payment_confirm(payment=payment, actor=administrator, amount_received=Decimal("500.00"))
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.PAID


def test_only_the_business_that_owes_a_fee_reaches_its_payment_pages(
    charge: Charge, locked: Deal, claimant: Any, respondent: Any, outsider: Any, administrator: Any, client_for: Any
) -> None:
    payment = payment_start(charge=charge, user=claimant, provider="manual")
    outcome = url("fee_payment", locked, payment_id=payment.public_id)
    assert client_for(claimant).get(outcome).status_code == 200
    # The other business sees the deal, not the payments of Alice's business; the staff see neither here.
    assert client_for(respondent).get(outcome).status_code == 404
    for person in (outsider, administrator):
        assert client_for(person).get(url("fee", locked)).status_code == 404
        assert client_for(person).post(url("fee_card", locked), {"token": "tok_x"}).status_code == 404
        assert client_for(person).get(outcome).status_code == 404
    assert Payment.objects.count() == 1


def test_the_history_says_a_fee_was_paid_without_how(
    charge: Charge, locked: Deal, claimant: Any, respondent: Any, administrator: Any, client_for: Any
) -> None:
    payment = payment_start(charge=charge, user=claimant, provider="manual")
    manual_payment_confirm(payment=payment, actor=administrator, amount_received=Decimal("500.00"))
    history = client_for(respondent).get(url("versions", locked)).text
    assert "A business&#x27;s deal-making fee fell due" in history
    assert "A business paid its deal-making fee" in history
    assert "payment." not in history
    # The staff's audit trail has every step of it, under the deal.
    trail = client_for(administrator).get(reverse("administration:audit"), {"deal": locked.reference}).text
    assert "payment.confirmed_by_hand" in trail
    assert "deal.locked" in trail


def test_the_fee_schedule_page_prices_deal_making_per_business_size(administrator: Any, client_for: Any) -> None:
    staff = client_for(administrator)
    form = {
        "name": "2027",
        "effective_from": "2099-01-01T00:00",
        "registration_fee": "200",
        "mediation_fee": "1000",
        "arbitration_fee": "2500",
        "deal_fee_micro": "0",
        "deal_fee_small": "500",
        "deal_fee_medium": "-1",
        "deal_fee_large": "800",
    }
    refused = staff.post(reverse("payments:fee_schedules"), form)
    assert refused.status_code == 400
    assert not FeeSchedule.objects.exists()
    saved = staff.post(reverse("payments:fee_schedules"), {**form, "deal_fee_medium": ""}, follow=True)
    assert "The new fee schedule is saved." in saved.text
    schedule = FeeSchedule.objects.get()
    assert [amount for _band, amount in schedule.deal_fees] == [
        Decimal("0.00"),
        Decimal("500.00"),
        Decimal("0.00"),
        Decimal("800.00"),
    ]
    assert "Large (100 employees or more): HK$800.00" in saved.text
    entry = AuditEntry.objects.get(action="fees.schedule_created")
    assert entry.data["deal_fees"] == {"micro": "0", "small": "500", "large": "800"}
    assert not mail.outbox
