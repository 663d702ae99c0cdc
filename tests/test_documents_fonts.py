"""A document is produced only if every character in it has a glyph in the fonts it is drawn with: text
drawn as empty boxes is never sealed, stored or called authentic."""

from decimal import Decimal

import pytest
from django.urls import reverse

from cases.models import AuditEntry, UserPreference
from cases.services import ServiceError
from documents.models import IssuedDocument, IssuedStatus
from documents.rendering import MissingGlyphs, renderer
from documents.services import agreement_sign, current_draft, execute_agreement, render_draft
from negotiation.services.offers import offer_accept, offer_make
from tests.conftest import PASSWORD

CHINESE_TERMS = "The respondent pays within 14 days. 雙方同意以上條款。"


@pytest.fixture
def without_cjk_fonts(tmp_path, monkeypatch):
    """fontconfig as installed, minus every CJK font: what a server without Noto CJK has. WeasyPrint
    loads fontconfig's configuration afresh for each document, so the variable takes effect at once."""
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        "  <selectfont><rejectfont><glob>*CJK*</glob></rejectfont></selectfont>\n</fontconfig>\n"
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))


@pytest.fixture
def chinese_parties(claimant, respondent):
    """Both parties chose Chinese before joining the case (so its documents are in Chinese)."""
    for user in (claimant, respondent):
        UserPreference.objects.create(user=user, language="zh-hant")


@pytest.fixture
def signed_draft(chinese_parties, negotiation_case, claimant, respondent, django_capture_on_commit_callbacks, seal):
    """A settlement agreement in Chinese, rendered with the fonts installed and signed by both parties."""
    assert set(negotiation_case.parties.values_list("language", flat=True)) == {"zh-hant"}
    with django_capture_on_commit_callbacks(execute=True):
        offer = offer_make(case=negotiation_case, user=respondent, amount=Decimal("9000.50"), terms=CHINESE_TERMS)
        offer_accept(case=negotiation_case, user=claimant, offer_id=offer.pk)
    draft = current_draft(negotiation_case)
    assert draft is not None
    draft = render_draft(document_id=draft.pk)
    for user, name in ((claimant, "Alice Chan"), (respondent, "Bob Lee")):
        agreement_sign(document=draft, user=user, password=PASSWORD, full_name=name, consent=True)
    return draft


def _odr_agreement_in_chinese(case):
    return renderer.render(
        template="documents/pdf/odr_agreement.html",
        context={"document": None, "case": case, "parties": list(case.parties.all())},
        filename="odr-agreement.pdf",
        language="zh-hant",
    )


def test_chinese_text_renders_with_the_installed_fonts(negotiation_case):
    assert _odr_agreement_in_chinese(negotiation_case).pages >= 1


def test_the_renderer_refuses_characters_no_font_can_show(negotiation_case, without_cjk_fonts):
    with pytest.raises(MissingGlyphs) as refusal:
        _odr_agreement_in_chinese(negotiation_case)
    assert {"協", "議"} <= set(refusal.value.characters)
    assert refusal.value.characters[0] in refusal.value.message


def test_an_agreement_the_fonts_cannot_show_is_neither_sealed_nor_stored(
    signed_draft, without_cjk_fonts, private_storage, client_for, claimant
):
    stored_before = sorted(p.name for p in private_storage.rglob("*") if p.is_file())

    with pytest.raises(ServiceError, match="cannot show these characters") as refusal:
        execute_agreement(document_id=signed_draft.pk)

    first_missing = refusal.value.__cause__.characters[0]
    assert first_missing in refusal.value.message
    assert not IssuedDocument.objects.filter(status=IssuedStatus.EXECUTED).exists()
    signed_draft.refresh_from_db()
    assert signed_draft.status == IssuedStatus.DRAFT  # still waiting to be executed, once the fonts are there
    assert sorted(p.name for p in private_storage.rglob("*") if p.is_file()) == stored_before
    entry = AuditEntry.objects.get(case=signed_draft.case, action="document.refused")
    assert {"協", "雙"} <= set(entry.data["characters"])  # the Centre's words and the parties' own
    # The parties read why on the case's timeline, in their language.
    page = client_for(claimant).get(reverse("cases:detail", kwargs={"case_id": signed_draft.case.public_id}))
    assert "伺服器的字型無法顯示" in page.text
    assert first_missing in page.text
