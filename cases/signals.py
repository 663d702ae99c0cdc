"""Who belongs to a case changed: tell its room, whatever code path made the change."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cases.models import CaseAssignment, CaseParty
from cases.realtime import broadcast_access_changed


@receiver([post_save, post_delete], sender=CaseParty, dispatch_uid="cases.party_access_changed")
@receiver([post_save, post_delete], sender=CaseAssignment, dispatch_uid="cases.assignment_access_changed")
def case_people_changed(sender: Any, instance: CaseParty | CaseAssignment, **kwargs: Any) -> None:
    broadcast_access_changed(instance.case_id)
