"""Very long text in the documents: thousands of Chinese characters without a space, and a long unbroken Latin
token (a URL), in a settlement agreement and an award, in Chinese, English and side by side. The PDF's text
has every character, in order; no line runs past the page's right margin; no glyph is missing (WeasyPrint
logs each .notdef it draws, and every font is embedded: Noto Sans CJK for the text, Noto Color Emoji for emoji)."""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from pypdf import PdfReader

from cases.models import UserPreference
from documents.services import current_draft, render_draft
from negotiation.services.offers import offer_accept, offer_make

# 3,000 Chinese characters without a space (the commonest characters, several hundred distinct ones), a
# 300-character URL, then mixed text: within the 4,000 characters an offer's terms may have.
COMMON = (
    "的一是在不了有和人這中大為上個國我以要他時來用們生到作地於出就分對成會可主發年動同工也能下過子說產種面而方後多定行學法所民得經"
    "十三之進著等部度家電力裡如水化高自二理起小物現實加量都兩體制機當使點從業本去把性好應開它合還因由其些然前外天政四日那社義事平形相全表間樣與"
    "關各重新線內數正心反你明看原又麼利比或但質氣第向道命此變條只沒結解問意建月公無系軍很情者最立代想已通並提直題黨程展五果料象員革位入常文總次"
    "品式活設及管特件長求老頭基資邊流路級少圖山統接知較將組見計別她手角期根論運農指幾九區強放決西被幹做必戰先回則任取據處理府研質"
)
CHINESE = (COMMON * 12)[:3000]
URL = "https://evidence.example.hk/cases/ODR-2026-000001/" + "a1b2c3d4e5" * 25
TERMS = f"{CHINESE}\n{URL}\n陳大文 Trading (香港) 有限公司 pays by 2026年12月1日 🚚📦."

# A4 in CSS pixels (WeasyPrint's user space: 0.75 pt a pixel), and the documents' 20 mm side margins.
PX_PER_MM = 96 / 25.4
PAGE_WIDTH_PX = 210 * PX_PER_MM
RIGHT_EDGE_PX = PAGE_WIDTH_PX - 20 * PX_PER_MM
TOP_MARGIN_PX, BOTTOM_MARGIN_PX = 22 * PX_PER_MM, (297 - 24) * PX_PER_MM


@cache
def _noto_advances() -> tuple[dict[int, int], int]:
    """Noto Sans CJK TC's advance widths by code point, from the system's font file (the PDF embeds a
    subset of the same font)."""
    from fontTools.ttLib import TTCollection

    fc_match = shutil.which("fc-match")
    assert fc_match, "fontconfig's fc-match is missing (scripts/system-deps installs fontconfig)"
    query = [fc_match, "--format=%{file}", "Noto Sans CJK TC:style=Regular"]
    path = subprocess.run(query, capture_output=True, text=True, check=True).stdout
    for font in TTCollection(path).fonts:
        if font["name"].getDebugName(1) == "Noto Sans CJK TC":
            glyphs = font.getBestCmap()
            metrics = font["hmtx"].metrics
            return {code: metrics[name][0] for code, name in glyphs.items()}, font["head"].unitsPerEm
    raise AssertionError(f"Noto Sans CJK TC is not in {path}")


def _pdf(document) -> bytes:
    with document.pdf.open("rb") as handle:
        return handle.read()


def _body_text(pdf: bytes) -> str:
    """The text inside the pages' margins in reading order (page, then line from the top; within a line, as
    drawn): the running header and footer (the reference, "page 2 / 3") left out, as they come between the
    halves of a passage a page break cuts, and list markers put back on their line (they are drawn last)."""
    runs: list[tuple[int, float, str]] = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):

        def visit(text, cm, tm, font, size, number=number):
            if TOP_MARGIN_PX < tm[5] < BOTTOM_MARGIN_PX:
                runs.append((number, round(tm[5]), text))

        page.extract_text(visitor_text=visit)
    return "".join(text for *_, text in sorted(runs, key=lambda run: run[:2]))


