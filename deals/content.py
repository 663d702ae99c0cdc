"""The text of a deal, as data: what a template holds, what a version holds, and the checks on each.

A template's ``body``::

    {"roles":   [{"key": "seller", "label": {"en": "Seller", "zh-hant": "賣方"}}, ...two roles],
     "fields":  [{"key": "price", "type": "money", "label": {...}, "required": true,
                  "obligation": {"kind": "payment", "owed_by": "buyer", "amount_field": "price"}}, ...],
     "clauses": [{"key": "delivery", "heading": {...}, "text": {...}}, ...,
                 {"key": "odr", "heading": {...}, "text": ODR_CLAUSE_TEXT, "odr": true}]}

A version's ``content``: the fields' values (strings) and the clauses in the deal's language(s), each
possibly struck::

    {"fields": {"price": "12000.00", ...},
     "clauses": [{"key": "delivery", "heading": {...}, "text": {...}, "odr": false, "struck": false}, ...]}

A date field with an ``obligation`` becomes something a side must do by that date once the contract is
signed (its amount, for a payment, from ``amount_field``).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from cases.money import AmountError, parse_amount
from cases.services import ServiceError
from deals.odr_clause import ODR_CLAUSE_HEADING, ODR_CLAUSE_TEXT

LANGUAGES = ("en", "zh-hant")
FIELD_TYPES = ("text", "longtext", "money", "currency", "date")
CURRENCIES = ("HKD", "CNY", "USD", "EUR", "GBP", "JPY", "SGD", "AUD")
MAX_TEXT = {"text": 300, "longtext": 4000}
MAX_CLAUSE_TEXT = 8000
MAX_MONEY = Decimal("9999999999.99")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True, slots=True)
class Target:
    """What a proposal or a comment is about: a clause or a field of the deal."""

    kind: str  # "clause" | "field"
    key: str

    @classmethod
    def parse(cls, kind: str, key: str) -> Target:
        if kind not in ("clause", "field") or not KEY.match(key or ""):
            raise ServiceError(_("Choose a clause or a field of the contract."), field="target")
        return cls(kind, key)


def _text_of(value: Any) -> dict[str, str]:
    return {lang: str(value.get(lang, "")) for lang in LANGUAGES} if isinstance(value, dict) else {}


# --- templates ---------------------------------------------------------------------------------------------


def check_template_body(body: Any) -> list[str]:
    """Every reason ``body`` is not a usable template (empty: it is one). Both languages must be complete,
    and the Centre's ODR clause must be there, word for word."""
    problems: list[str] = []
    if not isinstance(body, dict):
        return [_("The template must be an object with roles, fields and clauses.")]
    roles = body.get("roles")
    if not isinstance(roles, list) or len(roles) != 2 or not all(isinstance(r, dict) for r in roles):
        problems.append(_("A template names exactly two roles, one for each business."))
        roles = []
    role_keys = [str(r.get("key", "")) for r in roles]
    for role in roles:
        if not KEY.match(str(role.get("key", ""))) or not all(_text_of(role.get("label")).values()):
            problems.append(_("Each role needs a key and a label in both languages."))
    if len(set(role_keys)) != len(role_keys):
        problems.append(_("The two roles need different keys."))
    problems += _check_fields(body.get("fields"), role_keys)
    problems += _check_clauses(body.get("clauses"))
    return problems


def _check_fields(fields: Any, role_keys: list[str]) -> list[str]:
    if not isinstance(fields, list) or not fields:
        return [_("A template has at least one field.")]
    problems: list[str] = []
    keys = [str(f.get("key", "")) if isinstance(f, dict) else "" for f in fields]
    if len(set(keys)) != len(keys):
        problems.append(_("Two fields have the same key."))
    for spec in fields:
        if not isinstance(spec, dict) or not KEY.match(str(spec.get("key", ""))):
            problems.append(_("Each field needs a key of lower-case letters, digits and underscores."))
            continue
        if spec.get("type") not in FIELD_TYPES:
            problems.append(_("The field %(key)s has an unknown type.") % {"key": spec["key"]})
        if not all(_text_of(spec.get("label")).values()):
            problems.append(_("The field %(key)s needs a label in both languages.") % {"key": spec["key"]})
        obligation = spec.get("obligation")
        if obligation is not None:
            if spec.get("type") != "date" or not isinstance(obligation, dict):
                problems.append(_("Only a date field can set an obligation (%(key)s).") % {"key": spec["key"]})
            elif obligation.get("owed_by") not in role_keys or obligation.get("kind") not in OBLIGATION_KINDS:
                problems.append(_("The obligation of %(key)s names an unknown role or kind.") % {"key": spec["key"]})
            elif obligation.get("amount_field") and obligation["amount_field"] not in keys:
                problems.append(_("The obligation of %(key)s names an unknown amount field.") % {"key": spec["key"]})
    return problems


OBLIGATION_KINDS = ("delivery", "payment", "milestone")


def _check_clauses(clauses: Any) -> list[str]:
    if not isinstance(clauses, list) or not clauses:
        return [_("A template has at least one clause.")]
    problems: list[str] = []
    keys = [str(c.get("key", "")) if isinstance(c, dict) else "" for c in clauses]
    if len(set(keys)) != len(keys):
        problems.append(_("Two clauses have the same key."))
    for clause in clauses:
        if not isinstance(clause, dict) or not KEY.match(str(clause.get("key", ""))):
            problems.append(_("Each clause needs a key of lower-case letters, digits and underscores."))
            continue
        if not all(_text_of(clause.get("heading")).values()) or not all(_text_of(clause.get("text")).values()):
            problems.append(_("The clause %(key)s needs its heading and text in both languages.") % clause)
    odr = [c for c in clauses if isinstance(c, dict) and c.get("odr")]
    if len(odr) != 1 or _text_of(odr[0].get("text")) != ODR_CLAUSE_TEXT:
        problems.append(_("Every template carries the Centre's ODR clause, word for word, once."))
    return problems


