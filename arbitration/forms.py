from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from arbitration.models import ArbitratorProfile
from arbitration.services.award import AwardTerms
from cases.forms import Form, money_field
from cases.models import PartyRole
from cases.roles_setup import ARBITRATOR_GROUP
from cases.views.panel import PanelProfileForm
from documents.forms import SignForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PAYERS = [("", _("Nobody")), (PartyRole.CLAIMANT, _("The claimant")), (PartyRole.RESPONDENT, _("The respondent"))]


def end_of_day(day: date) -> datetime:
    """A deadline given as a date falls due at 23:59 of that day, in the user's time zone."""
    return timezone.make_aware(datetime.combine(day, time(23, 59)), timezone.get_current_timezone())


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class AppointForm(Form):
    arbitrator = forms.ModelChoiceField(label=_("Arbitrator"), queryset=ArbitratorProfile.objects.none())
    reason = forms.CharField(label=_("Why this arbitrator (recorded in the audit trail)"), max_length=300)

    def __init__(self, *args: Any, eligible: list[ArbitratorProfile] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["arbitrator"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = ArbitratorProfile.objects.filter(pk__in=[a.pk for a in eligible or []])


class WaiverForm(Form):
    full_name = forms.CharField(label=_("Your full name"), max_length=200)
    agree = forms.BooleanField(
        label=_("On behalf of my business I agree, in writing, that our mediator may act as arbitrator of this case."),
        required=True,
    )


class AcceptForm(Form):
    independent = forms.BooleanField(
        label=_(
            "I am independent of the parties and impartial, I know of no circumstance likely to give rise to "
            "justifiable doubts about that, and I will disclose any that arises."
        ),
        required=True,
    )
    disclosures = forms.CharField(
        label=_("Disclosures"),
        help_text=_("Anything the parties should know, even if you consider it no conflict."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )


class DeclineForm(Form):
    decline_reason = forms.CharField(label=_("Why you decline"), max_length=300)


class TimetableForm(Form):
    claim_due = forms.DateField(label=_("Statement of claim due"), widget=DATE)
    defence_due = forms.DateField(label=_("Defence and any counterclaim due"), widget=DATE)
    reply_due = forms.DateField(label=_("Each party's reply due"), widget=DATE)

    def deadlines(self) -> dict[str, datetime]:
        return {name: end_of_day(self.cleaned_data[name]) for name in ("claim_due", "defence_due", "reply_due")}


class ExtendForm(Form):
    step = forms.IntegerField(widget=forms.HiddenInput)
    until = forms.DateField(label=_("New deadline"), widget=DATE)
    reason = forms.CharField(label=_("Reason (the parties see it)"), max_length=500)


class SubmissionForm(Form):
    step = forms.IntegerField(widget=forms.HiddenInput)
    statement = forms.CharField(
        label=_("Your statement"), widget=forms.Textarea(attrs={"rows": 10}), required=False, max_length=50000
    )
    amount = money_field(_("Sum you claim, or counterclaim (HK$), if any"), required=False)


class AttachForm(Form):
    step = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("Supporting document"))


class StepForm(Form):
    step = forms.IntegerField(widget=forms.HiddenInput)


class QuestionForm(Form):
    to_role = forms.ChoiceField(
        label=_("To"), choices=[(PartyRole.CLAIMANT, _("The claimant")), (PartyRole.RESPONDENT, _("The respondent"))]
    )
    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)
    due = forms.DateField(label=_("Answer due"), widget=DATE, required=False)


class AnswerForm(Form):
    question = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 5}), max_length=50000)


# Award sums have no minimum here: the award service explains a negative or inconsistent sum in its own words.
class AwardForm(Form):
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 8}), max_length=50000)
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 8}), max_length=50000)
    claim_awarded = money_field(_("Awarded to the claimant on the claim (HK$)"), initial="0.00")
    counterclaim_awarded = money_field(_("Awarded to the respondent on any counterclaim (HK$)"), initial="0.00")
    costs_amount = money_field(_("Costs (HK$)"), initial="0.00")
    costs_payer_role = forms.ChoiceField(label=_("Costs are paid by"), choices=PAYERS, required=False)
    net_amount = money_field(_("Net sum payable (HK$)"))
    net_payer_role = forms.ChoiceField(label=_("The net sum is paid by"), choices=PAYERS, required=False)
    pay_by = forms.DateField(label=_("To be paid by"), widget=DATE, required=False)
    correction_note = forms.CharField(
        label=_("What this correction corrects"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def terms(self) -> AwardTerms:
        data = self.cleaned_data
        return AwardTerms(
            findings=data["findings"],
            reasons=data["reasons"],
            claim_awarded=data["claim_awarded"],
            counterclaim_awarded=data["counterclaim_awarded"],
            costs_amount=data["costs_amount"],
            costs_payer_role=data["costs_payer_role"] or "",
            net_amount=data["net_amount"],
            net_payer_role=data["net_payer_role"] or "",
            pay_by=data["pay_by"],
            correction_note=data["correction_note"] or "",
        )


class ArbitratorSignForm(SignForm):
    consent = forms.BooleanField(label=_("I have read this version and sign it as the arbitrator."), required=True)


class ArbitratorProfileForm(PanelProfileForm):
    neutral_group = ARBITRATOR_GROUP

    class Meta:
        model = ArbitratorProfile
        fields = PanelProfileForm.FIELDS
        widgets = PanelProfileForm.WIDGETS
