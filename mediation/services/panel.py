"""The mediator panel, kept by case administrators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from cases.audit import SYSTEM, RequestMeta, log_action
from mediation.models import MediatorProfile

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from mediation.forms import MediatorProfileForm


@transaction.atomic
def mediator_profile_save(*, form: MediatorProfileForm, actor: User, meta: RequestMeta = SYSTEM) -> MediatorProfile:
    """Create or update a panel profile from a validated form; audited with what changed."""
    created = form.instance.pk is None
    profile = form.save()
    log_action(
        actor=actor,
        action="mediation.panel_created" if created else "mediation.panel_updated",
        meta=meta,
        data={"profile": profile.pk, "name": profile.display_name, "changed": sorted(form.changed_data)},
    )
    return profile
