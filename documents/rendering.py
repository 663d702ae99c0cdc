"""Documents behind one interface: each renderer returns ``(filename, content_type, bytes)``.

PDFs are built from HTML templates with print CSS by WeasyPrint, archive-grade (PDF/A-3b) and with
title and author metadata.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.document import Document

if TYPE_CHECKING:
    from cases.models import Case


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    filename: str
    content_type: str
    content: bytes

    @property
    def pages(self) -> int:
        return len(PdfReader(io.BytesIO(self.content)).pages)


class MissingGlyphs(Exception):
    """The fonts available could not draw some characters of the document: it would show empty boxes
    where the text should be, so it is not produced at all."""

    def __init__(self, characters: list[str]) -> None:
        self.characters = characters
        super().__init__(f"no glyph for {''.join(characters)!r}")

    @property
    def message(self) -> str:
        return _(
            "The document could not be produced: the fonts installed on the server cannot show these "
            "characters: %(characters)s. Nothing was issued; the Centre's staff have been told."
        ) % {"characters": shown_characters(self.characters)}


def shown_characters(characters: str | list[str], most: int = 20) -> str:
    """The characters a refusal names, spaced out so each can be read, and no more than ``most``."""
    listed = " ".join(list(characters)[:most])
    return listed + (" …" if len(characters) > most else "")


class DocumentRenderer(Protocol):
    def render(self, *, template: str, context: dict[str, Any], filename: str, language: str) -> RenderedDocument: ...


class WeasyPrintRenderer:
    """HTML template -> PDF/A-3b. Fonts come from the system (Noto Sans CJK for Chinese text)."""

    content_type = "application/pdf"

    def render(self, *, template: str, context: dict[str, Any], filename: str, language: str) -> RenderedDocument:
        """``language``: "en", "zh-hant", or "bilingual" (each passage beside its translation)."""
        bilingual = language == BILINGUAL
        with translation.override("en" if bilingual else language):
            html = render_to_string(template, {**context, "bilingual": bilingual})
        document = HTML(string=html, base_url=".").render()
        pdf = document.write_pdf(pdf_variant="pdf/a-3b")
        assert pdf is not None
        _refuse_missing_glyphs(document)
        return RenderedDocument(filename=filename, content_type=self.content_type, content=pdf)


def _refuse_missing_glyphs(document: Document) -> None:
    """Raise MissingGlyphs when any character was drawn as .notdef (an empty box).

    Checked on the fonts WeasyPrint actually used, after drawing: Pango shapes each run of text with the
    font fontconfig chose (falling back through every installed font), and a character no font covers
    comes out as Pango's "unknown glyph", which WeasyPrint records, per font, in ``Font.missing``
    (codepoint -> the .notdef it drew). This is the one place that knows the outcome of shaping, font
    fallback included; guessing coverage beforehand from the text and fontconfig's charsets would
    miss what the CSS font stack and fallback really picked."""
    missing = sorted({chr(codepoint) for font in document.fonts.values() for codepoint in font.missing})
    if missing:
        raise MissingGlyphs(missing)


renderer: DocumentRenderer = WeasyPrintRenderer()


BILINGUAL = "bilingual"


def document_language(case: Case) -> str:
    """The language every document of ``case`` is issued in, a rule of the case: each party's language is
    recorded when it joins the case (``CaseParty.language``: its account's choice then, else the language
    of its pages), and the documents are in the language they share, or in English and Chinese side by
    side ("bilingual") when they differ or the Centre asks for it (``ODR_BILINGUAL_DOCUMENTS``). Which
    language anyone's pages are in later changes nothing."""
    from django.conf import settings

    if settings.ODR_BILINGUAL_DOCUMENTS:
        return BILINGUAL
    chosen = set(case.parties.values_list("language", flat=True))
    if not chosen:
        return settings.LANGUAGE_CODE
    return chosen.pop() if len(chosen) == 1 else BILINGUAL
