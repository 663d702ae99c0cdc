"""What the centre's panels of neutrals (mediators, arbitrators) have in common."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.cases import Category


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    CANTONESE = "yue", _("Cantonese")
    PUTONGHUA = "cmn", _("Putonghua")


class PanelProfile(models.Model):
    """A neutral on one of the centre's panels, kept by case administrators. Each panel's model adds the
    user and the businesses the neutral has links with (never proposed to their cases)."""

    display_name = models.CharField(_("name shown to parties"), max_length=120)
    languages = models.JSONField(_("languages"), default=list)  # Language values
    specialisms = models.JSONField(_("specialisms"), default=list)  # cases.Category values
    accreditation = models.CharField(_("accreditation"), max_length=200)
    bio = models.TextField(_("biography"))
    active = models.BooleanField(_("on the panel"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    def get_languages_display(self) -> list[str]:
        labels = dict(Language.choices)
        return [str(labels.get(code, code)) for code in self.languages]

    def get_specialisms_display(self) -> list[str]:
        labels = dict(Category.choices)
        return [str(labels.get(code, code)) for code in self.specialisms]
