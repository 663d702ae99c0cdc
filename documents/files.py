"""Writing an issued PDF next to the row that names it, so that a job run twice, or cut short, leaves one
file: the documents app's own documents use it, and so do the apps above that issue PDFs of their own."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile

logger = logging.getLogger(__name__)


def store_pdf(pdf: FieldFile, filename: str, content: bytes, save: Callable[[], object]) -> None:
    """Write ``content`` into the file field ``pdf``, then ``save`` its row (and whatever goes with it), inside
    the caller's transaction and while the caller holds the lock that makes runs of the same job take turns.

    A file already where this PDF goes, while the row that would name it is still unwritten, was left by
    a worker that died between writing it and committing (or by a commit that failed): it is replaced, so
    the job leaves one file, not two. If ``save`` fails, the file just written is removed at once, still
    under the lock (no other run can have written under that name since)."""
    storage = pdf.storage
    name = pdf.field.generate_filename(pdf.instance, filename)
    if storage.exists(name):
        logger.warning("removing %s, left by an earlier run of the same job", name)
        storage.delete(name)
    pdf.save(filename, ContentFile(content), save=False)
    written = str(pdf.name)
    try:
        save()
    except BaseException:
        storage.delete(written)
        raise
