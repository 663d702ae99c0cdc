from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from administration.selectors.audit import AuditFilter
from administration.selectors.caselist import DEFAULT_SORT, CaseFilter
from cases.forms import Form
from cases.models import CaseStatus, Category
from cases.names import display_name
from cases.roles_setup import ARBITRATOR_GROUP, MEDIATOR_GROUP

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SORT_CHOICES = [
    ("-filed", _("Newest filed first")),
    ("filed", _("Oldest filed first")),
    ("deadline", _("Deadline, soonest first")),
    ("-deadline", _("Deadline, latest first")),
    ("-amount", _("Largest amount first")),
    ("amount", _("Smallest amount first")),
    ("reference", _("Reference")),
]


class CaseFilterForm(Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=200, help_text=_("A case reference, business name or email.")
    )
    status = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[("", _("Any")), ("open", _("Any open stage"))]
        + [(value, label) for value, label in CaseStatus.choices if value != CaseStatus.DRAFT],
    )
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[("", _("Any")), *Category.choices])
    filed_from = forms.DateField(label=_("Filed from"), required=False, widget=DATE)
    filed_to = forms.DateField(label=_("Filed until"), required=False, widget=DATE)
    amount_min = forms.DecimalField(label=_("Amount from (HK$)"), required=False, min_value=0, decimal_places=2)
    amount_max = forms.DecimalField(label=_("Amount up to (HK$)"), required=False, min_value=0, decimal_places=2)
    neutral = forms.TypedChoiceField(label=_("Mediator or arbitrator"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("Only cases past their deadline"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        neutrals = User.objects.filter(Q(groups__name=MEDIATOR_GROUP) | Q(groups__name=ARBITRATOR_GROUP)).distinct()
        field = self.fields["neutral"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Anyone"))] + [
            (user.pk, display_name(user))
            for user in neutrals.select_related("mediator_profile", "arbitrator_profile").order_by(
                "first_name", "email"
            )
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", _("The upper amount is below the lower one."))
        start, end = data.get("filed_from"), data.get("filed_to")
        if start and end and start > end:
            self.add_error("filed_to", _("The end date is before the start date."))
        return data

    def spec(self) -> CaseFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return CaseFilter(
            status=data.get("status") or "",
            category=data.get("category") or "",
            filed_from=data.get("filed_from"),
            filed_to=data.get("filed_to"),
            amount_min=data.get("amount_min"),
            amount_max=data.get("amount_max"),
            neutral=data.get("neutral"),
            overdue=bool(data.get("overdue")),
            q=data.get("q") or "",
            sort=data.get("sort") or DEFAULT_SORT,
        )


class AuditFilterForm(Form):
    actor = forms.CharField(label=_("Who (email, or “system”)"), required=False, max_length=254)
    action = forms.CharField(
        label=_("Action"), required=False, max_length=60, help_text=_("Exact, or a prefix ending in a dot.")
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("Until"), required=False, widget=DATE)
    deal = forms.CharField(
        label=_("Deal"), required=False, max_length=20, help_text=_("A deal's reference, e.g. DL-2026-000001.")
    )
    deals_only = forms.BooleanField(label=_("Only entries about deals"), required=False)

    def spec(self) -> AuditFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return AuditFilter(
            actor=data.get("actor") or "",
            action=data.get("action") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            deal=data.get("deal") or "",
            deals_only=bool(data.get("deals_only")),
        )


class StaffExtendForm(Form):
    until = forms.DateTimeField(
        label=_("New deadline"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    reason = forms.CharField(label=_("Reason (the parties see it in the case timeline)"), max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The staff forms share the case page: ids of their own, or one "id_reason" would label two inputs.
        kwargs.setdefault("auto_id", "extend_%s")
        super().__init__(*args, **kwargs)


class StaffCloseForm(Form):
    action = forms.ChoiceField(label=_("Close as"), widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason (recorded in the audit trail)"), max_length=500)

    def __init__(self, *args: Any, actions: list[tuple[str, Any]] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "close_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["action"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = actions or []


class StaffReopenForm(Form):
    reason = forms.CharField(label=_("Why the case was closed in error"), max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reopen_%s")
        super().__init__(*args, **kwargs)
