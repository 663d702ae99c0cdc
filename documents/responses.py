"""How an issued PDF leaves the platform: always as a download, never rendered on our origin."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from documents.models import IssuedDocument


def pdf_attachment(document: IssuedDocument, *, fallback_name: str = "document.pdf") -> FileResponse:
    if not document.pdf:
        raise Http404(_("The document is still being prepared."))
    response = FileResponse(
        document.pdf.open("rb"),
        as_attachment=True,
        filename=(document.pdf.name or fallback_name).rsplit("/", 1)[-1],
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
