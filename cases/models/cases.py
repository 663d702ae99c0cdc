from __future__ import annotations

import uuid
from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.organisations import Organisation


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FILED = "filed", _("Filed")
    AWAITING_RESPONSE = "awaiting_response", _("Awaiting response")
    NEGOTIATION = "negotiation", _("Negotiation")
    MEDIATION = "mediation", _("Mediation")
    ARBITRATION = "arbitration", _("Arbitration")
    # Terms are agreed; the settlement agreement is being drawn up and signed.
    SETTLEMENT = "settlement", _("Settlement")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = frozenset(
    {
        CaseStatus.FILED,
        CaseStatus.AWAITING_RESPONSE,
        CaseStatus.NEGOTIATION,
        CaseStatus.MEDIATION,
        CaseStatus.ARBITRATION,
        CaseStatus.SETTLEMENT,
    }
)


# What moves a case from one status to the next (cases.lifecycle.TRANSITIONS says where each leads and who
# may take it). Here, beside the statuses, because a pending stage stores the action it waits to take.
class Action(StrEnum):
    FILE = "file"
    INVITE = "invite"
    RESPOND = "respond"
    DECLINE = "decline"
    WITHDRAW = "withdraw"
    ESCALATE_TO_MEDIATION = "escalate_to_mediation"
    ESCALATE_TO_ARBITRATION = "escalate_to_arbitration"
    AGREE_SETTLEMENT = "agree_settlement"
    SETTLE = "settle"
    ISSUE_AWARD = "issue_award"
    EXPIRE = "expire"
    END_MEDIATION_UNSETTLED = "end_mediation_unsettled"
    END_MEDIATION_PARTLY_SETTLED = "end_mediation_partly_settled"


class CaseOutcome(models.TextChoices):
    SETTLED = "settled", _("Settled")
    AWARD_ISSUED = "award_issued", _("Award issued")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DECLINED = "declined", _("Declined by the respondent")
    NO_RESPONSE = "no_response", _("No response")
    EXPIRED = "expired", _("Expired")
    NOT_SETTLED = "not_settled", _("Not settled in mediation")
    PARTLY_SETTLED = "partly_settled", _("Partly settled in mediation")


class Category(models.TextChoices):
    SALE_OF_GOODS = "sale_of_goods", _("Sale of goods")
    SERVICES = "services", _("Services")
    TENANCY = "tenancy", _("Tenancy or lease")
    TRAVEL = "travel", _("Travel")
    EMPLOYMENT = "employment", _("Employment-related")
    OTHER = "other", _("Other")


class PartyRole(models.TextChoices):
    CLAIMANT = "claimant", _("Claimant")
    RESPONDENT = "respondent", _("Respondent")


class NeutralRole(models.TextChoices):
    MEDIATOR = "mediator", _("Mediator")
    ARBITRATOR = "arbitrator", _("Arbitrator")


money_validators = [MinValueValidator(Decimal("0.01"))]


