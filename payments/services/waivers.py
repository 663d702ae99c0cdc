"""Waiving a fee: an administrator's decision that settles all or part of it, cancelling what is still open
at a provider and letting the stage it held start."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta
from cases.money import percent_off
from cases.services import ServiceError
from cases.services.stages import stage_release
from payments.models import Charge, ChargeStatus
from payments.services.fees import charge_settle_if_paid, log_charge_action, waiver_check
from payments.services.payments import charge_open_payments_cancel_later

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def charge_waive(*, charge: Charge, actor: User, percent: Decimal, reason: str, meta: RequestMeta = SYSTEM) -> Charge:
    """A case administrator waives part or all of a due fee, with a reason; the stage may then start."""
    locked = Charge.objects.select_for_update(of=("self",)).select_related("case").get(pk=charge.pk)
    if locked.status != ChargeStatus.DUE:
        raise ServiceError(_("Only a fee that is still due can be waived."))
    waiver_check(percent, reason, fields=("percent", "reason"))
    locked.waived_percent = percent
    locked.waiver_reason = reason.strip()[:300]
    locked.amount_due = percent_off(locked.base_amount, percent)
    if locked.amount_due == 0:
        locked.status = ChargeStatus.WAIVED
        locked.settled_at = timezone.now()
    locked.save()
    log_charge_action(
        locked,
        actor=actor,
        action="fee.waived",
        meta=meta,
        data={"charge": str(locked.public_id), "percent": str(percent), "reason": locked.waiver_reason},
    )
    charge_settle_if_paid(locked)
    if locked.is_settled:
        charge_open_payments_cancel_later(locked)
        if locked.case is not None:
            stage_release(case=locked.case, meta=meta)
    return locked
