from __future__ import annotations

from django.conf import settings
from django.db import models


class PendingStage(models.Model):
    """A stage change someone asked for that a stage gate holds back (e.g. its fees are not settled yet).

    At most one per case. It is applied, as the person who asked, once every gate opens; it is dropped
    when the case moves on some other way first.
    """

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="pending_stage")
    action = models.CharField(max_length=40)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.action} pending on {self.case}"


class ArbitrationEntry(models.Model):
    """Mediation ended without (full) settlement: the case goes to arbitration only if both parties
    consent (at ODR entry, or now, until ``consent_closes_at``) and its fees are settled; otherwise it
    closes with the mediation's outcome (not settled, or partly settled)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="arbitration_entry")
    partly_settled = models.BooleanField(default=False)
    consent_closes_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Arbitration entry for {self.case}"
