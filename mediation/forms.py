from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases.forms import AmountField
from cases.offer_dates import latest_pay_by
from cases.roles_setup import MEDIATOR_GROUP
from cases.views.panel import PanelProfileForm
from mediation.models import MediationResult, MediatorProfile

DURATIONS = [(60, _("1 hour")), (90, _("1½ hours")), (120, _("2 hours")), (180, _("3 hours")), (240, _("4 hours"))]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class AppointForm(forms.Form):
    mediator = forms.ModelChoiceField(label=_("Mediator"), queryset=MediatorProfile.objects.none())
    reason = forms.CharField(label=_("Why this mediator (recorded in the audit trail)"), max_length=300)

    def __init__(self, *args: Any, eligible: list[MediatorProfile] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["mediator"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = MediatorProfile.objects.filter(pk__in=[m.pk for m in eligible or []])


class ProposeSlotsForm(forms.Form):
    """Up to three times, in the user's time zone (Hong Kong time unless they chose another)."""

    slot1 = forms.DateTimeField(label=_("First time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    slot2 = forms.DateTimeField(
        label=_("Second time"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    slot3 = forms.DateTimeField(
        label=_("Third time"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    minutes = forms.TypedChoiceField(label=_("Length"), choices=DURATIONS, coerce=int, initial=120)

    def slots(self) -> list[tuple[datetime, datetime]]:
        length = timedelta(minutes=self.cleaned_data["minutes"])
        starts = [self.cleaned_data[f"slot{n}"] for n in (1, 2, 3) if self.cleaned_data.get(f"slot{n}")]
        return [(start, start + length) for start in starts]


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Private note"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000)


def _pay_by_help() -> str:
    days = settings.ODR_SETTLEMENT_PAYMENT_DAYS
    return ngettext(
        "For a full settlement: the date the respondent pays the sum by, today at the earliest and %(latest)s at "
        "the latest. Left empty, the sum is due %(days)s day after the settlement agreement is executed.",
        "For a full settlement: the date the respondent pays the sum by, today at the earliest and %(latest)s at "
        "the latest. Left empty, the sum is due %(days)s days after the settlement agreement is executed.",
        days,
    ) % {"days": days, "latest": date_format(latest_pay_by(), "DATE_FORMAT")}


class OutcomeForm(forms.Form):
    result = forms.ChoiceField(label=_("Outcome"), choices=MediationResult.choices, widget=forms.RadioSelect)
    amount = AmountField(
        label=_("Settlement sum (HK$)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("For a full or partial settlement."),
    )
    terms = forms.CharField(
        label=_("Agreed terms"), widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=20_000
    )
    pay_by = forms.DateField(
        label=_("To be paid by"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        required=False,
        help_text=lazy(lambda: _pay_by_help(), str)(),
    )


class ProposalAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[("accept", _("I accept the appointment")), ("decline", _("I decline"))],
        widget=forms.RadioSelect,
    )
    no_conflict = forms.BooleanField(
        label=_(
            "I declare that I have no conflict of interest with either party, and I know of nothing likely to "
            "give rise to justifiable doubts about my impartiality or independence."
        ),
        required=False,
    )
    declaration = forms.CharField(
        label=_("Anything you wish to disclose"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    decline_reason = forms.CharField(label=_("Why you decline"), max_length=300, required=False)


class MediatorProfileForm(PanelProfileForm):
    neutral_group = MEDIATOR_GROUP

    class Meta:
        model = MediatorProfile
        fields = PanelProfileForm.FIELDS
        widgets = PanelProfileForm.WIDGETS