def _overflowing_lines(pdf: bytes) -> list[str]:
    """Each line of the pages' text whose right end is past the right margin. A line is what is drawn from one
    starting point (runs in other fonts, such as an emoji, continue it); its width is measured with Noto Sans
    CJK TC's advances, one em for a character it lacks."""
    advances, units = _noto_advances()
    lines: dict[tuple[int, float, float], list[Any]] = {}
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):

        def visit(text, cm, tm, font, size, number=number):
            if not TOP_MARGIN_PX < tm[5] < BOTTOM_MARGIN_PX:
                return  # the running header and footer, in other fonts, placed by the page's margin boxes
            line = lines.setdefault((number, round(tm[5], 1), round(tm[4], 1)), [size * tm[0], ""])
            line[1] += text

        page.extract_text(visitor_text=visit)
    found = []
    for (number, _y, x), (size, text) in lines.items():
        text = text.rstrip()
        width = sum(advances.get(ord(char), units) for char in text) * size / units
        if x + width > RIGHT_EDGE_PX + size / 4:  # a little slack for kerning
            found.append(f"page {number}: {x + width:.0f} px > {RIGHT_EDGE_PX:.0f} px: {text[:40]}…")
    return found


def _fonts(pdf: bytes) -> dict[str, bool]:
    """Every font the PDF uses: its name, and whether the font program is embedded."""
    fonts: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if font["/Subtype"] == "/Type3":  # glyphs drawn by the PDF's own procedures (colour emoji)
                fonts[str(font.get("/BaseFont", font.get("/Name", "Type3")))] = "/CharProcs" in font
                continue
            descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font).get(
                "/FontDescriptor"
            )
            embedded = descriptor is not None and any(
                key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            fonts[str(font["/BaseFont"])] = embedded
    return fonts


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_complete_and_inside(pdf: bytes, *texts: str) -> None:
    extracted = _compact(_body_text(pdf))
    for text in texts:
        assert _compact(text) in extracted, f"missing or out of order: {text[:40]}…"
    assert _overflowing_lines(pdf) == []
    fonts = _fonts(pdf)
    assert all(fonts.values()), fonts
    assert any("Noto-Sans-CJK-TC" in name for name in fonts), fonts


@pytest.fixture
def notdef_warnings(caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    return lambda: [record.getMessage() for record in caplog.records if ".notdef" in record.getMessage()]


@pytest.mark.parametrize("language", ["zh-hant", "en", "bilingual"])
def test_a_settlement_agreement_with_very_long_terms(
    negotiation_case, claimant, respondent, django_capture_on_commit_callbacks, seal, notdef_warnings, language
):
    # As if the parties had joined the case in these languages.
    if language != "en":
        negotiation_case.parties.filter(user=respondent).update(language="zh-hant")
    if language == "zh-hant":
        negotiation_case.parties.filter(user=claimant).update(language="zh-hant")
    with django_capture_on_commit_callbacks(execute=True):
        offer = offer_make(case=negotiation_case, user=respondent, amount=Decimal("12345.67"), terms=TERMS)
        offer_accept(case=negotiation_case, user=claimant, offer_id=offer.pk)
    draft = render_draft(document_id=current_draft(negotiation_case).pk)
    assert draft.language == language
    assert_complete_and_inside(_pdf(draft), TERMS)
    assert notdef_warnings() == []


def test_an_award_with_very_long_findings_and_reasons(proceedings, arbitrator, notdef_warnings):
    from tests.test_arbitration import _all_due, _issue, _terms

    UserPreference.objects.create(user=arbitrator, language="zh-hant")
    _all_due(proceedings)
    findings = CHINESE * 2  # 6,000 characters: an award's findings have no length limit
    reasons = f"{URL} {URL.upper()} 仲裁庭認為 the respondent's clause 第十二條 does not apply."
    executed = _issue(proceedings, arbitrator, _terms(findings=findings, reasons=reasons))
    assert_complete_and_inside(_pdf(executed), findings, reasons)
    assert notdef_warnings() == []


def test_the_checks_catch_what_they_look_for(notdef_warnings):
    """Against WeasyPrint directly: a line that does not wrap is found past the margin, and a character no
    font has (one of Unicode's private-use code points) is logged as a .notdef glyph."""
    from weasyprint import HTML

    style = "@page { size: A4; margin: 22mm 20mm } body { margin: 0; font: 10.5pt 'Noto Sans CJK TC' }"
    pdf = HTML(string=f"<style>{style}</style><p>{URL}</p><p>陳大文 \U0010fffd</p>").write_pdf()
    assert _overflowing_lines(pdf)
    assert notdef_warnings() == [
        '.notdef glyph rendered for Unicode string unsupported by fonts: "\U0010fffd" (U+10FFFD)'
    ]
