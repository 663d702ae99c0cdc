"""A settlement's date to pay by: proposed with the offer (or entered by the mediator), shown in the room, printed
in the agreement page and PDF, and the date the compliance obligation falls due. Without one, the agreement says
the Centre's rule (so many days after it is executed), and the obligation follows that rule."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cases.models import CaseOutcome, CaseSettlement, CaseStatus, Obligation
from cases.offer_dates import offer_dates
from cases.services import ServiceError
from documents.models import IssuedDocument
from documents.services import agreement_revise, agreement_sign, current_draft, execute_agreement, render_draft
from negotiation.models import Offer
from negotiation.services.offers import offer_accept, offer_counter, offer_make
from tests.conftest import PASSWORD


def _text(document: IssuedDocument) -> str:
    with document.pdf.open("rb") as handle:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


def _flat(text: str) -> str:
    """PDF text as one line: a sentence may wrap anywhere."""
    return " ".join(text.split())


def _year_end() -> date:
    """31 December of this year: never in the past, never more than a year ahead."""
    return date(timezone.localdate().year, 12, 31)


def _post(client, case, action: str, data: dict):
    url = reverse("negotiation:action", kwargs={"case_id": case.public_id, "action": action})
    return client.post(url, data, follow=True)


def _room(client, case) -> str:
    return client.get(reverse("negotiation:room", kwargs={"case_id": case.public_id})).text


def _execute(case, claimant, respondent) -> IssuedDocument:
    draft = current_draft(case)
    assert draft is not None
    draft = render_draft(document_id=draft.pk)
    for user, name in ((claimant, "Alice Chan"), (respondent, "Bob Lee")):
        agreement_sign(document=draft, user=user, password=PASSWORD, full_name=name, consent=True)
    return execute_agreement(document_id=draft.pk)


def test_the_pay_by_date_goes_from_the_offer_to_the_agreement_and_the_obligation(
    negotiation_case, claimant, respondent, client_for, django_capture_on_commit_callbacks, seal, run_tasks
):
    pay_by = _year_end()
    shown = pay_by.strftime("%-d December %Y")  # "31 December 2026", as the English pages write dates
    bob, alice = client_for(respondent), client_for(claimant)
    page = _post(
        bob, negotiation_case, "offer", {"amount": "8000", "terms": "By bank transfer.", "pay_by": pay_by.isoformat()}
    )
    assert "Your offer was sent." in page.text
    offer = Offer.objects.get()
    assert offer.pay_by == pay_by
    # The claimant is not in the room: the email about the offer gives the date too.
    (email,) = [m for m in run_tasks() if m.to == [claimant.email] and "offer" in m.subject.lower()]
    assert f"To be paid by {shown}" in email.body
    # Both parties see the date on the offer in the room, and on the page that asks to confirm acceptance.
    assert f"To be paid by {shown}" in _room(alice, negotiation_case)
    assert f"To be paid by {shown}" in _room(bob, negotiation_case)
    confirm = alice.get(
        reverse("negotiation:accept", kwargs={"case_id": negotiation_case.public_id, "offer_id": offer.pk})
    )
    assert shown in confirm.text
    with django_capture_on_commit_callbacks(execute=True):
        _post(alice, negotiation_case, "accept", {"offer_id": offer.pk, "confirm": "yes"})
    assert CaseSettlement.objects.get(case=negotiation_case).pay_by == pay_by
    # The agreement page and the PDF the parties sign state the date.
    draft = render_draft(document_id=current_draft(negotiation_case).pk)
    assert draft.pay_by == pay_by
    agreement = alice.get(reverse("documents:agreement", kwargs={"case_id": negotiation_case.public_id}))
    assert "To be paid by" in agreement.text
    assert shown in agreement.text
    assert f"to be paid by {shown}" in _flat(_text(draft))
    # A change of wording keeps the date: it is a term of its own, not part of the wording.
    newer = agreement_revise(case=negotiation_case, user=respondent, terms="By cheque.")
    assert newer.pay_by == pay_by
    with django_capture_on_commit_callbacks(execute=True):
        executed = _execute(negotiation_case, claimant, respondent)
    assert f"to be paid by {shown}" in _flat(_text(executed))
    negotiation_case.refresh_from_db()
    assert (negotiation_case.status, negotiation_case.outcome) == (CaseStatus.CLOSED, CaseOutcome.SETTLED)
    assert Obligation.objects.get(case=negotiation_case).due_by == pay_by
    case_page = bob.get(reverse("cases:detail", kwargs={"case_id": negotiation_case.public_id})).text
    assert f"The respondent pays the claimant HK$8,000.00 by {shown}." in case_page
    assert f"Pay HK$8,000.00 by {shown}, then report the payment." in case_page
    assert f"Settlement sum of HK$8,000.00 to be paid by {shown}" in case_page  # the timeline


def test_a_bilingual_agreement_prints_the_date_in_both_languages(
    negotiation_case, claimant, respondent, django_capture_on_commit_callbacks, seal, settings
):
    settings.ODR_BILINGUAL_DOCUMENTS = True
    pay_by = _year_end()
    with django_capture_on_commit_callbacks(execute=True):
        offer = offer_make(case=negotiation_case, user=respondent, amount=Decimal("100"), terms="", pay_by=pay_by)
        offer_accept(case=negotiation_case, user=claimant, offer_id=offer.pk)
    text = _flat(_text(render_draft(document_id=current_draft(negotiation_case).pk)))
    assert f"to be paid by {pay_by.strftime('%-d December %Y')}" in text
    assert f"{pay_by.year}年12月31日" in text.replace(" ", "")


def test_without_a_date_the_agreement_states_the_centres_rule_and_the_obligation_follows_it(
    negotiation_case, claimant, respondent, django_capture_on_commit_callbacks, seal
):
    days = django_settings.ODR_SETTLEMENT_PAYMENT_DAYS
    with django_capture_on_commit_callbacks(execute=True):
        offer = offer_make(case=negotiation_case, user=respondent, amount=Decimal("8000"), terms="")
        offer_accept(case=negotiation_case, user=claimant, offer_id=offer.pk)
    draft = render_draft(document_id=current_draft(negotiation_case).pk)
    assert draft.pay_by is None
    assert f"to be paid within {days} days after this agreement is executed" in _flat(_text(draft))
    with django_capture_on_commit_callbacks(execute=True):
        _execute(negotiation_case, claimant, respondent)
    due = Obligation.objects.get(case=negotiation_case).due_by
    assert due == timezone.localdate() + timedelta(days=days)


BAD_DATES = [
    ("2020-01-01", "cannot be in the past"),
    ("2099-12-31", "no later than"),
    ("2026-02-30", "not a valid date"),
    ("next week", "not a valid date"),
]


@pytest.mark.parametrize(("raw", "message"), BAD_DATES)
def test_a_bad_date_in_the_plain_form_is_refused_with_a_message_and_nothing_is_saved(
    negotiation_case, respondent, claimant, client_for, raw, message
):
    page = _post(client_for(respondent), negotiation_case, "offer", {"amount": "10", "pay_by": raw})
    assert page.status_code == 200
    assert message in page.text
    assert "Your offer was sent." not in page.text
    assert not Offer.objects.exists()
    # The same for a counter-offer: the offer it answers stays open.
    offer = offer_make(case=negotiation_case, user=claimant, amount=Decimal("500"), terms="")
    page = _post(
        client_for(respondent), negotiation_case, "counter", {"offer_id": offer.pk, "amount": "10", "pay_by": raw}
    )
    assert message in page.text
    assert list(Offer.objects.values_list("status", flat=True)) == ["open"]


def test_the_latest_date_allowed_is_a_year_ahead_and_today_is_allowed(negotiation_case, respondent, settings):
    today = timezone.localdate()
    limit = today + timedelta(days=settings.ODR_PAY_BY_MAX_DAYS)
    assert offer_dates({"pay_by": today.isoformat()}).pay_by == today
    assert offer_dates({"pay_by": limit.isoformat()}).pay_by == limit
    with pytest.raises(ServiceError, match="no later than") as refused:
        offer_dates({"pay_by": (limit + timedelta(days=1)).isoformat()})
    assert refused.value.field == "pay_by"
    # The services hold the same rule, for a caller that did not read the date from text.
    with pytest.raises(ServiceError, match="no later than"):
        offer_make(
            case=negotiation_case, user=respondent, amount=Decimal("1"), terms="", pay_by=limit + timedelta(days=1)
        )


def test_the_expiry_is_read_by_the_same_reader(negotiation_case):
    with pytest.raises(ServiceError, match="not a valid date and time") as refused:
        offer_dates({"expires_at": "2026-13-01T10:00"})
    assert refused.value.field == "expires_at"
    with pytest.raises(ServiceError, match="must be in the future"):
        offer_dates({"expires_at": "2020-01-01T10:00"})
    later = offer_dates({"expires_at": "2099-01-01T10:00"}).expires_at
    assert later is not None
    assert timezone.is_aware(later)
    assert offer_dates({"expires_at": "", "pay_by": ""}) == offer_dates({})


def test_an_offer_whose_date_has_passed_cannot_be_accepted(negotiation_case, claimant, respondent):
    offer = offer_make(case=negotiation_case, user=respondent, amount=Decimal("10"), terms="", pay_by=_year_end())
    Offer.objects.filter(pk=offer.pk).update(pay_by=timezone.localdate() - timedelta(days=1))
    with pytest.raises(ServiceError, match="date to pay by in this offer has passed"):
        offer_accept(case=negotiation_case, user=claimant, offer_id=offer.pk)
    # Answered with a counter-offer that gives a new date instead.
    counter = offer_counter(
        case=negotiation_case, user=claimant, offer_id=offer.pk, amount=Decimal("10"), terms="", pay_by=_year_end()
    )
    assert counter.pay_by == _year_end()


def test_the_mediator_enters_the_date_with_the_settled_terms(
    mediation_agreed, mediator, claimant, client_for, django_capture_on_commit_callbacks, seal
):
    case = mediation_agreed
    url = reverse("mediation:action", kwargs={"case_id": case.public_id, "action": "outcome"})
    refused = client_for(mediator).post(
        url, {"result": "settled", "amount": "9000", "terms": "Paid in full.", "pay_by": "2020-01-01"}
    )
    assert refused.status_code == 400
    assert "cannot be in the past" in refused.text
    case.refresh_from_db()
    assert case.status == CaseStatus.MEDIATION
    assert not CaseSettlement.objects.exists()
    pay_by = _year_end()
    with django_capture_on_commit_callbacks(execute=True):
        done = client_for(mediator).post(
            url, {"result": "settled", "amount": "9000", "terms": "Paid in full.", "pay_by": pay_by.isoformat()}
        )
    assert done.status_code == 302
    assert CaseSettlement.objects.get(case=case).pay_by == pay_by
    draft = render_draft(document_id=current_draft(case).pk)
    assert f"to be paid by {pay_by.strftime('%-d December %Y')}" in _flat(_text(draft))
