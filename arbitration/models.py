"""Arbitration: the panel, appointing a case's arbitrator, the timetable, the parties' written submissions
and the arbitrator's questions, and the award (with any corrections). Documents only: no hearing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Document, Organisation, PartyRole
from cases.models.panel import (
    LIVE_APPOINTMENT,
    PanelAppointment,
    PanelProfile,
    PanelRanking,
    PanelState,
)


class ArbitratorProfile(PanelProfile):
    """An arbitrator on the centre's panel. A person may be on the mediators' panel too."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="arbitrator_profile")
    linked_organisations = models.ManyToManyField(Organisation, blank=True, related_name="linked_arbitrators")

    class Meta(PanelProfile.Meta):
        pass


class ArbitrationPhase(models.TextChoices):
    RANKING = "ranking", _("Parties rank arbitrators")
    ADMINISTRATOR_TO_APPOINT = "admin", _("Waiting for a case administrator to appoint")
    PROPOSED = "proposed", _("Arbitrator proposed, waiting for their declaration")
    APPOINTED = "appointed", _("Arbitrator appointed, timetable to be set")
    PROCEEDINGS = "proceedings", _("Written submissions")
    AWARDED = "awarded", _("Award issued")


class ArbitrationState(PanelState):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="arbitration")
    phase = models.CharField(max_length=12, choices=ArbitrationPhase.choices, default=ArbitrationPhase.RANKING)

    def __str__(self) -> str:
        return f"Arbitration of {self.case} ({self.phase})"


class ArbitratorRanking(PanelRanking):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="arbitrator_rankings")
    arbitrator = models.ForeignKey(ArbitratorProfile, on_delete=models.PROTECT, related_name="+")

    class Meta(PanelRanking.Meta):
        constraints = [
            models.UniqueConstraint(fields=["case", "party_role", "arbitrator"], name="rank_each_arbitrator_once"),
            models.UniqueConstraint(fields=["case", "party_role", "rank"], name="one_arbitrator_per_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.party_role} ranks {self.arbitrator} #{self.rank} on {self.case}"


class ArbitratorAppointment(PanelAppointment):
    """A proposal to an arbitrator. It is accepted when the arbitrator signs a declaration of independence
    (a document of the documents app, sealed like the others)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="arbitrator_appointments")
    arbitrator = models.ForeignKey(ArbitratorProfile, on_delete=models.PROTECT, related_name="appointments")
    disclosures = models.TextField(blank=True)

    class Meta(PanelAppointment.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status__in=LIVE_APPOINTMENT),
                name="one_live_arbitrator_appointment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.arbitrator} on {self.case} ({self.status})"

    @property
    def declaration_subject(self) -> str:
        return f"appointment:{self.pk}"


class MediatorAsArbitratorConsent(models.Model):
    """A party's written agreement that the person who mediated the case may arbitrate it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    arbitrator = models.ForeignKey(ArbitratorProfile, on_delete=models.PROTECT, related_name="+")
    party_role = models.CharField(max_length=12, choices=PartyRole.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    full_name = models.CharField(max_length=200)
    statement = models.TextField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    agreed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "arbitrator", "party_role"], name="one_mediator_waiver_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.party_role} agrees {self.arbitrator} may arbitrate {self.case}"


class StepKind(models.TextChoices):
    CLAIM = "claim", _("Statement of claim")
    DEFENCE = "defence", _("Defence and any counterclaim")
    REPLY = "reply", _("Reply")
    AWARD = "award", _("Award")


class TimetableStep(models.Model):
    """One dated step of the arbitrator's timetable: a party's submission, or the award."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="arbitration_steps")
    kind = models.CharField(max_length=10, choices=StepKind.choices)
    party_role = models.CharField(max_length=12, choices=PartyRole.choices, blank=True)  # blank: the award
    due_at = models.DateTimeField()
    extensions = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "due_at", "kind", "party_role"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "party_role"], name="one_step_per_kind_and_party")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.party_role} due {self.due_at:%Y-%m-%d} on {self.case}"


class StepReminder(models.Model):
    step = models.ForeignKey(TimetableStep, on_delete=models.CASCADE, related_name="reminders")
    due_at = models.DateTimeField()
    hours_before = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["step", "due_at", "hours_before"], name="one_reminder_per_step_threshold")
        ]

    def __str__(self) -> str:
        return f"{self.hours_before} h reminder for {self.step}"


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (only you see it)")
    FILED = "filed", _("Filed")


class Submission(models.Model):
    """A party's written submission for one step. A draft is its author's alone; filing is final and shows
    it, with its documents, to the other party and the arbitrator."""

    step = models.OneToOneField(TimetableStep, on_delete=models.PROTECT, related_name="submission")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="arbitration_submissions")
    party_role = models.CharField(max_length=12, choices=PartyRole.choices)
    statement = models.TextField(blank=True)
    # The sum claimed (statement of claim) or counterclaimed (defence), where the party states one.
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    documents = models.ManyToManyField(Document, blank=True, related_name="+")
    status = models.CharField(max_length=6, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT)
    filed_at = models.DateTimeField(null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.step.kind} by {self.party_role} ({self.status}) on {self.case}"


class Question(models.Model):
    """The arbitrator's written question to one party; question and answer are seen by both parties."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="arbitration_questions")
    to_role = models.CharField(max_length=12, choices=PartyRole.choices)
    text = models.TextField()
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField()
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "asked_at", "pk"]

    def __str__(self) -> str:
        return f"Question to {self.to_role} on {self.case}"


class AwardStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


class Award(models.Model):
    """What the arbitrator decides. Number 1 is the award; each later number is a correction of clerical
    errors, which references the award it corrects (that one stays on record)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="awards")
    number = models.PositiveSmallIntegerField(default=1)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")
    status = models.CharField(max_length=6, choices=AwardStatus.choices, default=AwardStatus.DRAFT)
    findings = models.TextField(_("findings"))
    reasons = models.TextField(_("reasons"))
    # Respondent to claimant on the claim; claimant to respondent on any counterclaim.
    claim_awarded = models.DecimalField(max_digits=12, decimal_places=2)
    counterclaim_awarded = models.DecimalField(max_digits=12, decimal_places=2)
    costs_amount = models.DecimalField(max_digits=12, decimal_places=2)
    costs_payer_role = models.CharField(max_length=12, choices=PartyRole.choices, blank=True)
    # What one party pays the other in the end, as the arbitrator states it (it must add up).
    net_amount = models.DecimalField(max_digits=12, decimal_places=2)
    net_payer_role = models.CharField(max_length=12, choices=PartyRole.choices, blank=True)
    pay_by = models.DateField(null=True, blank=True)
    correction_note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="one_award_per_number"),
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(status="draft"), name="one_award_draft_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"Award {self.number} ({self.status}) on {self.case}"

    @property
    def subject(self) -> str:
        """Tells this award's documents apart from the other awards' of the case."""
        return f"award:{self.pk}"

    @property
    def correction_number(self) -> int:
        """Number 2 is the first correction: "Correction 1"."""
        return self.number - 1
