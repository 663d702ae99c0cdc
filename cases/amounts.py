"""HK$ amounts as people type them, in English or with a Chinese input method.

A Chinese input method in full-width mode types full-width digits, comma, full stop and dollar sign
(U+FF10-FF19, U+FF0C, U+FF0E, U+FF04); people also write thousands separators and the currency. All of
that is accepted: the text is normalised with Unicode NFKC (which turns full-width forms into ASCII), then
an optional ``HK$``/``HKD``/``$`` and correctly placed thousands separators are removed. Anything else
(Chinese numerals such as 一千, digits of other scripts, letters, commas in the wrong place) is refused
with a message that says what to type, never read as a different number: Python's ``Decimal`` alone
would silently take Arabic-Indic or full-width digits, yet refuse a full-width full stop.

Only amounts are normalised. Names, terms and descriptions are stored exactly as typed.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_CURRENCY = re.compile(r"^(?:HK\$|HKD|\$)\s*", re.IGNORECASE)
_AMOUNT = re.compile(r"-?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?", re.ASCII)


class AmountError(ValueError):
    """The text is not an amount in figures."""


def parse_amount(raw: object) -> Decimal:
    """The amount ``raw`` says, or ``AmountError``. Numbers (not text) are taken as they are."""
    if isinstance(raw, bool):
        raise AmountError(raw)
    if isinstance(raw, int | Decimal):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(str(raw))
    if not isinstance(raw, str):
        raise AmountError(raw)
    text = unicodedata.normalize("NFKC", raw).strip()
    text = _CURRENCY.sub("", text).strip()
    if not _AMOUNT.fullmatch(text):
        raise AmountError(raw)
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        raise AmountError(raw) from None
