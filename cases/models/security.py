from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.audit import AppendOnlyError


class SecurityEventQuerySet(models.QuerySet["SecurityEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("security events cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("security events cannot be deleted")

    def pseudonymise_user(self, user_id: int, pseudonym: str) -> int:
        """The one change the log allows (as the audit log's): a person whose account is erased is named by
        a pseudonym, and where they came from is forgotten. Only the account erasure calls this."""
        return models.QuerySet.update(
            self.filter(user_id=user_id), user_label=pseudonym, ip_address=None, user_agent=""
        )


class RefusalReason(models.TextChoices):
    """Why the access rules refused someone (``cases.security_events`` records it)."""

    CASE_HIDDEN = "case_hidden", _("A case the person may not see")
    ROLE = "role", _("A page or action of a role the person does not hold on the case")
    STAFF_ONLY = "staff_only", _("A staff page")
    NOT_THEIRS = "not_theirs", _("Something that belongs to someone else")
    SOCKET_ANONYMOUS = "socket_anonymous", _("A live connection without signing in")
    SOCKET_ORIGIN = "socket_origin", _("A live connection from another website")
    SOCKET_NO_ACCESS = "socket_no_access", _("A live connection to a room the person may not enter")


class SecurityEvent(models.Model):
    """A refusal by the access rules: who, what, which case, from where, when. Append-only; written by
    ``cases.security_events.record_refusal`` alone, at most ``ODR_SECURITY_EVENTS_PER_MINUTE`` a minute for
    one person or address (the rest are counted in ``suppressed_before`` of the next one recorded)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept even if the account goes, so the log still says who it was.
    user_label = models.CharField(max_length=254, blank=True)
    reason = models.CharField(max_length=20, choices=RefusalReason.choices)
    method = models.CharField(max_length=10, blank=True)  # GET, POST…, or WS for a websocket
    path = models.CharField(max_length=500)
    # The case the request named, if any: its public id, whether or not such a case exists.
    case_ref = models.UUIDField(null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # Refusals of the same person or address not recorded since their previous event (over the rate limit).
    suppressed_before = models.PositiveIntegerField(default=0)

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user_label or self.ip_address} {self.reason} {self.path}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("security events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("security events cannot be deleted")
