"""The deal pages' forms: thin, the services check every rule again (and the deal room's frames go to
the same services)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Organisation
from deals.content import CURRENCIES, MAX_CLAUSE_TEXT, MAX_TEXT
from deals.models import DealTemplate, ProposalAction
from deals.models.deals import DealLanguage
from deals.selectors import shown

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _organisations(user: User) -> Any:
    return Organisation.objects.filter(memberships__user=user).order_by("name")


def field_name(key: str) -> str:
    """The form field of a template field (prefixed, so no template field can clash with ours)."""
    return f"f_{key}"


def _template_field(spec: dict[str, Any]) -> forms.Field:
    label, required, kind = shown(spec["label"]), bool(spec.get("required")), spec["type"]
    if kind == "longtext":
        return forms.CharField(
            label=label, required=required, max_length=MAX_TEXT["longtext"], widget=forms.Textarea(attrs={"rows": 3})
        )
    if kind == "date":
        return forms.CharField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))
    if kind == "currency":
        return forms.ChoiceField(label=label, required=required, choices=[(c, c) for c in CURRENCIES], initial="HKD")
    if kind == "money":
        return forms.CharField(label=label, required=required, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    return forms.CharField(label=label, required=required, max_length=MAX_TEXT["text"])


class StartDealForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Your business"), queryset=Organisation.objects.none())
    role_key = forms.ChoiceField(label=_("Your business is the"))
    title = forms.CharField(label=_("Title of the deal"), max_length=200)
    language = forms.ChoiceField(label=_("Language of the contract"), choices=DealLanguage.choices)
    counterparty_email = forms.EmailField(
        label=_("The other business's email"), help_text=_("We email them a link to join the deal; it works once.")
    )

    def __init__(self, *args: Any, user: User, template: DealTemplate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.template = template
        self.fields["organisation"].queryset = _organisations(user)  # type: ignore[attr-defined]
        self.fields["role_key"].choices = [(r["key"], shown(r["label"])) for r in template.roles]  # type: ignore[attr-defined]
        for spec in template.body["fields"]:
            self.fields[field_name(spec["key"])] = _template_field(spec)

    def contract_fields(self) -> list[forms.BoundField]:
        return [self[field_name(spec["key"])] for spec in self.template.body["fields"]]

    def values(self) -> dict[str, Any]:
        return {spec["key"]: self.data.get(field_name(spec["key"]), "") for spec in self.template.body["fields"]}


class JoinForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Join as"), queryset=Organisation.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _organisations(user)  # type: ignore[attr-defined]


class ProposeForm(forms.Form):
    target = forms.CharField(widget=forms.HiddenInput)
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    action = forms.ChoiceField(choices=ProposalAction.choices, initial=ProposalAction.CHANGE, widget=forms.HiddenInput)
    text_en = forms.CharField(
        label=_("New text (English)"),
        required=False,
        max_length=MAX_CLAUSE_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    text_zh_hant = forms.CharField(
        label=_("New text (Traditional Chinese)"),
        required=False,
        max_length=MAX_CLAUSE_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    value = forms.CharField(label=_("New value"), required=False, max_length=MAX_TEXT["longtext"])
    note = forms.CharField(
        label=_("Why (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def target_parts(self) -> tuple[str, str]:
        kind, _sep, key = self.cleaned_data["target"].partition(":")
        return kind, key


class CommentForm(forms.Form):
    target = forms.CharField(widget=forms.HiddenInput)
    body = forms.CharField(label=_("Your comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why (the other business sees it)"), max_length=500, required=False)


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Send it to"), required=False, help_text=_("Leave empty to send it to the same address.")
    )


class TemplateForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=40)
    title_en = forms.CharField(label=_("Title (English)"), max_length=120)
    title_zh = forms.CharField(label=_("Title (Traditional Chinese)"), max_length=120)
    body = forms.CharField(
        label=_("Roles, fields and clauses (JSON)"),
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
        help_text=_("Both languages for every label and clause; the Centre's ODR clause word for word."),
    )

    def clean_body(self) -> Any:
        try:
            return json.loads(self.cleaned_data["body"])
        except ValueError as exc:
            raise forms.ValidationError(_("This is not valid JSON: %(error)s") % {"error": exc}) from None
