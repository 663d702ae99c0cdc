"""Money: HK$ as ``Decimal`` with exact cents. Everything the platform does with an amount is here: reading
it as people type it, writing it for people (in figures and in words), checking it is in cents, and taking a
percentage off.

Reading amounts as people type them: a Chinese input method in full-width mode types full-width digits, comma,
full stop and dollar sign (U+FF10-FF19, U+FF0C, U+FF0E, U+FF04); people also write thousands separators and
the currency. All of that is accepted: the text is normalised with Unicode NFKC (which turns full-width forms
into ASCII), then an optional ``HK$``/``HKD``/``$`` and correctly placed thousands separators are removed.
Anything else (Chinese numerals such as 一千, digits of other scripts, letters, commas in the wrong place) is
refused with a message that says what to type, never read as a different number: Python's ``Decimal`` alone
would silently take Arabic-Indic or full-width digits, yet refuse a full-width full stop.

Only amounts are normalised. Names, terms and descriptions are stored exactly as typed.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.formats import number_format
from num2words import num2words

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


def percent_off(amount: Decimal, percent: Decimal) -> Decimal:
    """``amount`` less ``percent`` of it, to the cent (half up), never below zero."""
    off = (amount * percent / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
    return max(amount - off, Decimal("0.00"))


def amount_text(amount: Decimal | None) -> str | None:
    """An amount as a socket frame carries it: "12345.60", exact, for the page's script to format."""
    return None if amount is None else f"{amount:.2f}"


# --- Reading an amount as typed -------------------------------------------------------------------------

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


# --- Amounts in words, as agreements and awards state them beside the figures ----------------------------

_DIGITS = "零壹貳叁肆伍陸柒捌玖"
_SMALL_UNITS = ["", "拾", "佰", "仟"]
_BIG_UNITS = ["", "萬", "億", "兆"]


def _split(amount: Decimal) -> tuple[int, int]:
    cents = int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    if cents < 0:
        raise ValueError("amounts in words are for sums of zero or more")
    return divmod(cents, 100)


def hkd_in_words_en(amount: Decimal) -> str:
    """HK$12,345.67 -> 'Hong Kong Dollars Twelve Thousand Three Hundred and Forty-Five and Cents Sixty-Seven Only'."""
    dollars, cents = _split(amount)
    words = num2words(dollars, lang="en").replace(",", "")
    text = f"Hong Kong Dollars {words.title().replace(' And ', ' and ')}"
    if cents:
        text += f" and Cents {num2words(cents, lang='en').title()}"
    return text + " Only"


def _four_digits_zh(number: int) -> str:
    """0 < number < 10000 in financial numerals, with 零 for inner zeros."""
    out: list[str] = []
    zero_pending = False
    for position in range(3, -1, -1):
        digit = number // 10**position % 10
        if digit == 0:
            if out:
                zero_pending = True
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(_DIGITS[digit] + _SMALL_UNITS[position])
    return "".join(out)


def hkd_in_words_zh(amount: Decimal) -> str:
    """HK$12,345.67 -> '港幣壹萬貳仟叁佰肆拾伍元陸角柒分'; whole dollars end in 正."""
    dollars, cents = _split(amount)
    if dollars == 0:
        text = "零"
    else:
        groups = []
        remaining = dollars
        while remaining:
            groups.append(remaining % 10000)
            remaining //= 10000
        parts: list[str] = []
        for index in range(len(groups) - 1, -1, -1):
            group = groups[index]
            if group == 0:
                if parts and not parts[-1].endswith("零"):
                    parts.append("零")
                continue
            if parts and group < 1000 and not parts[-1].endswith("零"):
                parts.append("零")
            parts.append(_four_digits_zh(group) + _BIG_UNITS[index])
        text = "".join(parts).rstrip("零")
    text = f"港幣{text}元"
    jiao, fen = divmod(cents, 10)
    if cents == 0:
        return text + "正"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif dollars:
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    return text
