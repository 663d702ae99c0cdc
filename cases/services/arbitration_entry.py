"""After mediation ends without (full) settlement: arbitration, if both parties consent and its fees are
settled (the stage gate sees to those); otherwise the case closes with the mediation's outcome.

A party that did not consent when it entered the scheme may still consent now, within
``ODR_ARBITRATION_CONSENT_DAYS``; the consent is recorded with who gave it, when and from where.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.lifecycle import Action, case_transition, copy_case_state
from cases.models import ArbitrationEntry, Case, CaseStatus, PendingStage
from cases.notifications import queue_email
from cases.services import ServiceError
from cases.services.stages import stage_advance

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def both_consent(case: Case) -> bool:
    parties = list(case.parties.all())
    return len(parties) == 2 and all(party.consents_to_arbitration for party in parties)


def closing_action(entry: ArbitrationEntry) -> Action:
    """How the case closes when it does not go to arbitration: with the mediation's outcome."""
    return Action.END_MEDIATION_PARTLY_SETTLED if entry.partly_settled else Action.END_MEDIATION_UNSETTLED


@transaction.atomic
def mediation_unsettled(*, case: Case, actor: User | None, partly_settled: bool, meta: RequestMeta = SYSTEM) -> None:
    """The mediator recorded that mediation ended without full settlement (runs in that transaction)."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    entry, _created = ArbitrationEntry.objects.update_or_create(
        case=locked, defaults={"partly_settled": partly_settled}
    )
    if both_consent(locked):
        stage_advance(case=locked, action=Action.ESCALATE_TO_ARBITRATION, actor=actor, meta=meta)
    else:
        closes_at = timezone.now() + timedelta(days=settings.ODR_ARBITRATION_CONSENT_DAYS)
        entry.consent_closes_at = closes_at
        entry.save(update_fields=["consent_closes_at"])
        # The consent window is what is left of the mediation stage: the sweep closes the case at its end.
        locked.deadline_at = closes_at
        locked.save(update_fields=["deadline_at", "updated_at"])
        log_action(
            case=locked, actor=None, action="arbitration.consent_requested", data={"until": closes_at.isoformat()}
        )
        emails = [party.user.email for party in locked.parties.select_related("user")]
        queue_email(to=emails, template="arbitration_consent", context={"case": locked, "closes_at": closes_at})
    copy_case_state(locked, case)


def consent_pending(case: Case) -> ArbitrationEntry | None:
    """The open consent window of a case, if it has one."""
    if case.status != CaseStatus.MEDIATION:
        return None
    entry = ArbitrationEntry.objects.filter(case=case, consent_closes_at__gt=timezone.now()).first()
    if entry is None or PendingStage.objects.filter(case=case).exists():
        return None
    return entry


@transaction.atomic
def arbitration_consent(*, case: Case, user: User, agree: bool, meta: RequestMeta = SYSTEM) -> Case:
    """A party agrees to binding arbitration on the documents, or declines it (the case then closes)."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    entry = consent_pending(locked)
    if entry is None:
        raise ServiceError(_("There is no question of arbitration open on this case."))
    party = locked.parties.filter(user=user).first()
    if party is None:
        raise ServiceError(_("Only the parties decide whether to go to arbitration."))
    if agree:
        if party.consents_to_arbitration:
            raise ServiceError(_("You have already agreed to arbitration."))
        party.consents_to_arbitration = True
        party.save(update_fields=["consents_to_arbitration"])
        log_action(case=locked, actor=user, action="arbitration.consented", meta=meta, data={"role": party.role})
        if both_consent(locked):
            stage_advance(case=locked, action=Action.ESCALATE_TO_ARBITRATION, actor=None, meta=meta)
    else:
        log_action(case=locked, actor=user, action="arbitration.consent_declined", meta=meta, data={"role": party.role})
        case_transition(
            case=locked,
            action=closing_action(entry),
            actor=None,
            meta=meta,
            reason=_("A party declined arbitration."),
        )
    copy_case_state(locked, case)
    return case
