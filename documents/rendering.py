"""Documents behind one interface: each renderer returns ``(filename, content_type, bytes)``.

PDFs are built from HTML templates with print CSS by WeasyPrint, archive-grade (PDF/A-3b) and with
title and author metadata.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Protocol

from django.template.loader import render_to_string
from django.utils import translation
from pypdf import PdfReader
from weasyprint import HTML


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    filename: str
    content_type: str
    content: bytes

    @property
    def pages(self) -> int:
        return len(PdfReader(io.BytesIO(self.content)).pages)


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
        pdf = HTML(string=html, base_url=".").write_pdf(pdf_variant="pdf/a-3b")
        assert pdf is not None
        return RenderedDocument(filename=filename, content_type=self.content_type, content=pdf)


renderer: DocumentRenderer = WeasyPrintRenderer()


BILINGUAL = "bilingual"


def document_language(user_ids: list[int]) -> str:
    """The language a document is issued in: "bilingual" (English and Chinese side by side) when the
    Centre asks for it (``ODR_BILINGUAL_DOCUMENTS``) or when the people it is for chose different
    languages; otherwise the one they share (their account's choice, else the platform's language)."""
    from django.conf import settings

    from cases.languages import language_of

    if settings.ODR_BILINGUAL_DOCUMENTS:
        return BILINGUAL
    chosen = {language_of(user_id) or settings.LANGUAGE_CODE for user_id in user_ids}
    return chosen.pop() if len(chosen) == 1 else BILINGUAL
