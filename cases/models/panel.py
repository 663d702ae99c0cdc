"""What the centre's panels of neutrals (mediators, arbitrators) have in common: the profile, a case's
appointment state, the parties' rankings and the appointments. Each panel's models add the case and the
neutral (their names and related names are the panel's own)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.cases import Category, PartyRole


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


class PanelState(models.Model):
    """Where a case's appointment of a neutral stands; each panel adds the case and its own phases."""

    ranking_deadline_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class PanelRanking(models.Model):
    """One party's preference: 1 is most preferred. Neutrals left out are not acceptable to it."""

    party_role = models.CharField(max_length=12, choices=PartyRole.choices)
    rank = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["case", "party_role", "rank"]


class AppointmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    REPLACED = "replaced", _("Replaced")


# A proposal waiting for an answer, or accepted: one per case at a time.
LIVE_APPOINTMENT = (AppointmentStatus.PROPOSED, AppointmentStatus.ACCEPTED)


class PanelAppointment(models.Model):
    """A neutral proposed for a case, by the parties' rankings or by a case administrator, and the answer."""

    status = models.CharField(max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.PROPOSED)
    proposed_by = models.CharField(max_length=14)  # "ranking" or "administrator"
    decline_reason = models.CharField(max_length=300, blank=True)
    replaced_reason = models.CharField(max_length=300, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["case", "created_at"]
