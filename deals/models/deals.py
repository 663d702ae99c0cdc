from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Organisation
from cases.models.invitations import InvitationFields
from deals.models.templates import DealTemplate


class DealStatus(models.TextChoices):
    INVITING = "inviting", _("Waiting for the other business to join")
    NEGOTIATING = "negotiating", _("Negotiating the text")
    SIGNING = "signing", _("Text agreed and locked: signing")
    EXECUTED = "executed", _("Signed by both and sealed")
    CANCELLED = "cancelled", _("Cancelled")


# The text can change only while the deal is in these states; from signing on, versions are locked.
OPEN_FOR_CHANGES = (DealStatus.INVITING, DealStatus.NEGOTIATING)


class Side(models.TextChoices):
    INITIATOR = "initiator", _("The business that started the deal")
    COUNTERPARTY = "counterparty", _("The business invited to it")


class DealLanguage(models.TextChoices):
    ENGLISH = "en", _("English")
    CHINESE = "zh-hant", _("Traditional Chinese")
    BILINGUAL = "bilingual", _("English and Traditional Chinese side by side")


class Deal(models.Model):
    """A contract two businesses negotiate, sign and keep. Its text lives in its versions; ``current_version``
    is the one on the table, ``locked_version`` the one both marked final (from then on nothing changes)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    template = models.ForeignKey(DealTemplate, on_delete=models.PROTECT, related_name="deals")
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language of the contract"), max_length=10, choices=DealLanguage.choices)
    status = models.CharField(max_length=12, choices=DealStatus.choices, default=DealStatus.INVITING)
    current_version = models.PositiveIntegerField(default=1)
    locked_version = models.PositiveIntegerField(null=True, blank=True)
    odr_clause_kept = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="deal_status_created")]

    def __str__(self) -> str:
        return self.reference or str(self.public_id)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("deals:detail", kwargs={"deal_id": self.public_id})

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the contract's text is kept in: both, in step, for a bilingual contract."""
        if self.language == DealLanguage.BILINGUAL:
            return ("en", "zh-hant")
        return (self.language,)

    @property
    def open_for_changes(self) -> bool:
        return self.status in OPEN_FOR_CHANGES


class DealParty(models.Model):
    """A business in a deal, the person who acts for it, and the version it has marked final (if any)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="parties")
    side = models.CharField(max_length=12, choices=Side.choices)
    # The part the business plays in the contract, one of its template's roles ("seller", "buyer", ...).
    role_key = models.CharField(max_length=30)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="deal_parties")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deal_parties")
    final_version = models.PositiveIntegerField(null=True, blank=True)
    # Since when something has awaited this side (a proposal, a comment, the other side marking the text
    # final) that it has not seen: the sweep emails one digest a while later, not one email per change.
    awaiting_since = models.DateTimeField(null=True, blank=True)
    # When the last digest went: the next waits a whole period after it, whatever the clocks of the processes that
    # set ``awaiting_since`` say.
    digest_sent_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deal", "side"], name="one_deal_party_per_side")]
        indexes = [models.Index(fields=["user", "deal"], name="deal_party_user")]

    def __str__(self) -> str:
        return f"{self.get_side_display()}: {self.organisation}"


class DealInvitation(InvitationFields):
    """An emailed invitation for the other business (``cases.invitation_links``)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="invitations")

    class Meta(InvitationFields.Meta):
        pass

    def __str__(self) -> str:
        return f"Invitation to {self.email} for {self.deal}"


class VersionFrozen(Exception):
    """A deal version is written once: a change makes the next version, never an edit of this one."""


class DealVersion(models.Model):
    """The whole text at one moment: the fields' values and every clause in the deal's language(s)
    (``deals.content``). Written once; each accepted change writes the next number."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    # What made it: "started from the template", or the proposal accepted (kept as its id and a summary).
    proposal = models.ForeignKey("deals.Proposal", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    summary = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deal", "number"]
        constraints = [models.UniqueConstraint(fields=["deal", "number"], name="one_deal_version_number")]

    def __str__(self) -> str:
        return f"{self.deal} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise VersionFrozen("a deal version cannot be changed")
        super().save(*args, **kwargs)


class DealReferenceCounter(models.Model):
    """The last deal number used in a year; locked by its UPDATE so concurrent starts never collide."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"
