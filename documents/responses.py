"""How an issued PDF leaves the platform: always as a download, never rendered on our origin."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from cases.models import Case
from documents.access import require_download
from documents.models import IssuedDocument


def file_attachment(pdf: FieldFile, *, fallback_name: str = "document.pdf") -> FileResponse:
    """A stored PDF as a download (the apps above that issue PDFs of their own send theirs this way too)."""
    if not pdf:
        raise Http404(_("The document is still being prepared."))
    response = FileResponse(
        pdf.open("rb"),
        as_attachment=True,
        filename=(pdf.name or fallback_name).rsplit("/", 1)[-1],
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def pdf_attachment(document: IssuedDocument, *, fallback_name: str = "document.pdf") -> FileResponse:
    return file_attachment(document.pdf, fallback_name=fallback_name)


def issued_pdf(
    case: Case,
    roles: Iterable[str],
    document_id: int,
    *,
    kinds: Iterable[str] | None = None,
    fallback_name: str = "document.pdf",
) -> FileResponse:
    """One of ``case``'s documents (of ``kinds``, if given), for whoever ``documents.access`` lets have it."""
    documents = IssuedDocument.objects.filter(case=case)
    if kinds is not None:
        documents = documents.filter(kind__in=list(kinds))
    document = get_object_or_404(documents, pk=document_id)
    require_download(document, roles)
    return pdf_attachment(document, fallback_name=fallback_name)
