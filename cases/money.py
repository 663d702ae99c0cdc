"""Money is HK$ as ``Decimal`` with exact cents; one definition of what a valid amount looks like."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format

CENT = Decimal("0.01")


def format_hkd(amount: Decimal | str | None) -> str:
    """The one way an amount is written for people: "HK$12,345.67", grouped and separated as the active
    language writes numbers (odr/formats). Takes the text an audit entry keeps, too; nothing for no amount."""
    if amount is None or amount == "":
        return ""
    return f"HK${number_format(Decimal(amount), decimal_pos=2, use_l10n=True, force_grouping=True)}"


def in_cents(amount: Decimal) -> bool:
    """A finite amount with at most two decimal places."""
    return amount.is_finite() and amount == amount.quantize(CENT)
