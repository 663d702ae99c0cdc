"""The contract as the businesses sign it: the PDF of the locked version, each side's signature on its exact
bytes, and the executed copy the Centre seals once both have signed."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from deals.models.deals import Deal, Side
from documents.models import new_verification_reference


def _contract_path(instance: DealContract, filename: str) -> str:
    # One folder per deal and a name that says which copy: a job run again writes to the same name (and
    # replaces what a dead run left there, see documents.files.store_pdf).
    return f"deals/{instance.deal.public_id}/{filename}"


class DealContract(models.Model):
    """One per deal, made when the text is locked. The draft is the PDF of the locked version both sides
    sign (its SHA-256 is what a signature records); the executed copy is that text with the signature page,
    sealed, and carries ``verification_reference`` for /verify/."""

    deal = models.OneToOneField(Deal, on_delete=models.PROTECT, related_name="contract")
    version = models.PositiveIntegerField()
    # The deal's language as rendered: "en", "zh-hant" or "bilingual" (documents.rendering's languages).
    language = models.CharField(max_length=10)
    draft_pdf = models.FileField(upload_to=_contract_path, max_length=200, blank=True)
    draft_sha256 = models.CharField(max_length=64, blank=True)
    draft_pages = models.PositiveSmallIntegerField(default=0)
    executed_pdf = models.FileField(upload_to=_contract_path, max_length=200, blank=True)
    executed_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    executed_pages = models.PositiveSmallIntegerField(default=0)
    verification_reference = models.CharField(max_length=20, unique=True, default=new_verification_reference)
    created_at = models.DateTimeField(auto_now_add=True)
    executed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Contract of {self.deal} (v{self.version})"

    @property
    def draft_ready(self) -> bool:
        return bool(self.draft_sha256)

    @property
    def executed(self) -> bool:
        return bool(self.executed_sha256)


class DealSignature(models.Model):
    """One side's signature on the contract: the SHA-256 of the exact draft PDF its person reviewed and signed,
    after re-entering their password (and two-factor code where the account has one)."""

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="signatures")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=12, choices=Side.choices)
    organisation_name = models.CharField(max_length=200)
    full_name = models.CharField(max_length=200)
    pdf_sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["deal", "side"], name="one_deal_signature_per_side")]

    def __str__(self) -> str:
        return f"{self.full_name} for {self.organisation_name} on {self.deal}"
