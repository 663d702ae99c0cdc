import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import AuditEntry, DocumentVersion
from cases.services import ServiceError
from cases.services.evidence import document_add_version, document_upload

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# A whole 1x1 PNG: its signature and header chunk, as a camera or a screenshot writes them.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("claim.pdf", PDF, "application/pdf"),
        ("photo.png", PNG, "image/png"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("letter.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("notes.txt", "發票 invoice 42\n".encode(), "text/plain"),
        # The name says PDF; the content is text: the content decides.
        ("misnamed.pdf", b"just text", "text/plain"),
    ],
)
def test_accepted_types_are_recognised_from_content(negotiation_case, claimant, name, content, content_type):
    version = document_upload(case=negotiation_case, user=claimant, upload=SimpleUploadedFile(name, content))
    assert version.content_type == content_type
    assert version.sha256 == hashlib.sha256(content).hexdigest()
    assert version.size == len(content)
    with version.file.open("rb") as handle:
        assert handle.read() == content
    assert name not in version.file.name  # stored under a random name, never the user's


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00"),  # a Windows program renamed to .pdf
        ("archive.docx", b"PK\x03\x04not really a zip"),
        ("empty.txt", b""),
    ],
)
def test_disguised_or_empty_files_are_refused_and_nothing_is_saved(
    negotiation_case, claimant, name, content, private_storage
):
    with pytest.raises(ServiceError):
        document_upload(case=negotiation_case, user=claimant, upload=SimpleUploadedFile(name, content))
    assert not DocumentVersion.objects.exists()
    assert not any(p.is_file() for p in private_storage.rglob("*")) if private_storage.exists() else True


def test_oversized_file_is_refused(negotiation_case, claimant, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ServiceError, match="larger than the limit"):
        document_upload(case=negotiation_case, user=claimant, upload=SimpleUploadedFile("big.txt", b"a" * 1025))


def test_new_version_keeps_the_old_one(negotiation_case, claimant, respondent):
    first = document_upload(
        case=negotiation_case, user=claimant, upload=SimpleUploadedFile("a.txt", b"v1"), title="Invoice"
    )
    second = document_add_version(document=first.document, user=claimant, upload=SimpleUploadedFile("a.txt", b"v2"))
    assert (first.number, second.number) == (1, 2)
    with first.file.open("rb") as old:
        assert old.read() == b"v1"
    with pytest.raises(ServiceError, match="Only the side that added"):
        document_add_version(document=first.document, user=respondent, upload=SimpleUploadedFile("a.txt", b"v3"))


def test_outsider_cannot_upload(negotiation_case, outsider):
    with pytest.raises(ServiceError):
        document_upload(case=negotiation_case, user=outsider, upload=SimpleUploadedFile("a.txt", b"x"))


def test_download_is_an_attachment_and_is_audited(negotiation_case, claimant, respondent, client_for):
    version = document_upload(case=negotiation_case, user=claimant, upload=SimpleUploadedFile("evil.pdf", PDF))
    url = reverse(
        "cases:document_download", kwargs={"case_id": negotiation_case.public_id, "version_id": version.public_id}
    )
    response = client_for(respondent).get(url)
    body = b"".join(response.streaming_content)
    for close in response._resource_closers:
        close()
    assert body == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    entry = AuditEntry.objects.filter(case=negotiation_case, action="document.viewed").get()
    assert entry.actor == respondent
    assert not entry.visible_to_parties


def test_upload_through_the_case_page_shows_errors(negotiation_case, claimant, client_for):
    url = reverse("cases:document_upload", kwargs={"case_id": negotiation_case.public_id})
    response = client_for(claimant).post(url, {"title": "Bad", "file": SimpleUploadedFile("x.pdf", b"\x00\x01\x02")})
    assert response.status_code == 400
    assert "This kind of file is not accepted" in response.text
    response = client_for(claimant).post(url, {"title": "Good", "file": SimpleUploadedFile("x.pdf", PDF)})
    assert response.status_code == 302
    assert "Good" in client_for(claimant).get(response["Location"]).text


def test_the_public_verification_page_is_rate_limited(client, settings, db):
    from django.urls import reverse

    settings.ODR_VERIFY_PER_10_MINUTES = 2
    url = reverse("documents:verify")
    for _ in range(2):
        assert client.post(url, {"reference": "V-NOPE", "sha256": "0" * 64}).status_code == 200
    refused = client.post(url, {"reference": "V-NOPE", "sha256": "0" * 64})
    assert refused.status_code == 429
    assert "Too many checks" in refused.text
