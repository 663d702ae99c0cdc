"""Who belongs to a case, or a user's credentials, changed: tell the open sockets, whatever code path made
the change."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from cases.models import CaseAssignment, CaseParty
from cases.realtime import broadcast_access_changed
from odr.sockets import sign_out_sockets_on_commit


@receiver([post_save, post_delete], sender=CaseParty, dispatch_uid="cases.party_access_changed")
@receiver([post_save, post_delete], sender=CaseAssignment, dispatch_uid="cases.assignment_access_changed")
def case_people_changed(sender: Any, instance: CaseParty | CaseAssignment, **kwargs: Any) -> None:
    broadcast_access_changed(instance.case_id)


@receiver(pre_save, sender=User, dispatch_uid="cases.user_credentials_changing")
def user_credentials_changing(sender: Any, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    """Note a new password or a deactivated account: either already ends the user's other sessions (the
    session hash, ``is_active``); after the save, their open sockets are closed too."""
    if instance.pk is None or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    instance._odr_end_sockets = before is not None and (  # type: ignore[attr-defined]
        before["password"] != instance.password or (before["is_active"] and not instance.is_active)
    )


@receiver(post_save, sender=User, dispatch_uid="cases.user_credentials_changed")
def user_credentials_changed(sender: Any, instance: User, **kwargs: Any) -> None:
    if getattr(instance, "_odr_end_sockets", False):
        instance._odr_end_sockets = False  # type: ignore[attr-defined]
        sign_out_sockets_on_commit(instance.pk)
