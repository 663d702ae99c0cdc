"""The one extension of the negotiation period: one party asks, the other agrees."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.lifecycle import case_deadline_extend
from cases.models import Case
from cases.realtime import broadcast_case_status
from cases.services import ServiceError
from negotiation.models import NegotiationState
from negotiation.services.party import email_if_offline, lock_for_party, other_side

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def extension_request(*, case: Case, user: User, meta: RequestMeta = SYSTEM) -> NegotiationState:
    """Ask for the one extension; the other party agrees or not."""
    locked, role = lock_for_party(case, user)
    state, _created = NegotiationState.objects.select_for_update().get_or_create(case=locked)
    if state.extended_at is not None:
        raise ServiceError(_("The negotiation period has already been extended once."))
    if state.extension_requested_by:
        if state.extension_requested_by == role:
            raise ServiceError(_("You have already asked for an extension."))
        return extension_agree(case=locked, user=user, meta=meta)
    state.extension_requested_by = role
    state.extension_requested_at = timezone.now()
    state.save()
    log_action(case=locked, actor=user, action="negotiation.extension_requested", meta=meta)
    email_if_offline(locked, other_side(role), "extension_requested", {})
    broadcast_case_status(locked)
    return state


@transaction.atomic
def extension_agree(*, case: Case, user: User, meta: RequestMeta = SYSTEM) -> NegotiationState:
    locked, role = lock_for_party(case, user)
    state, _created = NegotiationState.objects.select_for_update().get_or_create(case=locked)
    if state.extended_at is not None:
        raise ServiceError(_("The negotiation period has already been extended once."))
    if not state.extension_requested_by:
        raise ServiceError(_("Nobody has asked for an extension."))
    if state.extension_requested_by == role:
        raise ServiceError(_("The other party must agree to your request."))
    assert locked.deadline_at is not None
    case_deadline_extend(
        case=locked,
        until=locked.deadline_at + timedelta(days=settings.ODR_NEGOTIATION_EXTENSION_DAYS),
        actor=user,
        reason=_("Extension agreed by both parties"),
        meta=meta,
    )
    state.extended_at = timezone.now()
    state.save()
    return state
