"""How a person is named to others: one rule, used by every page, email and document that names someone."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist

# The panels' own profiles carry the name the Centre shows parties ("name shown to parties").
PANEL_PROFILES = ("mediator_profile", "arbitrator_profile")


def display_name(user: Any) -> str:
    """A neutral's panel name, else the person's full name, else their email address."""
    for profile in PANEL_PROFILES:
        try:
            name = getattr(user, profile).display_name
        except ObjectDoesNotExist:
            continue
        if name:
            return str(name)
    return str(user.get_full_name() or user.email)