class Case(models.Model):
    """A dispute. Its ``status`` changes only through ``cases.lifecycle.case_transition``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True, null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    outcome = models.CharField(_("outcome"), max_length=20, choices=CaseOutcome.choices, blank=True)
    closing_reason = models.TextField(_("reason for closing"), blank=True)
    deadline_at = models.DateTimeField(_("current deadline"), null=True, blank=True)
    draft_step = models.PositiveSmallIntegerField(default=1)

    # The respondent as the claimant describes it; the respondent's own organisation is on its CaseParty.
    respondent_name = models.CharField(_("respondent's business name"), max_length=200, blank=True)
    respondent_email = models.EmailField(_("respondent's contact email"), blank=True)
    respondent_is_hk = models.BooleanField(_("respondent is a Hong Kong business"), default=False)
    # What the respondent agreed to beforehand, when the claim is about a contract whose ODR clause sends its
    # disputes here (e.g. "Clause 8 of contract DL-2027-000012, sealed as V-…"). The respondent is still
    # invited and told, but cannot decline online resolution, and its consent to mediation and arbitration
    # is the clause's. Blank: consent is asked, as the scheme's rules say.
    respondent_consent = models.TextField(_("respondent's consent given beforehand"), blank=True)

    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    covid_related = models.BooleanField(_("the dispute arises from or relates to COVID-19"), default=False)
    covid_impact = models.TextField(_("how COVID-19 affected it"), blank=True)
    facts = models.TextField(_("facts"), blank=True)
    amount_claimed = models.DecimalField(
        _("amount claimed (HKD)"), max_digits=12, decimal_places=2, null=True, blank=True, validators=money_validators
    )
    remedy_sought = models.TextField(_("remedy sought"), blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    filed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "deadline_at"], name="case_status_deadline"),
            models.Index(fields=["-created_at"], name="case_created"),
            # The administrators' case list and dashboard sort and count by these.
            models.Index(fields=["filed_at"], name="case_filed"),
            models.Index(fields=["closed_at"], name="case_closed"),
        ]
        permissions = [
            ("administer_case", _("Can administer every case")),
            ("file_case", _("Can file a dispute")),
            ("act_as_mediator", _("Can act as a mediator")),
            ("act_as_arbitrator", _("Can act as an arbitrator")),
        ]

    def __str__(self) -> str:
        return self.reference or _("Draft claim %(id)s") % {"id": self.pk}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def party(self, role: PartyRole) -> CaseParty | None:
        for party in self.parties.all():
            if party.role == role:
                return party
        return None

    @property
    def claimant(self) -> CaseParty | None:
        return self.party(PartyRole.CLAIMANT)

    @property
    def respondent(self) -> CaseParty | None:
        return self.party(PartyRole.RESPONDENT)


class CaseParty(models.Model):
    """A business taking part in a case, and the person who acts for it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(max_length=12, choices=PartyRole.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="case_parties")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_parties")
    terms_version = models.CharField(max_length=20, blank=True)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    terms_accepted_ip = models.GenericIPAddressField(null=True, blank=True)
    consents_to_mediation = models.BooleanField(default=True)
    consents_to_arbitration = models.BooleanField(default=False)
    # The language of the case's documents for this party, fixed when it joins the case (documents/
    # rendering.py's document_language): switching the pages' language later does not change it.
    language = models.CharField(
        _("language of documents"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "role"], name="one_party_per_role")]
        indexes = [models.Index(fields=["user", "case"], name="party_user_case")]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.organisation}"


class CaseAssignment(models.Model):
    """A neutral (mediator or arbitrator) appointed to a case. Ended assignments stay as history."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_assignments")
    role = models.CharField(max_length=12, choices=NeutralRole.choices)
    active = models.BooleanField(default=True)
    assigned_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "role"], condition=models.Q(active=True), name="one_active_neutral_per_role"
            )
        ]
        indexes = [models.Index(fields=["user", "active"], name="assignment_user_active")]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.user}"


class CaseResponse(models.Model):
    """The respondent's answer to the claim, with an optional counterclaim and the claimant's reply."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="response")
    response_text = models.TextField(_("your response to the claim"))
    counterclaim_amount = models.DecimalField(
        _("counterclaim amount (HKD)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=money_validators,
    )
    counterclaim_text = models.TextField(_("counterclaim"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    counterclaim_answer_due_at = models.DateTimeField(null=True, blank=True)
    counterclaim_answer = models.TextField(_("answer to the counterclaim"), blank=True)
    counterclaim_answered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Response to {self.case}"

    @property
    def has_counterclaim(self) -> bool:
        return bool(self.counterclaim_text or self.counterclaim_amount)


class ReferenceCounter(models.Model):
    """The last case number used in a year; locked row by row so concurrent filings never collide."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class DeadlineReminder(models.Model):
    """One reminder sent for one deadline, so the sweep never sends it twice."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reminders")
    deadline_at = models.DateTimeField()
    hours_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "deadline_at", "hours_before"], name="one_reminder_per_deadline")
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.hours_before}h before {self.deadline_at:%Y-%m-%d %H:%M}"
