"""Every form field, rendered as the pages render it, says "optional" once (English and Chinese)."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils import translation

FORM_MODULES = ("cases", "documents", "payments", "mediation", "arbitration", "administration")
OPTIONAL_MARKERS = {"en": "(optional)", "zh-hant": "選填"}


def _project_forms() -> list[type[forms.Form]]:
    found = []
    for app in FORM_MODULES:
        module = importlib.import_module(f"{app}.forms")
        found += [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__ and cls.base_fields
        ]
    return found


def _instance(cls: type[forms.Form]) -> forms.Form:
    from cases.models import Organisation
    from cases.roles_setup import ARBITRATOR_GROUP
    from tests.conftest import make_user

    wanted = {
        name for klass in cls.__mro__ if "__init__" in vars(klass) for name in inspect.signature(klass).parameters
    }
    extra: dict[str, Any] = {
        name: value
        for name, value in {
            "eligible": [],
            "apply_to": [],
            "organisations": Organisation.objects.none(),
            "actions": [],
            "signer": make_user("signer", ARBITRATOR_GROUP, mfa=True),
        }.items()
        if name in wanted
    }
    return cls(**extra)


def test_every_project_form_is_found():
    names = {cls.__name__ for cls in _project_forms()}
    assert len(names) > 30
    assert "AcceptForm" in names or any("Accept" in name for name in names)


@pytest.mark.parametrize("language", sorted(OPTIONAL_MARKERS))
@pytest.mark.parametrize("form_class", _project_forms(), ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_optional_is_said_once_per_field(form_class, language, db):
    form = _instance(form_class)
    with translation.override(language):
        for field in form:
            html = render_to_string("includes/field.html", {"field": field})
            assert html.count(OPTIONAL_MARKERS[language]) <= 1, html
