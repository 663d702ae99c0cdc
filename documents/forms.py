from django import forms
from django.utils.translation import gettext_lazy

from cases.forms import Form


class SignForm(Form):
    full_name = forms.CharField(label=gettext_lazy("Your full name"), max_length=200)
    password = forms.CharField(label=gettext_lazy("Your password"), widget=forms.PasswordInput, strip=False)
    totp_code = forms.CharField(
        label=gettext_lazy("Two-factor code"),
        required=False,
        max_length=10,
        help_text=gettext_lazy("Only if your account uses two-factor authentication."),
    )
    consent = forms.BooleanField(
        label=gettext_lazy("I have read this version and sign it on behalf of my business."), required=True
    )


class ReviseForm(Form):
    terms = forms.CharField(label=gettext_lazy("Proposed terms"), widget=forms.Textarea(attrs={"rows": 8}))


class VerifyForm(Form):
    file = forms.FileField(label=gettext_lazy("The PDF you hold"), required=False)
    reference = forms.CharField(label=gettext_lazy("Verification reference"), required=False, max_length=20)
    sha256 = forms.CharField(label=gettext_lazy("SHA-256 fingerprint"), required=False, max_length=64)