# --- field values ------------------------------------------------------------------------------------------


def field_spec(body: dict[str, Any], key: str) -> dict[str, Any]:
    for spec in body.get("fields", []):
        if spec.get("key") == key:
            return dict(spec)
    raise ServiceError(_("The contract has no such field."), field="target")


def clean_field_value(spec: dict[str, Any], raw: object) -> str:
    """The value as stored (a string: "12000.00", "2027-01-31", "HKD", text), or a ServiceError saying
    what is wrong with it, on the field's key."""
    key, kind = str(spec["key"]), str(spec["type"])
    text = raw.strip() if isinstance(raw, str) else ""
    if not isinstance(raw, str):
        raise ServiceError(_("Enter the value as text."), field=key)
    if not text:
        if spec.get("required"):
            raise ServiceError(_("This field is required."), field=key)
        return ""
    if kind in MAX_TEXT:
        if len(text) > MAX_TEXT[kind]:
            raise ServiceError(_("At most %(count)s characters.") % {"count": MAX_TEXT[kind]}, field=key)
        return text
    if kind == "money":
        try:
            amount = parse_amount(text)
        except AmountError:
            raise ServiceError(_("Enter an amount, e.g. 12000 or 12,000.50."), field=key) from None
        if amount < 0 or amount > MAX_MONEY:
            raise ServiceError(_("That amount is not possible."), field=key)
        return f"{amount:.2f}"
    if kind == "currency":
        if text.upper() not in CURRENCIES:
            raise ServiceError(_("Choose one of: %(currencies)s.") % {"currencies": ", ".join(CURRENCIES)}, field=key)
        return text.upper()
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ServiceError(_("Enter a date as YYYY-MM-DD."), field=key) from None


def clean_field_values(body: dict[str, Any], raw: dict[str, object]) -> dict[str, str]:
    """Every field of the template, checked; all the errors at once (a ServiceError per field would hide the
    rest, so they are gathered into ``FieldErrors``)."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for spec in body.get("fields", []):
        try:
            values[spec["key"]] = clean_field_value(spec, raw.get(spec["key"], ""))
        except ServiceError as exc:
            errors[spec["key"]] = exc.message
    if errors:
        raise FieldErrors(errors)
    return values


class FieldErrors(ServiceError):
    """Several fields refused at once: ``errors`` maps each field's key to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(_("Some fields need your attention."))
        self.errors = errors


# --- clause text -------------------------------------------------------------------------------------------


def clean_clause_text(raw: dict[str, object], languages: tuple[str, ...]) -> dict[str, str]:
    """A clause's new text in each of the deal's languages (a bilingual contract changes both at once, so
    its two texts stay in step)."""
    text: dict[str, str] = {}
    for language in languages:
        value = raw.get(language)
        field = f"text_{language.replace('-', '_')}"
        if not isinstance(value, str) or not value.strip():
            raise ServiceError(_("Write the clause's text; to remove a clause, propose striking it."), field=field)
        if len(value) > MAX_CLAUSE_TEXT:
            raise ServiceError(_("A clause is at most %(count)s characters.") % {"count": MAX_CLAUSE_TEXT}, field=field)
        text[language] = value.strip().replace("\r\n", "\n")
    return text


# --- versions ----------------------------------------------------------------------------------------------


def initial_content(body: dict[str, Any], values: dict[str, str], languages: tuple[str, ...]) -> dict[str, Any]:
    """Version 1 of a deal: the template's clauses in the deal's language(s), the fields as filled in."""
    clauses = [
        {
            "key": c["key"],
            "heading": {lang: c["heading"][lang] for lang in languages},
            "text": {lang: c["text"][lang] for lang in languages},
            "odr": bool(c.get("odr")),
            "struck": False,
        }
        for c in body["clauses"]
    ]
    return {"fields": dict(values), "clauses": clauses}


def clause_of(content: dict[str, Any], key: str) -> dict[str, Any]:
    for clause in content["clauses"]:
        if clause["key"] == key:
            return dict(clause)
    raise ServiceError(_("The contract has no such clause."), field="target")


def target_state(content: dict[str, Any], target: Target) -> dict[str, Any]:
    """What a proposal compares against: a field's value, or a clause's text and whether it is struck."""
    if target.kind == "field":
        if target.key not in content["fields"]:
            raise ServiceError(_("The contract has no such field."), field="target")
        return {"value": content["fields"][target.key]}
    clause = clause_of(content, target.key)
    return {"text": clause["text"], "struck": clause["struck"]}


def content_with(content: dict[str, Any], target: Target, after: dict[str, Any]) -> dict[str, Any]:
    """``content`` with ``target`` set to ``after`` (a new dict: versions are never edited)."""
    changed = copy.deepcopy(content)
    if target.kind == "field":
        changed["fields"][target.key] = after["value"]
        return changed
    for clause in changed["clauses"]:
        if clause["key"] == target.key:
            clause["text"] = after["text"]
            clause["struck"] = after["struck"]
    return changed


def odr_clause_kept(content: dict[str, Any]) -> bool:
    return any(c["odr"] and not c["struck"] for c in content["clauses"])


def odr_clause() -> dict[str, Any]:
    """The Centre's ODR clause as a template carries it."""
    return {"key": "odr", "heading": dict(ODR_CLAUSE_HEADING), "text": dict(ODR_CLAUSE_TEXT), "odr": True}
