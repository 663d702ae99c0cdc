"""Documents in the language of the case: each party's language is recorded when it joins the case, and
the documents are in the one they share (English or Traditional Chinese), or in both side by side when
they differ or the Centre asks for it. Switching the pages' language later changes no document."""

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cases.models import UserPreference
from documents.services import current_draft, render_draft
from negotiation.services.offers import offer_accept, offer_make


def _text(document) -> str:
    with document.pdf.open("rb") as handle:
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages).replace("\n", "")


@pytest.fixture
def chinese_claimant(claimant):
    """The claimant chose Chinese before filing (requested before the case fixtures, so it joins in it)."""
    UserPreference.objects.create(user=claimant, language="zh-hant")


@pytest.fixture
def chinese_respondent(respondent):
    UserPreference.objects.create(user=respondent, language="zh-hant")


def _settlement_draft(case, claimant, respondent, capture):
    with capture(execute=True):
        offer = offer_make(case=case, user=respondent, amount=Decimal("12345.67"), terms="Paid within 14 days.")
        offer_accept(case=case, user=claimant, offer_id=offer.pk)
    draft = current_draft(case)
    assert draft is not None
    return render_draft(document_id=draft.pk)


def test_a_settlement_agreement_in_chinese(
    chinese_claimant,
    chinese_respondent,
    negotiation_case,
    claimant,
    respondent,
    django_capture_on_commit_callbacks,
    seal,
):
    draft = _settlement_draft(negotiation_case, claimant, respondent, django_capture_on_commit_callbacks)
    assert draft.language == "zh-hant"
    text = _text(draft)
    for expected in ("和解協議", "申索人", "答辯人", "港幣壹萬貳仟叁佰肆拾伍元陸角柒分", "Alpha Trading Limited"):
        assert expected in text, expected
    assert "Settlement Agreement" not in text
    assert "Hong Kong Dollars" not in text


def test_parties_with_different_languages_get_both_side_by_side(
    chinese_respondent, negotiation_case, claimant, respondent, django_capture_on_commit_callbacks, seal
):
    assert dict(negotiation_case.parties.values_list("role", "language")) == {
        "claimant": "en",
        "respondent": "zh-hant",
    }
    draft = _settlement_draft(negotiation_case, claimant, respondent, django_capture_on_commit_callbacks)
    assert draft.language == "bilingual"
    text = _text(draft)
    for expected in ("Settlement Agreement", "和解協議", "Claimant", "申索人", "Hong Kong Dollars"):
        assert expected in text, expected
    assert "港幣壹萬貳仟叁佰肆拾伍元陸角柒分" in text


@pytest.mark.parametrize("bilingual", [True, False])
def test_the_centre_may_ask_for_bilingual_documents(
    negotiation_case, claimant, respondent, django_capture_on_commit_callbacks, seal, settings, bilingual
):
    settings.ODR_BILINGUAL_DOCUMENTS = bilingual
    draft = _settlement_draft(negotiation_case, claimant, respondent, django_capture_on_commit_callbacks)
    assert draft.language == ("bilingual" if bilingual else "en")
    assert ("和解協議" in _text(draft)) is bilingual


def test_an_award_in_chinese(chinese_claimant, chinese_respondent, proceedings, arbitrator):
    from tests.test_arbitration import _all_due, _issue, _terms

    _all_due(proceedings)
    executed = _issue(proceedings, arbitrator, _terms())
    assert executed.language == "zh-hant"
    text = _text(executed)
    for expected in ("仲裁裁決", "申索人", "港幣壹萬零伍佰元伍角", "Arthur Arbitrator", "2026年"):
        assert expected in text, expected
    # The signature page names the signatory's role in Chinese too.
    assert "仲裁員 ·" in text
    assert "Arbitrator ·" not in text
    # Chinese sentences end and pause with full-width punctuation, never ASCII, and no space before it.
    assert not re.findall(r"[\u4e00-\u9fff][.,;:]", text)
    assert not re.findall(r"\s[\uff0c\u3002\uff1b\uff1a]", text)  # full-width comma, full stop, semicolon, colon
    assert "答辯人須向申索人支付訟費" in text


def test_a_receipt_is_in_the_language_of_the_case(
    chinese_claimant, chinese_respondent, negotiation_case, claimant, fee_schedule, seal, run_tasks
):
    from negotiation.services.escalation import mediation_request
    from payments.models import Charge
    from payments.services.payments import manual_payment_confirm, payment_execute, payment_start
    from tests.conftest import make_user

    mediation_request(case=negotiation_case, user=claimant)
    charge = Charge.objects.get(case=negotiation_case, party__role="claimant")
    payment = payment_execute(
        payment=payment_start(charge=charge, user=claimant, provider="manual"), user=claimant, data={"reference": "T-1"}
    )
    manual_payment_confirm(
        payment=payment, actor=make_user("ada2", "Case administrators", mfa=True), amount_received=Decimal("1000.00")
    )
    run_tasks()
    from documents.models import IssuedDocument, IssuedKind

    receipt = IssuedDocument.objects.get(case=negotiation_case, kind=IssuedKind.FEE_RECEIPT)
    assert receipt.language == "zh-hant"
    assert "港幣壹仟元正" in _text(receipt)


def test_switching_the_pages_language_changes_no_document(
    proceedings, arbitrator, claimant, respondent, client_for, settings
):
    """Seen: an award came out bilingual only because the respondent had switched its pages to Chinese
    before the arbitrator drafted it. Both parties joined the case in English: the award is in English."""
    from tests.test_arbitration import _all_due, _issue

    settings.ODR_BILINGUAL_DOCUMENTS = False
    switched = client_for(respondent).post(reverse("cases:language"), {"language": "zh-hant", "next": "/"})
    assert switched.status_code == 302
    assert UserPreference.objects.get(user=respondent).language == "zh-hant"  # the pages are in Chinese now
    _all_due(proceedings)
    executed = _issue(proceedings, arbitrator)
    assert executed.language == "en"
    text = _text(executed)
    assert "Arbitral Award" in text or "ARBITRAL AWARD" in text.upper()
    assert "仲裁裁決" not in text


def test_an_award_names_who_pays_one_way(proceedings, arbitrator):
    """Seen: "The Respondent pays costs" beside "The respondent pays the claimant" in one award."""
    from tests.test_arbitration import _all_due, _issue

    _all_due(proceedings)
    text = _text(_issue(proceedings, arbitrator))
    assert "The respondent pays the claimant HK$10,000.00." in text
    assert "The respondent pays the claimant costs of HK$500.50." in text
    assert "The respondent pays the claimant HK$10,500.50 by " in text
    assert "The Respondent" not in text
