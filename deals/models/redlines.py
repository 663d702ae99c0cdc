from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from deals.models.deals import Deal, Side


class ProposalAction(models.TextChoices):
    CHANGE = "change", _("Change the text")
    STRIKE = "strike", _("Strike the clause")
    RESTORE = "restore", _("Restore the struck clause")


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the other side")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # Another change to the same clause or field was accepted first: this one no longer applies.
    OUTDATED = "outdated", _("Out of date: the text changed first")


class Proposal(models.Model):
    """A redline: one side proposes new text for one clause or a new value for one field (or striking or
    restoring a clause); the other side accepts or rejects it. ``before`` is the target as it stood in
    ``base_version``, shown beside ``after`` with a word-level diff."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="proposals")
    # "clause" or "field", and the clause's or field's key in the template.
    target_kind = models.CharField(max_length=6)
    target_key = models.CharField(max_length=40)
    action = models.CharField(max_length=8, choices=ProposalAction.choices, default=ProposalAction.CHANGE)
    base_version = models.PositiveIntegerField()
    before = models.JSONField()
    after = models.JSONField()
    note = models.TextField(blank=True)
    side = models.CharField(max_length=12, choices=Side.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    result_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["deal", "status"], name="proposal_deal_status")]

    def __str__(self) -> str:
        return f"Proposal {self.pk} on {self.target_kind}:{self.target_key} of {self.deal}"


class Comment(models.Model):
    """A remark on one clause or field, seen by both sides."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="comments")
    target_kind = models.CharField(max_length=6)
    target_key = models.CharField(max_length=40)
    side = models.CharField(max_length=12, choices=Side.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["deal", "created_at"], name="deal_comment_time")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.target_kind}:{self.target_key} of {self.deal}"
