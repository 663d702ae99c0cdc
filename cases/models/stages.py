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
