"""Taking the case from the room to mediation, at either party's request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta
from cases.lifecycle import Action
from cases.models import Case
from cases.notifications import queue_email
from cases.services import ServiceError
from cases.services.stages import stage_advance
from negotiation.models import Offer, OfferStatus
from negotiation.realtime import broadcast_offer
from negotiation.services.party import lock_for_party

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def mediation_request(*, case: Case, user: User, meta: RequestMeta = SYSTEM) -> Case:
    """Either party may take the case to mediation at any time during negotiation."""
    locked, _role = lock_for_party(case, user)
    if locked.parties.filter(consents_to_mediation=False).exists():
        raise ServiceError(_("Mediation needs both parties' agreement, and one of them did not agree to it on entry."))
    for offer in Offer.objects.select_for_update().filter(case=locked, status=OfferStatus.OPEN):
        offer.status = OfferStatus.WITHDRAWN
        offer.save(update_fields=["status"])
        broadcast_offer(offer)
    # Mediation starts now, or once its fees are settled (the room stays open meanwhile).
    if stage_advance(case=locked, action=Action.ESCALATE_TO_MEDIATION, actor=user, meta=meta):
        emails = [p.user.email for p in locked.parties.select_related("user").all()]
        queue_email(to=emails, template="to_mediation", context={"case": locked})
    return locked
