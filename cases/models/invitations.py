from __future__ import annotations

from django.conf import settings
from django.db import models

from cases.models.cases import Case


class InvitationFields(models.Model):
    """What every emailed invitation link's row holds (``cases.invitation_links``): only the SHA-256 of its
    secret, when it stops working, and when and by whom it was used or that a newer one replaced it."""

    email = models.EmailField()
    secret_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class Invitation(InvitationFields):
    """An emailed invitation for the respondent."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="invitations")

    class Meta(InvitationFields.Meta):
        pass

    def __str__(self) -> str:
        return f"Invitation to {self.email} for {self.case}"
