from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.eligibility import format_hkd
from cases.forms import money_field as cases_money_field
from cases.models import SizeBand
from payments.models import DEAL_FEE_FIELDS, Charge, FeeKind, PaymentStatus


def money_field(label: Any, *, required: bool = True) -> forms.DecimalField:
    """A fee or payment: never below zero, at most HK$99,999,999.99 (the columns' size)."""
    return cases_money_field(label, required=required, max_digits=10, min_value=Decimal("0.00"))


class ManualPaymentForm(forms.Form):
    reference = forms.CharField(
        label=_("Your transfer reference or cheque number"),
        max_length=100,
        help_text=_("We match it against our bank statement; a case administrator then confirms receipt."),
    )


class WaiveForm(forms.Form):
    percent = forms.DecimalField(
        label=_("Waiver (%)"), max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("100")
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)


class RefundForm(forms.Form):
    amount = money_field(_("Amount to refund (HK$)"))
    reason = forms.CharField(label=_("Reason"), max_length=300)
    reference = forms.CharField(
        label=_("Bank reference of the refund"),
        max_length=100,
        required=False,
        help_text=_("For bank transfers and cheques, which the centre refunds by transfer."),
    )


class ConfirmReceiptForm(forms.Form):
    amount_received = money_field(_("Amount received (HK$)"))
    reference = forms.CharField(label=_("Bank statement reference"), max_length=100, required=False)


class SurplusTransferForm(forms.Form):
    """A transfer for a fee already settled: what arrived, and whether it is refunded or pays another fee
    (``apply_to``: the fees the same party still owes on the case)."""

    REFUND = "refund"

    amount_received = money_field(_("Amount received (HK$)"))
    reference = forms.CharField(label=_("Bank statement reference"), max_length=100, required=False)
    use = forms.ChoiceField(label=_("What to do with it"), widget=forms.RadioSelect)
    refund_reference = forms.CharField(
        label=_("Bank reference of the refund"),
        max_length=100,
        required=False,
        help_text=_("When refunding: the reference of the transfer that pays it back."),
    )

    def __init__(self, *args: Any, apply_to: list[Charge], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.charges = {str(charge.public_id): charge for charge in apply_to}
        cast(forms.ChoiceField, self.fields["use"]).choices = [
            (self.REFUND, _("Refund it to the payer")),
            *(
                (
                    key,
                    _("Apply it to the %(fee)s of %(amount)s due on this case")
                    % {"fee": charge.get_kind_display(), "amount": format_hkd(charge.amount_due)},
                )
                for key, charge in self.charges.items()
            ),
        ]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "amount_received": data["amount_received"],
            "reference": data["reference"],
            "apply_to": self.charges.get(data["use"]),
            "refund_reference": data["refund_reference"] if data["use"] == self.REFUND else "",
        }


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Why it is rejected"), max_length=300)


class FeeScheduleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    effective_from = forms.DateTimeField(
        label=_("In force from"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    registration_fee = money_field(_("Registration fee per party (HK$)"))
    mediation_fee = money_field(_("Mediation fee per party (HK$)"))
    arbitration_fee = money_field(_("Arbitration fee per party (HK$)"))
    # The deal-making fee per business size; left empty, that size pays none.
    deal_fee_micro = money_field(_("Micro enterprise (HK$)"), required=False)
    deal_fee_small = money_field(_("Small enterprise (HK$)"), required=False)
    deal_fee_medium = money_field(_("Medium enterprise (HK$)"), required=False)
    deal_fee_large = money_field(_("Large enterprise (HK$)"), required=False)
    waiver_size_band = forms.ChoiceField(
        label=_("Standing waiver for businesses of size"),
        choices=[("", _("No standing waiver")), *SizeBand.choices],
        required=False,
    )
    waiver_fee_kind = forms.ChoiceField(
        label=_("Waiver applies to"), choices=[("", _("Every fee")), *FeeKind.choices], required=False
    )
    waiver_percent = forms.DecimalField(
        label=_("Waiver (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        required=False,
    )
    waiver_reason = forms.CharField(label=_("Reason for the waiver"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("waiver_size_band"):
            if not data.get("waiver_percent"):
                self.add_error("waiver_percent", _("Enter the waiver as a percentage."))
            if not (data.get("waiver_reason") or "").strip():
                self.add_error("waiver_reason", _("Give the reason for the waiver."))
        return data

    def deal_fees(self) -> dict[str, Decimal]:
        """The deal-making fee entered for each business size (an empty box: none)."""
        return {
            band: self.cleaned_data[name]
            for band, name in DEAL_FEE_FIELDS.items()
            if self.cleaned_data.get(name) is not None
        }


class ReconciliationFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any")), *PaymentStatus.choices], required=False)
    provider = forms.ChoiceField(
        label=_("Paid by"),
        choices=[("", _("Any")), ("stripe", _("Card")), ("manual", _("Bank transfer or cheque"))],
        required=False,
    )
    mismatch_only = forms.BooleanField(label=_("Only amounts or currencies that differ"), required=False)
    duplicate_only = forms.BooleanField(label=_("Only duplicates (paid for a fee already settled)"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    search = forms.CharField(label=_("Case, business or provider reference"), max_length=100, required=False)
