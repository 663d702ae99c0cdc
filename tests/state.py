"""What "nothing changed" means in access tests: every table's row count and every case's state."""

from __future__ import annotations

from typing import Any

from django.apps import apps

APPS = (
    "auth",
    "account",
    "mfa",
    "cases",
    "documents",
    "payments",
    "negotiation",
    "mediation",
    "arbitration",
    "deals",
)


def platform_snapshot(*, exclude: tuple[str, ...] = ("cases.SecurityEvent",)) -> tuple[dict[str, int], list[Any]]:
    """Row counts of every table of the platform (the security log aside: refusals are recorded there), and
    each case's status, outcome, deadline and last change."""
    from cases.models import Case

    counts = {
        model._meta.label: model._base_manager.count()
        for label in APPS
        for model in apps.get_app_config(label).get_models()
        if model._meta.label not in exclude
    }
    cases = list(Case.objects.order_by("pk").values_list("pk", "status", "outcome", "deadline_at", "updated_at"))
    return counts, cases
