"""Evidence: uploading a file to a case (checked by its content), new versions, a draft claim's files,
releasing a filed submission's files to everyone on the case, and recording who viewed one."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from cases.access import case_roles
from cases.audit import SYSTEM, RequestMeta, log_action
from cases.files import RejectedFile, sniff_upload
from cases.models import Case, CaseStatus, Document, DocumentKind, DocumentVersion, PartyRole
from cases.roles import Role
from cases.services import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_TITLE = 200
logger = logging.getLogger(__name__)

# Files written by the service running now, removed again if its transaction does not commit.
WrittenFiles = list[tuple[Storage, str]]


def _uploading_side(case: Case, user: User) -> PartyRole:
    roles = case_roles(user, case)
    if Role.CLAIMANT in roles:
        return PartyRole.CLAIMANT
    if Role.RESPONDENT in roles:
        return PartyRole.RESPONDENT
    raise ServiceError(_("Only the parties to a case can add documents to it."))


def _check_case_accepts_documents(case: Case, user: User, kind: str = DocumentKind.EVIDENCE) -> None:
    if case.status == CaseStatus.DRAFT and case.created_by_id != user.pk:
        raise ServiceError(_("Only the parties to a case can add documents to it."))
    # Evidence of paying what a settlement or award requires comes after the case has closed.
    if case.status == CaseStatus.CLOSED and kind != DocumentKind.PAYMENT_EVIDENCE:
        raise ServiceError(_("This case is closed: no more documents can be added."))


def _discard(storage: Storage, name: str) -> None:
    """Remove a stored file, or what a failed write left of it; a failure here is logged, never raised."""
    try:
        if storage.exists(name):
            storage.delete(name)
    except Exception:
        logger.exception("could not remove %s from storage", name)


@contextmanager
def _files_removed_on_failure() -> Iterator[WrittenFiles]:
    """Around a service's own transaction: if it raises (a later write failed, the commit failed, the
    database went away), the files it wrote are removed, so no file is left without its record."""
    written: WrittenFiles = []
    try:
        yield written
    except BaseException:
        for storage, name in written:
            _discard(storage, name)
        raise


def _store_version(
    *, document: Document, user: User, upload: UploadedFile, number: int, written: WrittenFiles
) -> DocumentVersion:
    try:
        sniffed = sniff_upload(upload, max_bytes=settings.UPLOAD_MAX_BYTES)
    except RejectedFile as exc:
        raise ServiceError(exc.message, field="file") from None
    version = DocumentVersion(
        document=document,
        number=number,
        original_filename=(upload.name or "upload")[-255:],
        content_type=sniffed.content_type,
        size=sniffed.size,
        sha256=sniffed.sha256,
        uploaded_by=user,
    )
    # The file is written before the row, under a new random name (so what is there after a failed write
    # is ours alone to remove); if the row or anything after it in the transaction fails, the file goes.
    storage = version.file.storage
    name = version.file.field.generate_filename(version, f"{sniffed.sha256[:8]}.{sniffed.extension}")
    try:
        version.file.name = storage.save(name, upload, max_length=version.file.field.max_length)
    except Exception:
        # Disk full, storage unwritable or unreachable: nothing half-written stays behind.
        logger.exception("could not store an upload of %s bytes for case %s", sniffed.size, document.case_id)
        _discard(storage, name)
        raise ServiceError(
            _("The file could not be stored, so nothing was added. Please try again later."), field="file"
        ) from None
    written.append((storage, version.file.name))
    version.save()
    return version


def document_upload(
    *,
    case: Case,
    user: User,
    upload: UploadedFile,
    title: str = "",
    kind: DocumentKind = DocumentKind.EVIDENCE,
    withheld: bool = False,
    meta: RequestMeta = SYSTEM,
) -> DocumentVersion:
    """Store an upload as a new document of the uploader's side. ``withheld`` keeps it from the other
    side (and out of their timeline) until ``documents_release``."""
    with _files_removed_on_failure() as written, transaction.atomic():
        return _document_upload(
            case=case, user=user, upload=upload, title=title, kind=kind, withheld=withheld, meta=meta, written=written
        )


def _document_upload(
    *,
    case: Case,
    user: User,
    upload: UploadedFile,
    title: str,
    kind: DocumentKind,
    withheld: bool,
    meta: RequestMeta,
    written: WrittenFiles,
) -> DocumentVersion:
    _check_case_accepts_documents(case, user, kind)
    side = _uploading_side(case, user)
    title = (title or upload.name or _("Document")).strip()[:MAX_TITLE]
    document = Document.objects.create(
        case=case, title=title, kind=kind, party_role=side, created_by=user, withheld=withheld
    )
    version = _store_version(document=document, user=user, upload=upload, number=1, written=written)
    log_action(
        case=case,
        actor=user,
        action="document.uploaded",
        meta=meta,
        visible_to_parties=not withheld,
        data={"document": str(document.public_id), "title": title, "version": 1, "sha256": version.sha256},
    )
    return version


def document_add_version(
    *, document: Document, user: User, upload: UploadedFile, meta: RequestMeta = SYSTEM
) -> DocumentVersion:
    with _files_removed_on_failure() as written, transaction.atomic():
        return _document_add_version(document=document, user=user, upload=upload, meta=meta, written=written)


def _document_add_version(
    *, document: Document, user: User, upload: UploadedFile, meta: RequestMeta, written: WrittenFiles
) -> DocumentVersion:
    locked = Document.objects.select_for_update().select_related("case").get(pk=document.pk)
    _check_case_accepts_documents(locked.case, user)
    if _uploading_side(locked.case, user) != locked.party_role:
        raise ServiceError(_("Only the side that added a document can upload a new version of it."))
    number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = _store_version(document=locked, user=user, upload=upload, number=number, written=written)
    log_action(
        case=locked.case,
        actor=user,
        action="document.version_added",
        meta=meta,
        visible_to_parties=not locked.withheld,
        data={"document": str(locked.public_id), "title": locked.title, "version": number, "sha256": version.sha256},
    )
    return version


@transaction.atomic
def document_remove_from_draft(*, document: Document, user: User, meta: RequestMeta = SYSTEM) -> None:
    """Drafts are the claimant's own working copy; once filed, documents are never removed."""
    case = document.case
    if case.status != CaseStatus.DRAFT or case.created_by_id != user.pk:
        raise ServiceError(_("Documents of a filed case cannot be removed."))
    stored = [(version.file.storage, version.file.name) for version in document.versions.all() if version.file.name]

    def delete_files() -> None:
        for storage, name in stored:
            storage.delete(name)

    # Files go only once the rows are gone for good.
    transaction.on_commit(delete_files)
    log_action(case=case, actor=user, action="document.removed_from_draft", meta=meta, data={"title": document.title})
    document.delete()


def documents_release(*, case: Case, document_ids: list[int]) -> int:
    """The submission they belong to is filed: its documents become the case's, seen by everyone on it.
    Runs in the caller's transaction."""
    released = Document.objects.filter(case=case, pk__in=document_ids, withheld=True)
    titles = list(released.values_list("title", flat=True))
    count = released.update(withheld=False)
    if count:
        log_action(case=case, actor=None, action="document.released", data={"titles": titles})
    return count


def document_viewed(*, version: DocumentVersion, user: User, meta: RequestMeta = SYSTEM) -> None:
    log_action(
        case=version.document.case,
        actor=user,
        action="document.viewed",
        meta=meta,
        data={"document": str(version.document.public_id), "version": version.number},
        visible_to_parties=False,
    )
