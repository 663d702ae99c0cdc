"""The case administrators' actions on a case, each with a reason and audited: extend its deadline, close
it (withdrawn or expired) or reopen it when it was closed in error. Appointing or replacing a neutral is
on the mediation and arbitration pages; waiving a fee on the payments pages."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.access import case_roles
from cases.audit import SYSTEM, RequestMeta
from cases.lifecycle import Action, allowed_actions, case_deadline_extend, case_reopen, case_transition
from cases.models import Case
from cases.roles import Role
from cases.services import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

STAFF_CLOSING = (Action.WITHDRAW, Action.EXPIRE)


def _require_administrator(case: Case, user: User) -> frozenset[Role]:
    roles = case_roles(user, case)
    if Role.ADMINISTRATOR not in roles:
        raise ServiceError(_("Only a case administrator can do this."))
    return roles


def closing_actions(case: Case, user: User) -> list[Action]:
    roles = case_roles(user, case)
    return [action for action in STAFF_CLOSING if action in allowed_actions(case, roles & {Role.ADMINISTRATOR})]


@transaction.atomic
def staff_deadline_extend(*, case: Case, user: User, until: datetime, reason: str, meta: RequestMeta = SYSTEM) -> Case:
    _require_administrator(case, user)
    if not reason.strip():
        raise ServiceError(_("Give the reason for the extension."), field="reason")
    if until <= timezone.now():
        raise ServiceError(_("The new deadline must be in the future."), field="until")
    return case_deadline_extend(case=case, until=until, actor=user, reason=reason.strip()[:500], meta=meta)


@transaction.atomic
def staff_case_close(*, case: Case, user: User, action: str, reason: str, meta: RequestMeta = SYSTEM) -> Case:
    _require_administrator(case, user)
    if not reason.strip():
        raise ServiceError(_("Give the reason for closing the case."), field="reason")
    if action not in [str(a) for a in closing_actions(case, user)]:
        raise ServiceError(_("This case cannot be closed that way at its stage."), field="action")
    return case_transition(case=case, action=Action(action), actor=user, reason=reason.strip()[:500], meta=meta)


@transaction.atomic
def staff_case_reopen(*, case: Case, user: User, reason: str, meta: RequestMeta = SYSTEM) -> Case:
    _require_administrator(case, user)
    return case_reopen(case=case, actor=user, reason=reason, meta=meta)
