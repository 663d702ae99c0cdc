from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", _("Draft: not offered yet")
    PUBLISHED = "published", _("Offered for new deals")
    RETIRED = "retired", _("Retired: kept for the deals made from it")


class DealTemplate(models.Model):
    """One version of a contract template. A version a deal was started from never changes (deals keep
    pointing at the text they began with); the Centre's administrators make a new version instead, and
    publishing it retires the one before. ``body`` holds the roles, fields and clauses in English and
    Traditional Chinese (``deals.content`` reads and checks it)."""

    key = models.SlugField(max_length=40)
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT)
    title_en = models.CharField(max_length=120)
    title_zh = models.CharField(max_length=120)
    body = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="deal_template_version"),
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(status="published"), name="one_published_deal_template"
            ),
        ]
        permissions = [("manage_deal_templates", _("Can manage deal templates"))]

    def __str__(self) -> str:
        return f"{self.title_en} v{self.version}"

    def title(self, language: str) -> str:
        return self.title_zh if language.startswith("zh") else self.title_en

    @property
    def roles(self) -> list[dict[str, Any]]:
        return list(self.body.get("roles", []))
