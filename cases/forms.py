"""Forms: input shape and messages only. Business rules live in services and come back as ServiceError."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case, Organisation
from cases.models.organisations import br_number_validator
from cases.money import AmountError, format_hkd, parse_amount


class AccessibleFormMixin:
    """Tie help text and errors to their controls (ids used by templates/includes/field.html)."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            bound = self[name]  # type: ignore[index]
            described = []
            if field.help_text:
                described.append(f"{bound.auto_id}_help")
            if bound.errors:
                described.append(f"{bound.auto_id}_errors")
                field.widget.attrs["aria-invalid"] = "true"
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            if field.help_text:
                field.widget.attrs.setdefault("aria-describedby", f"{self[name].auto_id}_help")  # type: ignore[index]


class Form(AccessibleFormMixin, forms.Form):
    pass


class ModelForm(AccessibleFormMixin, forms.ModelForm):
    pass


class AmountField(forms.DecimalField):
    """A HK$ amount in figures, typed as people type it: "12,345.67", "HK$12345.67" or in full-width
    forms (cases/money.py). A text input with the decimal keypad: ``type="number"`` would refuse commas
    and full-width digits in the browser and send nothing."""

    widget = forms.TextInput
    default_error_messages = {"invalid": gettext_lazy("Enter an amount in Hong Kong dollars.")}

    def to_python(self, value: Any) -> Any:  # a Decimal, or None when empty
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            value = parse_amount(value)
        except AmountError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.setdefault("inputmode", "decimal")
        return attrs


def money_field(
    label: Any,
    *,
    required: bool = True,
    initial: str | None = None,
    max_digits: int = 12,
    min_value: Decimal | None = None,
) -> forms.DecimalField:
    """A form's HK$ amount field (``AmountField``), in cents."""
    return AmountField(
        label=label,
        max_digits=max_digits,
        decimal_places=2,
        min_value=min_value,
        required=required,
        initial=initial,
    )


def add_service_error(form: forms.BaseForm, message: str, field: str | None) -> None:
    form.add_error(field if field in form.fields else None, message)


class OrganisationForm(ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "is_hk_registered", "br_number", "size_band", "address", "contact_email", "contact_phone"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def clean_br_number(self) -> str:
        """Full-width digits (a Chinese input method's) are the same number: stored as ASCII digits, so it
        reads and matches the same everywhere. Digits of other scripts are refused. The name and address are
        kept exactly as typed, in any mix of Chinese and English."""
        value = unicodedata.normalize("NFKC", self.cleaned_data.get("br_number") or "")
        if value and not re.fullmatch(r"[0-9]{8}", value):
            raise forms.ValidationError(br_number_validator.message, code="invalid")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("is_hk_registered") and not data.get("br_number"):
            self.add_error("br_number", _("Enter the Business Registration number of a Hong Kong business."))
        return data


class OrganisationChoiceForm(Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=gettext_lazy("Business you act for"),
        empty_label=None,
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class RespondentStepForm(ModelForm):
    class Meta:
        model = Case
        fields = ["respondent_name", "respondent_email", "respondent_is_hk"]
        help_texts = {
            "respondent_email": gettext_lazy("We email the invitation to take part to this address."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["respondent_name"].required = True
        self.fields["respondent_email"].required = True


class DisputeStepForm(ModelForm):
    class Meta:
        model = Case
        fields = ["category", "covid_related", "covid_impact", "facts"]
        widgets = {"covid_impact": forms.Textarea(attrs={"rows": 4}), "facts": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "covid_impact": gettext_lazy(
                "For example: closures, travel restrictions, cancelled events, supply delays."
            ),
            "facts": gettext_lazy("What happened, when, and what was agreed. Dates and amounts help."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("category", "covid_impact", "facts"):
            self.fields[name].required = True


class ClaimStepForm(ModelForm):
    class Meta:
        model = Case
        fields = ["amount_claimed", "remedy_sought"]
        field_classes = {"amount_claimed": AmountField}
        widgets = {"remedy_sought": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount_claimed"].required = True
        self.fields["remedy_sought"].required = True
        self.fields["amount_claimed"].help_text = _("In Hong Kong dollars, up to %(cap)s, e.g. 12500.50.") % {
            "cap": format_hkd(settings.ODR_ELIGIBILITY_MAX_AMOUNT)
        }

    def clean_amount_claimed(self) -> Decimal:
        amount: Decimal = self.cleaned_data["amount_claimed"]
        cap: Decimal = settings.ODR_ELIGIBILITY_MAX_AMOUNT
        if amount > cap:
            raise forms.ValidationError(
                _("The scheme accepts claims of up to %(cap)s.") % {"cap": format_hkd(cap)}, code="over_cap"
            )
        return amount


def _upload_help() -> str:
    return _("PDF, JPEG, PNG, Word (DOCX) or plain text, up to %(mb)s MB.") % {
        "mb": f"{settings.UPLOAD_MAX_BYTES / 1024 / 1024:g}"
    }


class DocumentUploadForm(Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    file = forms.FileField(label=gettext_lazy("File"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _upload_help()
        self.fields["file"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png,.docx,.txt"


class DocumentVersionForm(Form):
    file = forms.FileField(label=gettext_lazy("New version"))


class ReviewStepForm(Form):
    accept_terms = forms.BooleanField(
        label=gettext_lazy("I accept the ODR terms for this case on behalf of my business."), required=True
    )
    consents_to_mediation = forms.BooleanField(
        label=gettext_lazy("If negotiation does not settle the dispute, I agree to mediation."),
        required=False,
        initial=True,
    )
    consents_to_arbitration = forms.BooleanField(
        label=gettext_lazy(
            "If mediation does not settle the dispute, I agree to binding arbitration on the documents."
        ),
        required=False,
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class RespondForm(OrganisationChoiceForm):
    response_text = forms.CharField(
        label=gettext_lazy("Your response to the claim"), widget=forms.Textarea(attrs={"rows": 6})
    )
    counterclaim_amount = AmountField(
        label=gettext_lazy("Counterclaim amount (HKD)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    counterclaim_text = forms.CharField(
        label=gettext_lazy("Counterclaim"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Only if your business has its own claim against the claimant."),
    )
    evidence = MultipleFileField(label=gettext_lazy("Evidence"), required=False)
    accept_terms = forms.BooleanField(
        label=gettext_lazy("I accept the ODR terms for this case on behalf of my business."), required=True
    )
    consents_to_mediation = ReviewStepForm.base_fields["consents_to_mediation"]
    consents_to_arbitration = ReviewStepForm.base_fields["consents_to_arbitration"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = _upload_help()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("counterclaim_amount") is not None and not (data.get("counterclaim_text") or "").strip():
            self.add_error("counterclaim_text", _("Describe your counterclaim."))
        return data


class DeclineForm(OrganisationChoiceForm):
    reason = forms.CharField(label=gettext_lazy("Why do you decline?"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Beside RespondForm on the invitation page, which asks for the business too: ids of its own.
        kwargs.setdefault("auto_id", "decline_%s")
        super().__init__(*args, **kwargs)


class ReasonForm(Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class CounterclaimAnswerForm(Form):
    answer = forms.CharField(
        label=gettext_lazy("Your answer to the counterclaim"), widget=forms.Textarea(attrs={"rows": 5})
    )
