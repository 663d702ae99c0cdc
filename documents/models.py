"""Documents the platform issues: drafts the parties revise and sign, and the sealed executed copy."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.models import Case, NeutralRole, PartyRole


class IssuedKind(models.TextChoices):
    ODR_AGREEMENT = "odr_agreement", _("ODR agreement")
    SETTLEMENT_AGREEMENT = "settlement_agreement", _("Settlement agreement")
    AGREEMENT_TO_MEDIATE = "agreement_to_mediate", _("Agreement to mediate")
    FEE_RECEIPT = "fee_receipt", _("Fee receipt")
    REFUND_RECEIPT = "refund_receipt", _("Refund receipt")
    DECLARATION_OF_INDEPENDENCE = "declaration", _("Arbitrator's declaration of independence")
    ARBITRAL_AWARD = "arbitral_award", _("Arbitral award")


class IssuedStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUPERSEDED = "superseded", _("Superseded by a later version")
    SIGNED = "signed", _("Signed by all; see the executed copy")
    EXECUTED = "executed", _("Executed and sealed")


def new_verification_reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no look-alikes (0/O, 1/I)
    return "V-" + "".join(secrets.choice(alphabet) for _ in range(10))


def _pdf_path(instance: IssuedDocument, filename: str) -> str:
    # Receipts are one per payment or refund: their subject's id tells their files apart.
    which = instance.subject.partition(":")[2][:8] if instance.subject else f"v{instance.version}"
    return f"issued/{instance.case.public_id}/{instance.kind}-{which}-{instance.status}.pdf"


class IssuedDocument(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="issued_documents")
    kind = models.CharField(max_length=30, choices=IssuedKind.choices)
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=IssuedStatus.choices, default=IssuedStatus.DRAFT)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    terms = models.TextField()
    # A settlement agreement's date to pay by, a term of its own (revising the wording keeps it); none: the
    # agreement states the Centre's days after execution instead.
    pay_by = models.DateField(null=True, blank=True)
    # What a case may hold several of tells them apart (e.g. "payment:<id>" for receipts); blank for agreements.
    subject = models.CharField(max_length=60, blank=True, default="")
    language = models.CharField(max_length=10, default="en")
    pdf = models.FileField(upload_to=_pdf_path, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    pages = models.PositiveSmallIntegerField(default=0)
    verification_reference = models.CharField(max_length=20, unique=True, default=new_verification_reference)
    executed_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="executed_copy"
    )
    # An issued document that corrects an earlier one (an award's correction of clerical errors); the
    # earlier one stays on record, and /verify/ says it was corrected.
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "kind", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "version"], condition=~models.Q(status="executed"), name="one_draft_per_version"
            ),
            models.UniqueConstraint(
                fields=["case", "kind"], condition=models.Q(status="draft"), name="one_current_draft"
            ),
            models.UniqueConstraint(
                fields=["case", "kind", "subject"], condition=models.Q(status="executed"), name="one_executed_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} ({self.status}) for {self.case}"

    @property
    def correction_number(self) -> int:
        """1 for the first correction of a document, 2 for the correction of that correction, ...; 0 for
        a document that corrects nothing."""
        number, corrected = 0, self.corrects
        while corrected is not None:
            number, corrected = number + 1, corrected.corrects
        return number

    @property
    def original(self) -> IssuedDocument:
        """The document a chain of corrections started from (itself, when it corrects nothing)."""
        document = self
        while document.corrects is not None:
            document = document.corrects
        return document

    @property
    def title(self) -> str:
        """What lists and /verify/ call it: its kind, or which correction of which document it is."""
        if self.corrects_id is None:
            return str(self.get_kind_display())
        return gettext("Correction %(number)s of the award %(reference)s") % {
            "number": self.correction_number,
            "reference": self.original.verification_reference,
        }


class DocumentSignature(models.Model):
    """A party's signature on one exact draft: the SHA-256 of the PDF bytes it reviewed and signed."""

    document = models.ForeignKey(IssuedDocument, on_delete=models.PROTECT, related_name="signatures")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation_name = models.CharField(max_length=200)
    role = models.CharField(max_length=12)
    full_name = models.CharField(max_length=200)
    pdf_sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["signed_at"]
        constraints = [models.UniqueConstraint(fields=["document", "user"], name="one_signature_per_signatory")]

    def __str__(self) -> str:
        return f"{self.full_name} on {self.document}"

    @property
    def role_label(self) -> str:
        """The signatory's role in the active language ("Claimant", "仲裁員")."""
        labels = {**dict(PartyRole.choices), **dict(NeutralRole.choices)}
        return str(labels.get(self.role, self.role))
