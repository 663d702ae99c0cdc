"""Documents in English, in Traditional Chinese, or in both side by side.

``{% bilingual %}…{% endbilingual %}`` renders its content once in the document's language; in a bilingual
document (``bilingual`` in the context) it renders it twice, in English and in Chinese, as the two columns
of one row, so each passage sits beside its translation and rows break cleanly across pages.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.template.base import Parser, Token
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString

from cases.money import hkd_in_words_en, hkd_in_words_zh

register = template.Library()

LANGUAGES = (("en", "en"), ("zh-hant", "zh-Hant"))


class BilingualNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        if not context.get("bilingual"):
            return SafeString(self.nodelist.render(context))
        columns = []
        for code, html_lang in LANGUAGES:
            with translation.override(code):
                columns.append(
                    format_html('<div class="column" lang="{}">{}</div>', html_lang, self.nodelist.render(context))
                )
        return format_html('<div class="pair">{}{}</div>', columns[0], columns[1])


@register.tag
def bilingual(parser: Parser, token: Token) -> BilingualNode:
    nodelist = parser.parse(("endbilingual",))
    parser.delete_first_token()
    return BilingualNode(nodelist)


@register.filter
def in_words(amount: Decimal | Any) -> str:
    """A HK$ amount in words, in the language being rendered (Chinese financial numerals in Chinese)."""
    if amount is None or amount == "":
        return ""
    value = Decimal(amount)
    return hkd_in_words_zh(value) if (translation.get_language() or "").startswith("zh") else hkd_in_words_en(value)


@register.filter(expects_localtime=True)
def doc_date(value: Any, with_time: bool = False) -> str:
    """A date (and time) as the document's language writes it (odr/formats): 25 November 2026, 15:05 /
    2026年11月25日 15:05, in the time zone active where it is used (documents: ``{% timezone %}``)."""
    from django.utils import formats

    if not value:
        return ""
    return formats.date_format(value, "DATETIME_FORMAT" if with_time else "DATE_FORMAT")
