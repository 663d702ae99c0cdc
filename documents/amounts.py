"""Amounts in words, as agreements and awards state them beside the figures."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from num2words import num2words

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
