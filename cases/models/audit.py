from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit entry."""


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit entries cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries cannot be deleted")

    def pseudonymise_actor(self, user_id: int, pseudonym: str) -> int:
        """The one change the log allows: a person whose account is erased is named by a pseudonym, and
        where they acted from is forgotten. What was done, and when, stays. Only the erasure service calls
        this, in the transaction that writes the entry recording the erasure."""
        return models.QuerySet.update(
            self.filter(actor_id=user_id), actor_label=pseudonym, ip_address=None, user_agent=""
        )


class AuditEntry(models.Model):
    """One thing that happened: who, when, from where, what changed. Append-only (pretix ``log_action``)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="audit")
    # What else the entry is about, for records that are not cases (a deal: "deal:<public id>"). The core
    # does not know those apps; they name their records here and read their trail back by it.
    subject = models.CharField(max_length=60, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept even if the account goes, so the trail still says who acted.
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # Parties see their case's timeline; some entries (e.g. who viewed a document) are for administrators.
    visible_to_parties = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="audit_case_time"),
            models.Index(fields=["subject", "created_at"], name="audit_subject_time", condition=~models.Q(subject="")),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries cannot be deleted")
