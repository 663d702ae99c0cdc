"""The access rules of ``cases/access.py`` in templates, so that a page offers only what its reader may use
and asks the same rule as the page it links to."""

from __future__ import annotations

from django import template

from cases import access
from cases.models import Case
from cases.roles import Role

register = template.Library()

register.filter("may_file", access.may_file)
register.filter("is_case_administrator", access.is_case_administrator)


@register.filter
def may_read_negotiation(roles: frozenset[Role], case: Case) -> bool:
    """``{% if roles|may_read_negotiation:case %}``"""
    return access.may_read_negotiation(case, roles)
