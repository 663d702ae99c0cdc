from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy

from cases.forms import Form
from documents.services import TWO_FACTOR_CODE_MISSING


class SignForm(Form):
    """Signing asks the signer to prove it is them again: the password, and the two-factor code when the
    account has two-factor authentication (neutrals always do). Without it, the field is not shown."""

    full_name = forms.CharField(label=gettext_lazy("Your full name"), max_length=200)
    password = forms.CharField(label=gettext_lazy("Your password"), widget=forms.PasswordInput, strip=False)
    totp_code = forms.CharField(
        label=gettext_lazy("Two-factor code"),
        max_length=10,
        help_text=gettext_lazy("The code your authenticator app shows now."),
        error_messages={"required": TWO_FACTOR_CODE_MISSING},
    )
    consent = forms.BooleanField(
        label=gettext_lazy("I have read this version and sign it on behalf of my business."), required=True
    )

    def __init__(self, *args: Any, signer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not is_mfa_enabled(signer):
            del self.fields["totp_code"]


class ReviseForm(Form):
    terms = forms.CharField(label=gettext_lazy("Proposed terms"), widget=forms.Textarea(attrs={"rows": 8}))


class VerifyForm(Form):
    file = forms.FileField(label=gettext_lazy("The PDF you hold"), required=False)
    reference = forms.CharField(label=gettext_lazy("Verification reference"), required=False, max_length=20)
    sha256 = forms.CharField(label=gettext_lazy("SHA-256 fingerprint"), required=False, max_length=64)
