from __future__ import annotations

from typing import Any

from django import template

from deals import selectors

register = template.Library()


@register.filter
def template_title(deal_template: Any) -> str:
    return selectors.shown({"en": deal_template.title_en, "zh-hant": deal_template.title_zh})


@register.filter
def language_name(code: str) -> str:
    from deals.models.deals import DealLanguage

    return str(DealLanguage(code).label) if code in DealLanguage.values else code


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, "")


@register.filter
def shown(text: dict[str, str]) -> str:
    """A text kept per language (a clause, a role's label), in the language being rendered: the page's, or
    in a bilingual contract each column's."""
    return selectors.shown(text)
