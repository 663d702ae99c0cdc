from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# The Business Registration number is the first 8 digits printed on a Hong Kong BR certificate.
br_number_validator = RegexValidator(r"^\d{8}$", _("A Business Registration number is 8 digits, e.g. 12345678."))


class SizeBand(models.TextChoices):
    MICRO = "micro", _("Micro (fewer than 10 employees)")
    SMALL = "small", _("Small (10 to 49 employees)")
    MEDIUM = "medium", _("Medium (50 to 99 employees)")
    LARGE = "large", _("Large (100 employees or more)")


class Organisation(models.Model):
    name = models.CharField(_("business name"), max_length=200)
    is_hk_registered = models.BooleanField(
        _("registered in Hong Kong"),
        default=True,
        help_text=_("Tick if the business is a Hong Kong company or holds a Hong Kong Business Registration."),
    )
    br_number = models.CharField(
        _("Business Registration number"), max_length=8, blank=True, validators=[br_number_validator]
    )
    size_band = models.CharField(_("size"), max_length=10, choices=SizeBand.choices)
    address = models.TextField(_("address"))
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="organisations")

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"
