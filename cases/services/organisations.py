from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.models import Membership, Organisation

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def organisation_create(
    *,
    user: User,
    name: str,
    is_hk_registered: bool,
    br_number: str,
    size_band: str,
    address: str,
    contact_email: str,
    contact_phone: str = "",
    meta: RequestMeta = SYSTEM,
) -> Organisation:
    organisation = Organisation(
        name=name.strip(),
        is_hk_registered=is_hk_registered,
        br_number=br_number,
        size_band=size_band,
        address=address.strip(),
        contact_email=contact_email,
        contact_phone=contact_phone,
    )
    organisation.full_clean()
    organisation.save()
    Membership.objects.create(user=user, organisation=organisation)
    log_action(
        action="organisation.created", actor=user, meta=meta, data={"organisation": organisation.pk, "name": name}
    )
    return organisation


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, user: User, meta: RequestMeta = SYSTEM, **fields: object
) -> Organisation:
    for name, value in fields.items():
        setattr(organisation, name, value)
    organisation.full_clean()
    organisation.save()
    log_action(
        action="organisation.updated",
        actor=user,
        meta=meta,
        data={"organisation": organisation.pk, "fields": sorted(fields)},
    )
    return organisation
