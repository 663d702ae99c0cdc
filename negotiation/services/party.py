"""What every write of the room starts with: the case locked and the writer's side known, and the checks and
notices the writes share."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseParty, CaseStatus, PartyRole
from cases.money import format_hkd, in_cents
from cases.notifications import queue_email
from cases.services import ServiceError
from negotiation.selectors import is_online

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def lock_for_party(case: Case, user: User) -> tuple[Case, PartyRole]:
    """Lock the case row and learn the user's side in one query; refuse non-parties and ended talks.

    Only ``case.pk`` is used: callers may pass a bare reference, the case is re-read under the lock.
    """
    party_role = CaseParty.objects.filter(case=OuterRef("pk"), user_id=user.pk).values("role")[:1]
    locked = (
        Case.objects.select_for_update(of=("self",))
        .annotate(party_role=Subquery(party_role))
        .filter(pk=case.pk)
        .first()
    )
    if locked is None or not locked.party_role:
        raise ServiceError(_("Only the parties can act in the negotiation room."))
    if locked.status != CaseStatus.NEGOTIATION:
        raise ServiceError(
            _("The negotiation has ended: the case is now %(status)s.")
            % {"status": locked.get_status_display().lower()}
        )
    if locked.deadline_at is not None and locked.deadline_at <= timezone.now():
        # The sweep moves the case on shortly; until then the deadline already holds.
        raise ServiceError(_("The negotiation period has ended."))
    return locked, PartyRole(locked.party_role)


def other_side(role: PartyRole) -> PartyRole:
    return PartyRole.RESPONDENT if role == PartyRole.CLAIMANT else PartyRole.CLAIMANT


def check_amount(case: Case, amount: Decimal) -> Decimal:
    """An amount the respondent would pay: at least zero, in cents, at most what is claimed."""
    if not amount.is_finite() or amount < 0:
        raise ServiceError(_("Enter an amount of zero or more."), field="amount")
    if not in_cents(amount):
        raise ServiceError(_("Amounts have at most 2 decimal places."), field="amount")
    ceiling = case.amount_claimed or settings.ODR_ELIGIBILITY_MAX_AMOUNT
    if amount > ceiling:
        raise ServiceError(
            _("The amount cannot be more than the %(amount)s claimed.") % {"amount": format_hkd(ceiling)},
            field="amount",
        )
    return amount


def email_if_offline(case: Case, role: PartyRole, template: str, context: dict[str, object]) -> None:
    party = case.parties.select_related("user").filter(role=role).first()
    if party is not None and not is_online(case, party.user):
        queue_email(to=party.user.email, template=template, context={"case": case, **context})
