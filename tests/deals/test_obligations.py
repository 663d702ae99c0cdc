"""Keeping the contract: the signed text's dated duties, reported done with evidence, confirmed or disputed,
and reminded once before and once after their date."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.services import ServiceError
from deals.models import Deal, DealObligation, ObligationStatus, Side
from deals.services.obligations import (
    deal_obligations_create,
    obligation_confirm,
    obligation_dispute,
    obligation_reminders_send,
    obligation_report_done,
)
from demo import builder
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
HK = ZoneInfo("Asia/Hong_Kong")


@pytest.fixture
def kept_deal(negotiating_deal: Deal, seal: Any, run_tasks: Any) -> Deal:
    """The masks deal, signed by both and sealed: executing it made its obligations. The emails saying it is
    executed are sent and set aside, so each test reads only its own."""
    deal = builder.deal_executed(deal=builder.deal_locked(deal=negotiating_deal), password=PASSWORD)
    run_tasks()
    mail.outbox.clear()
    return deal


def _obligation(deal: Deal, key: str) -> DealObligation:
    return DealObligation.objects.get(deal=deal, key=key)


def test_the_signed_texts_dated_duties_become_obligations(kept_deal: Deal) -> None:
    rows = list(DealObligation.objects.filter(deal=kept_deal).values_list("key", "kind", "owed_by", "due_on", "amount"))
    assert rows == [
        ("deposit_date", "payment", Side.COUNTERPARTY, date(2026, 12, 20), Decimal("10000.00")),
        ("delivery_date", "delivery", Side.INITIATOR, date(2027, 1, 15), None),
        ("balance_date", "payment", Side.COUNTERPARTY, date(2027, 1, 31), Decimal("26000.00")),
    ]
    assert _obligation(kept_deal, "deposit_date").currency == "HKD"
    assert deal_obligations_create(deal=kept_deal)
    assert DealObligation.objects.filter(deal=kept_deal).count() == 3


def test_an_optional_date_left_empty_makes_no_obligation(
    claimant: Any, claimant_org: Any, respondent: Any, respondent_org: Any
) -> None:
    values = {**builder.SALE_VALUES, "deposit": "", "deposit_date": ""}
    deal = builder.deal_started(
        initiator=claimant, initiator_org=claimant_org, counterparty_email="bob@example.com", values=values
    )
    deal = builder.deal_locked(
        deal=builder.deal_in_negotiation(deal=deal, counterparty=respondent, counterparty_org=respondent_org)
    )
    assert [o.key for o in deal_obligations_create(deal=deal)] == ["delivery_date", "balance_date"]


def test_reported_with_evidence_then_confirmed(
    kept_deal: Deal, claimant: Any, respondent: Any, client_for: Any
) -> None:
    deposit = _obligation(kept_deal, "deposit_date")
    with pytest.raises(ServiceError, match="Only the business that owes"):
        obligation_report_done(obligation=deposit, user=claimant, note="Paid")
    with pytest.raises(ServiceError, match="Say what was done"):
        obligation_report_done(obligation=deposit, user=respondent, note=" ")
    receipt = SimpleUploadedFile("transfer.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    event = obligation_report_done(obligation=deposit, user=respondent, note="FPS transfer 4471", evidence=receipt)
    assert event.evidence_sha256
    assert event.evidence_content_type == "application/pdf"
    with pytest.raises(ServiceError, match="other business confirms"):
        obligation_confirm(obligation=deposit, user=respondent)
    obligation_confirm(obligation=deposit, user=claimant)
    deposit.refresh_from_db()
    assert deposit.status == ObligationStatus.CONFIRMED
    url = reverse("deals:evidence", kwargs={"deal_id": kept_deal.public_id, "event_id": event.pk})
    download = client_for(claimant).get(url)
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_file_of_a_refused_kind_saves_nothing(kept_deal: Deal, respondent: Any) -> None:
    deposit = _obligation(kept_deal, "deposit_date")
    program = SimpleUploadedFile("run.exe", b"MZ\x90\x00" + b"\x00" * 200)
    with pytest.raises(ServiceError, match="not accepted"):
        obligation_report_done(obligation=deposit, user=respondent, note="Paid", evidence=program)
    deposit.refresh_from_db()
    assert deposit.status == ObligationStatus.PENDING
    assert not deposit.events.exists()


def test_disputed_then_reported_again(kept_deal: Deal, claimant: Any, respondent: Any) -> None:
    delivery = _obligation(kept_deal, "delivery_date")
    obligation_report_done(obligation=delivery, user=claimant, note="Delivered, note DN-88")
    with pytest.raises(ServiceError, match="Say what is missing"):
        obligation_dispute(obligation=delivery, user=respondent, reason="")
    obligation_dispute(obligation=delivery, user=respondent, reason="Only 300 of 400 boxes arrived.")
    delivery.refresh_from_db()
    assert delivery.status == ObligationStatus.DISPUTED
    obligation_report_done(obligation=delivery, user=claimant, note="The last 100 boxes, note DN-91")
    assert [e.status for e in delivery.events.all()] == ["reported", "disputed", "reported"]


def test_the_pages_forms_report_and_answer(kept_deal: Deal, claimant: Any, respondent: Any, client_for: Any) -> None:
    deposit = _obligation(kept_deal, "deposit_date")
    bob, alice = client_for(respondent), client_for(claimant)
    step = lambda name: reverse(  # noqa: E731
        "deals:obligation_step", kwargs={"deal_id": kept_deal.public_id, "obligation_id": deposit.pk, "step": name}
    )
    refused = bob.post(step("report"), {"note": ""})
    assert refused.status_code == 400
    assert "What was done" in refused.content.decode()
    assert bob.post(step("report"), {"note": "FPS 4471"}).status_code == 302
    page = alice.get(kept_deal.get_absolute_url()).content.decode()
    assert "Confirm it is done" in page
    assert "FPS 4471" in page
    assert alice.post(step("confirm")).status_code == 302
    deposit.refresh_from_db()
    assert deposit.status == ObligationStatus.CONFIRMED


def test_reminders_go_once_before_and_once_after_the_date(
    kept_deal: Deal, run_tasks: Any, django_capture_on_commit_callbacks: Any
) -> None:
    before = datetime(2026, 12, 18, 9, 0, tzinfo=HK)  # the deposit is due on 20 December
    with django_capture_on_commit_callbacks(execute=True):
        assert obligation_reminders_send(now=before) == 1
        assert obligation_reminders_send(now=before) == 0
    run_tasks()
    assert [m.to for m in mail.outbox] == [["bob@example.com"]]
    assert "Due soon" in mail.outbox[0].subject
    mail.outbox.clear()
    after = before + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert obligation_reminders_send(now=after) == 1
        assert obligation_reminders_send(now=after) == 0
    run_tasks()
    assert sorted(to for m in mail.outbox for to in m.to) == ["alice@example.com", "bob@example.com"]
    assert all("Overdue" in m.subject for m in mail.outbox)
