"""Storage full or unwritable while a party uploads evidence: a clear error on the form, nothing recorded,
nothing left in storage. The faults are real: a 64 KiB tmpfs that fills up (ENOSPC), a read-only mount
(EROFS, which stops root too) and a storage root under a regular file (ENOTDIR)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import AuditEntry, Document, DocumentVersion
from cases.services.evidence import document_upload
from tests.faults.conftest import mounted

ERROR = "The file could not be stored, so nothing was added. Please try again later."


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def upload(client, case, content: bytes, name: str = "ledger.txt"):
    return client.post(
        reverse("cases:document_upload", kwargs={"case_id": case.public_id}),
        {"title": "Ledger", "file": SimpleUploadedFile(name, content, content_type="text/plain")},
    )


def assert_nothing_recorded(case, root: Path) -> None:
    assert not Document.objects.filter(case=case).exists()
    assert not DocumentVersion.objects.filter(document__case=case).exists()
    assert not AuditEntry.objects.filter(case=case, action__startswith="document.").exists()
    assert stored_files(root) == []


@pytest.fixture
def full_disk(private_storage: Path) -> Path:
    with mounted(private_storage, "size=64k", "mode=0700") as root:
        yield root


# In memory (streamed to storage in chunks) and above FILE_UPLOAD_MAX_MEMORY_SIZE (a temporary file that
# storage copies across filesystems).
@pytest.mark.parametrize("size", [200 * 1024, 3 * 1024 * 1024], ids=["200 KiB streamed", "3 MiB from a temp file"])
def test_a_full_disk_refuses_the_upload_clearly_and_keeps_nothing(
    size, full_disk, negotiation_case, claimant, client_for
):
    client = client_for(claimant)
    response = upload(client, negotiation_case, b"2026-01-05 deposit HK$12,345.67\n" * (size // 32))
    assert response.status_code == 400
    assert ERROR in response.text
    assert "Traceback" not in response.text
    assert_nothing_recorded(negotiation_case, full_disk)
    statvfs = os.statvfs(full_disk)
    assert statvfs.f_bfree == statvfs.f_blocks  # not one block of the failed write is left
    page = client.get(reverse("cases:detail", kwargs={"case_id": negotiation_case.public_id}))
    assert "ledger.txt" not in page.text
    assert "Ledger" not in page.text

    # The disk is not broken, only full: a file that fits is stored and listed.
    small = upload(client, negotiation_case, b"receipt 42\n" * 100, name="receipt.txt")
    assert small.status_code == 302
    version = DocumentVersion.objects.get(document__case=negotiation_case)
    assert [path.name for path in stored_files(full_disk)] == [Path(version.file.name).name]
    assert AuditEntry.objects.filter(case=negotiation_case, action="document.uploaded").count() == 1


def test_a_read_only_storage_refuses_the_upload_clearly(private_storage, negotiation_case, claimant, client_for):
    with mounted(private_storage, "size=1m", "ro") as root:
        response = upload(client_for(claimant), negotiation_case, b"minutes of the meeting\n")
        assert response.status_code == 400
        assert ERROR in response.text
        assert_nothing_recorded(negotiation_case, root)


def test_a_storage_root_that_is_not_a_directory_refuses_the_upload_clearly(
    settings, tmp_path, negotiation_case, claimant, client_for
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file where the storage root should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(blocker / "private")}},
    }
    response = upload(client_for(claimant), negotiation_case, b"photo caption\n")
    assert response.status_code == 400
    assert ERROR in response.text
    assert_nothing_recorded(negotiation_case, tmp_path / "private")
    assert blocker.read_text() == "a regular file where the storage root should be"


def test_a_new_version_that_does_not_fit_keeps_the_old_one_alone(full_disk, negotiation_case, claimant, client_for):
    first = document_upload(case=negotiation_case, user=claimant, upload=SimpleUploadedFile("a.txt", b"v1\n"))
    response = client_for(claimant).post(
        reverse(
            "cases:document_version_upload",
            kwargs={"case_id": negotiation_case.public_id, "document_id": first.document.public_id},
        ),
        {"file": SimpleUploadedFile("a.txt", b"v2 " * 40000)},
        follow=True,
    )
    assert ERROR in response.text
    assert list(DocumentVersion.objects.filter(document=first.document).values_list("number", flat=True)) == [1]
    assert not AuditEntry.objects.filter(case=negotiation_case, action="document.version_added").exists()
    assert [path.name for path in stored_files(full_disk)] == [Path(first.file.name).name]
    with first.file.open("rb") as handle:
        assert handle.read() == b"v1\n"


def test_a_file_written_before_the_transaction_failed_is_removed(private_storage, negotiation_case, claimant):
    """The file is stored, then the database refuses the rest of the write (a trigger refuses the audit
    entry, as a failing constraint would): the transaction rolls back and the file goes with it."""
    from django.db import DatabaseError, connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER faults_refuse BEFORE INSERT ON cases_auditentry "
                "WHEN NEW.action = 'document.uploaded' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION faults_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'refused by the test'; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER faults_refuse BEFORE INSERT ON cases_auditentry FOR EACH ROW "
                "WHEN (NEW.action = 'document.uploaded') EXECUTE FUNCTION faults_refuse()"
            )
    with pytest.raises(DatabaseError, match="refused by the test"):
        document_upload(case=negotiation_case, user=claimant, upload=SimpleUploadedFile("a.txt", b"minutes\n"))
    assert not DocumentVersion.objects.exists()
    assert stored_files(private_storage) == []
