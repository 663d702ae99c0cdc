"""Mediation: the panel, appointing a case's mediator, sessions (scheduled, then live by video), and
what each session leaves behind. No audio or video is ever stored."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Organisation, PartyRole
from cases.models.panel import (
    LIVE_APPOINTMENT,
    PanelAppointment,
    PanelProfile,
    PanelRanking,
    PanelState,
)


class MediatorProfile(PanelProfile):
    """A mediator on the centre's panel."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mediator_profile")
    # Businesses the mediator has links with (besides any membership): never proposed to their cases.
    linked_organisations = models.ManyToManyField(Organisation, blank=True, related_name="linked_mediators")

    class Meta(PanelProfile.Meta):
        pass


class MediationPhase(models.TextChoices):
    RANKING = "ranking", _("Parties rank mediators")
    ADMINISTRATOR_TO_APPOINT = "admin", _("Waiting for a case administrator to appoint")
    PROPOSED = "proposed", _("Mediator proposed, waiting for their answer")
    APPOINTED = "appointed", _("Mediator appointed")
    ENDED = "ended", _("Mediation ended")


class MediationState(PanelState):
    """Where a case's mediation stands."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="mediation")
    phase = models.CharField(max_length=12, choices=MediationPhase.choices, default=MediationPhase.RANKING)
    extension_requested_by = models.CharField(max_length=12, choices=PartyRole.choices, blank=True)
    extended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Mediation of {self.case} ({self.phase})"


class MediatorRanking(PanelRanking):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="mediator_rankings")
    mediator = models.ForeignKey(MediatorProfile, on_delete=models.PROTECT, related_name="+")

    class Meta(PanelRanking.Meta):
        constraints = [
            models.UniqueConstraint(fields=["case", "party_role", "mediator"], name="rank_each_mediator_once"),
            models.UniqueConstraint(fields=["case", "party_role", "rank"], name="one_mediator_per_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.party_role} ranks {self.mediator} #{self.rank} on {self.case}"


class MediatorAppointment(PanelAppointment):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="mediator_appointments")
    mediator = models.ForeignKey(MediatorProfile, on_delete=models.PROTECT, related_name="appointments")
    conflict_declaration = models.TextField(blank=True)

    class Meta(PanelAppointment.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(status__in=LIVE_APPOINTMENT), name="one_live_appointment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mediator} on {self.case} ({self.status})"


class SessionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Times proposed")
    SCHEDULED = "scheduled", _("Scheduled")
    LIVE = "live", _("In progress")
    ENDED = "ended", _("Ended")
    CANCELLED = "cancelled", _("Cancelled")


class MediationSession(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="mediation_sessions")
    mediator = models.ForeignKey(MediatorProfile, on_delete=models.PROTECT, related_name="sessions")
    status = models.CharField(max_length=10, choices=SessionStatus.choices, default=SessionStatus.PROPOSED)
    starts_at = models.DateTimeField(null=True, blank=True)  # UTC, once confirmed
    ends_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "created_at"]
        indexes = [models.Index(fields=["mediator", "starts_at"], name="session_mediator_start")]

    def __str__(self) -> str:
        return f"Session on {self.case} ({self.status})"


class SessionSlot(models.Model):
    """A time the mediator offers; each party says whether it can attend."""

    session = models.ForeignKey(MediationSession, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} UTC"


class SlotAvailability(models.Model):
    slot = models.ForeignKey(SessionSlot, on_delete=models.CASCADE, related_name="availability")
    party_role = models.CharField(max_length=12, choices=PartyRole.choices)
    available = models.BooleanField()
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["slot", "party_role"], name="one_answer_per_party")]

    def __str__(self) -> str:
        return f"{self.party_role} {'can' if self.available else 'cannot'} attend {self.slot}"


class SessionReminder(models.Model):
    """A reminder sent for a session (24 h and 1 h before), at most once each."""

    session = models.ForeignKey(MediationSession, on_delete=models.CASCADE, related_name="reminders")
    starts_at = models.DateTimeField()
    hours_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "starts_at", "hours_before"], name="one_session_reminder")
        ]

    def __str__(self) -> str:
        return f"{self.hours_before} h reminder for {self.session}"


class RoomKind(models.TextChoices):
    WAITING = "waiting", _("Waiting room")
    JOINT = "joint", _("Joint session")
    CAUCUS_CLAIMANT = "caucus-claimant", _("Private caucus with the claimant")
    CAUCUS_RESPONDENT = "caucus-respondent", _("Private caucus with the respondent")


class Participant(models.Model):
    """One connection to a live session's video room: where it is (waiting, joint or a caucus).

    The database, not the page, says which room each connection is in; every relayed frame is checked
    against it. Rows stay after the connection closes: they are the attendance record.
    """

    session = models.ForeignKey(MediationSession, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=12)  # claimant / respondent / mediator
    peer_id = models.CharField(max_length=32, unique=True)
    channel_name = models.CharField(max_length=200)
    room = models.CharField(max_length=20, choices=RoomKind.choices, default=RoomKind.WAITING)
    joined_at = models.DateTimeField(auto_now_add=True)
    admitted_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["joined_at"]
        indexes = [models.Index(fields=["session", "left_at"], name="participant_present")]

    def __str__(self) -> str:
        return f"{self.role} {self.peer_id} in {self.room}"


class RoomMessage(models.Model):
    """The side chat, kept per room: a caucus's chat is never shown to the other party."""

    session = models.ForeignKey(MediationSession, on_delete=models.CASCADE, related_name="chat")
    room = models.CharField(max_length=20, choices=RoomKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_role = models.CharField(max_length=12)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author_role} in {self.room}: {self.body[:40]}"


class MediatorNote(models.Model):
    """The mediator's private notes on a case: shown to no one else, administrators included."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="mediator_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Mediator's note on {self.case}"


class MediationResult(models.TextChoices):
    SETTLED = "settled", _("Settled")
    PARTLY_SETTLED = "partly_settled", _("Partly settled")
    NOT_SETTLED = "not_settled", _("Not settled")


class MediationOutcome(models.Model):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="mediation_outcome")
    result = models.CharField(max_length=16, choices=MediationResult.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    terms = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.result} on {self.case}"
