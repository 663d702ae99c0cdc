"""Evidence: the files the parties bring to a case (with the claim or the response, proof of payment, their
arbitration submissions), in versions. The documents app holds what the Centre issues (agreements, awards,
receipts)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.cases import Case, PartyRole


class DocumentKind(models.TextChoices):
    EVIDENCE = "evidence", _("Evidence")
    RESPONSE_EVIDENCE = "response_evidence", _("Evidence with the response")
    OTHER = "other", _("Other document")
    PAYMENT_EVIDENCE = "payment_evidence", _("Evidence of payment")
    SUBMISSION = "submission", _("Arbitration submission")


def _version_path(instance: DocumentVersion, filename: str) -> str:
    # Never the user's file name: a random name per version, under the case's own folder.
    return f"cases/{instance.document.case.public_id}/{uuid.uuid4().hex}"


class Document(models.Model):
    """A named document on a case. Its content lives in versions; a version is never overwritten."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(max_length=20, choices=DocumentKind.choices, default=DocumentKind.EVIDENCE)
    party_role = models.CharField(max_length=12, choices=PartyRole.choices, blank=True)
    # Attached to a submission not yet filed: only the side that added it sees it until filing releases it.
    withheld = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.title


class DocumentVersion(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=_version_path, max_length=200)
    original_filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="unique_document_version")]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"
