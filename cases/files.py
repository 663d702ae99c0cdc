"""Recognising an uploaded file by its content (libmagic, through python-magic), never by its name or the
browser's word."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from typing import IO

import magic
from django.utils.translation import gettext as _

_SNIFF_BYTES = 8192


@dataclass(frozen=True, slots=True)
class SniffedFile:
    content_type: str
    extension: str
    sha256: str
    size: int


class RejectedFile(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _is_docx(stream: IO[bytes]) -> bool:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "[Content_Types].xml" in names and "word/document.xml" in names


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def _is_plain_text(head: bytes) -> bool:
    if any(b in _CONTROL_BYTES for b in head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 4:
            return False
    return True


# What libmagic names -> what we accept it as. A zip archive is accepted only when it opens as a Word
# document, and text only when it is UTF-8 without control characters: it is kept and served as plain text.
_ACCEPTED = {
    "application/pdf": ("application/pdf", "pdf"),
    "image/jpeg": ("image/jpeg", "jpg"),
    "image/png": ("image/png", "png"),
}
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _content_type(stream: IO[bytes], head: bytes) -> tuple[str, str] | None:
    detected = magic.from_buffer(head, mime=True)
    if detected in _ACCEPTED:
        return _ACCEPTED[detected]
    if detected in (_DOCX, "application/zip"):
        return (_DOCX, "docx") if _is_docx(stream) else None
    if detected.startswith("text/") and _is_plain_text(head):
        return "text/plain", "txt"
    return None


def sniff_upload(stream: IO[bytes], *, max_bytes: int) -> SniffedFile:
    """Check size and type from the bytes themselves, and hash them. Raises ``RejectedFile``."""
    digest = hashlib.sha256()
    size = 0
    stream.seek(0)
    head = b""
    while chunk := stream.read(1024 * 1024):
        if not head:
            head = chunk[:_SNIFF_BYTES]
        size += len(chunk)
        if size > max_bytes:
            raise RejectedFile(
                _("The file is larger than the limit of %(mb)s MB.") % {"mb": f"{max_bytes / 1024 / 1024:g}"}
            )
        digest.update(chunk)
    if size == 0:
        raise RejectedFile(_("The file is empty."))
    detected = _content_type(stream, head)
    stream.seek(0)
    if detected is None:
        raise RejectedFile(
            _("This kind of file is not accepted. Upload a PDF, JPEG, PNG, Word (DOCX) or plain text file.")
        )
    content_type, extension = detected
    return SniffedFile(content_type=content_type, extension=extension, sha256=digest.hexdigest(), size=size)
