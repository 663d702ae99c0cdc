"""A corrected award tells the whole truth: /verify/ says the first award was corrected, and by which
document; the correction says what it corrects; every list tells the award and its corrections apart,
and the first correction is "Correction 1"."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import formats, timezone

from arbitration.services import award as awards
from tests.test_arbitration import _all_due, _bytes, _issue, _terms


@pytest.fixture
def corrected(proceedings, arbitrator):
    """An issued award, and a correction of its costs."""
    _all_due(proceedings)
    first = _issue(proceedings, arbitrator)
    awards.award_correction_start(case=proceedings, user=arbitrator)
    terms = _terms(costs_amount=Decimal("550.50"), net_amount=Decimal("10550.50"), correction_note="Costs mistyped.")
    correction = _issue(proceedings, arbitrator, terms)
    return first, correction


def _verify(client, document) -> str:
    page = client.post(
        reverse("documents:verify"),
        {"file": SimpleUploadedFile("award.pdf", _bytes(document), content_type="application/pdf")},
    )
    assert page.status_code == 200
    return re.sub(r"\s+", " ", page.text)


def _today() -> str:
    return formats.date_format(timezone.localdate(), "DATE_FORMAT")


def test_verifying_the_first_award_says_it_was_corrected_and_by_what(corrected, client):
    first, correction = corrected
    text = _verify(client, first)
    assert "Authentic:" in text
    assert "unchanged since the Centre sealed it" in text  # the file itself is genuine...
    # ...and the page says it is not the last word.
    assert f"Corrected by {correction.verification_reference} on {_today()}" in text


def test_verifying_the_correction_says_what_it_corrects(corrected, client):
    first, correction = corrected
    text = _verify(client, correction)
    assert "Authentic:" in text
    assert f"Correction 1 of the award {first.verification_reference}" in text
    assert f"It corrects the award {first.verification_reference}" in text
    assert "Corrected by" not in text


def test_the_case_and_arbitration_pages_label_the_award_and_its_correction_apart(
    corrected, claimant, arbitrator, client_for
):
    first, _correction = corrected
    case_page = re.sub(r"\s+", " ", client_for(claimant).get(reverse("cases:detail", args=[first.case.public_id])).text)
    assert ">Arbitral award</a>" in case_page
    assert f">Correction 1 of the award {first.verification_reference}</a>" in case_page
    for user in (claimant, arbitrator):
        page = client_for(user).get(reverse("arbitration:case", args=[first.case.public_id])).text
        assert "Correction 1" in page
        assert "Correction 2" not in page
