"""Money is HK$ as ``Decimal`` with exact cents; one definition of what a valid amount looks like."""

from __future__ import annotations

from decimal import Decimal

CENT = Decimal("0.01")


def in_cents(amount: Decimal) -> bool:
    """A finite amount with at most two decimal places."""
    return amount.is_finite() and amount == amount.quantize(CENT)
