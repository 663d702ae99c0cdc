"""The fee schedule and the charges it makes: which stage costs what, for whom, after which waiver."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.lifecycle import Action
from cases.models import Case, Organisation, PartyRole, SizeBand
from cases.money import in_cents, percent_off
from cases.notifications import queue_email
from cases.services import ServiceError
from payments.models import (
    DEAL_FEE_FIELDS,
    Charge,
    ChargeStatus,
    FeeKind,
    FeeSchedule,
    FeeWaiverRule,
    PaymentStatus,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Which fee each gated stage needs, and from whom.
STAGE_FEES: dict[Action, tuple[FeeKind, tuple[PartyRole, ...]]] = {
    Action.INVITE: (FeeKind.REGISTRATION, (PartyRole.CLAIMANT,)),
    Action.RESPOND: (FeeKind.REGISTRATION, (PartyRole.RESPONDENT,)),
    Action.ESCALATE_TO_MEDIATION: (FeeKind.MEDIATION, (PartyRole.CLAIMANT, PartyRole.RESPONDENT)),
    Action.ESCALATE_TO_ARBITRATION: (FeeKind.ARBITRATION, (PartyRole.CLAIMANT, PartyRole.RESPONDENT)),
}


@dataclass(frozen=True, slots=True)
class WaiverRuleInput:
    size_band: str
    percent: Decimal
    reason: str
    fee_kind: str = ""  # blank: every fee


def waiver_check(percent: Decimal, reason: str, *, fields: tuple[str, str]) -> None:
    """A waiver, standing or for one charge: a percentage above zero, at most 100, with its reason."""
    if not (Decimal("0") < percent <= Decimal("100")):
        raise ServiceError(_("A waiver is between 0.01% and 100%."), field=fields[0])
    if not reason.strip():
        raise ServiceError(_("Give the reason for the waiver."), field=fields[1])


def schedule_in_force(at: datetime | None = None) -> FeeSchedule | None:
    return (
        FeeSchedule.objects.filter(effective_from__lte=at or timezone.now())
        .prefetch_related("waiver_rules")
        .order_by("-effective_from", "-pk")
        .first()
    )


@transaction.atomic
def fee_schedule_create(
    *,
    actor: User,
    name: str,
    effective_from: datetime,
    registration_fee: Decimal,
    mediation_fee: Decimal,
    arbitration_fee: Decimal,
    waiver_rules: list[WaiverRuleInput] | None = None,
    deal_fees: Mapping[str, Decimal] | None = None,
    meta: RequestMeta = SYSTEM,
) -> FeeSchedule:
    """A new schedule, in force from ``effective_from`` (not in the past: what was charged stays charged).
    ``deal_fees``: the deal-making fee per business size ({"small": ...}); a size not named pays none."""
    if effective_from < timezone.now() - timedelta(minutes=5):
        raise ServiceError(_("A new fee schedule cannot start in the past."), field="effective_from")
    by_band = {SizeBand(band): amount for band, amount in (deal_fees or {}).items()}
    for amount in (registration_fee, mediation_fee, arbitration_fee, *by_band.values()):
        if amount < 0 or not in_cents(amount):
            raise ServiceError(_("Fees are amounts in HK$ with at most two decimal places, not below zero."))
    schedule = FeeSchedule.objects.create(
        name=name.strip(),
        effective_from=effective_from,
        registration_fee=registration_fee,
        mediation_fee=mediation_fee,
        arbitration_fee=arbitration_fee,
        **{DEAL_FEE_FIELDS[band]: amount for band, amount in by_band.items()},
        created_by=actor,
    )
    for rule in waiver_rules or []:
        waiver_check(rule.percent, rule.reason, fields=("waiver_percent", "waiver_reason"))
        FeeWaiverRule.objects.create(
            schedule=schedule,
            fee_kind=rule.fee_kind,
            size_band=rule.size_band,
            percent=rule.percent,
            reason=rule.reason.strip(),
        )
    log_action(
        actor=actor,
        action="fees.schedule_created",
        meta=meta,
        data={
            "schedule": schedule.pk,
            "name": schedule.name,
            "effective_from": effective_from.isoformat(),
            "registration_fee": str(registration_fee),
            "mediation_fee": str(mediation_fee),
            "arbitration_fee": str(arbitration_fee),
            "deal_fees": {band: str(amount) for band, amount in by_band.items()},
            "waivers": [f"{r.fee_kind or 'all'}/{r.size_band}/{r.percent}%" for r in waiver_rules or []],
        },
    )
    return schedule


def _standing_waiver(schedule: FeeSchedule, kind: FeeKind, size_band: str) -> FeeWaiverRule | None:
    rules = [
        rule for rule in schedule.waiver_rules.all() if rule.size_band == size_band and rule.fee_kind in ("", kind)
    ]
    return max(rules, key=lambda rule: rule.percent, default=None)


def fee_quote(kind: FeeKind, size_band: str) -> Decimal:
    """What a business of ``size_band`` would owe for ``kind`` under the schedule in force now, after its
    standing waiver (zero without a schedule): what a page tells people before the fee falls due."""
    schedule = schedule_in_force()
    if schedule is None:
        return Decimal("0.00")
    rule = _standing_waiver(schedule, kind, size_band)
    return percent_off(schedule.fee(kind, size_band), rule.percent if rule else Decimal("0"))


def log_charge_action(
    charge: Charge,
    *,
    action: str,
    actor: User | None = None,
    meta: RequestMeta = SYSTEM,
    data: dict[str, Any] | None = None,
    **more: Any,
) -> None:
    """An entry about ``charge`` (or one of its payments) on its record's trail: the case's, or the
    subject's, whose reference the entry keeps so that the staff's trail can name it."""
    named = {"record": charge.subject_reference} if charge.subject else {}
    log_action(
        case=charge.case,
        subject=charge.subject,
        actor=actor,
        action=action,
        meta=meta,
        data={**named, **(data or {})},
        **more,
    )


def _charge_make(schedule: FeeSchedule, kind: FeeKind, base: Decimal, size_band: str, **owner: Any) -> Charge:
    """A charge of ``base`` less the business's standing waiver (applied now, with its reason), audited;
    ``owner``: the case and party, or the subject, and the business and payer, and the step it gates."""
    rule = _standing_waiver(schedule, kind, size_band)
    percent = rule.percent if rule else Decimal("0")
    due = percent_off(base, percent)
    charge = Charge.objects.create(
        kind=kind,
        schedule=schedule,
        base_amount=base,
        waived_percent=percent,
        waiver_reason=rule.reason if rule else "",
        amount_due=due,
        status=ChargeStatus.WAIVED if due == 0 else ChargeStatus.DUE,
        settled_at=timezone.now() if due == 0 else None,
        **owner,
    )
    log_charge_action(
        charge,
        action="fee.charged",
        data={
            "charge": str(charge.public_id),
            "kind": kind,
            **({"party": charge.party.role} if charge.party else {"business": charge.organisation.name}),
            "schedule": schedule.pk,
            "base_amount": str(base),
            "waived_percent": str(percent),
            "amount_due": str(due),
        },
    )
    return charge


def charges_for_stage(*, case: Case, action: Action) -> list[Charge]:
    """The charges the stage ``action`` starts needs, made now from the schedule in force if missing.

    Runs inside the stage request's transaction (the case row is locked). Fees of zero make no charge;
    a standing waiver is applied as the charge is made, with its reason.
    """
    if action not in STAGE_FEES:
        return []
    kind, roles = STAGE_FEES[action]
    existing = {
        charge.party_id: charge
        for charge in Charge.objects.filter(case=case, kind=kind).exclude(status=ChargeStatus.CANCELLED)
    }
    parties = list(case.parties.select_related("organisation", "user").filter(role__in=roles))
    missing = [party for party in parties if party.pk not in existing]
    if not missing:
        return list(existing.values())
    schedule = schedule_in_force()
    if schedule is None:
        return list(existing.values())
    base = schedule.fee(kind)
    charges = list(existing.values())
    for party in missing:
        if base <= 0:
            continue
        owner = {"case": case, "party": party, "organisation": party.organisation, "payer": party.user}
        charge = _charge_make(schedule, kind, base, party.organisation.size_band, stage_action=action, **owner)
        if charge.status == ChargeStatus.DUE:
            queue_email(to=party.user.email, template="fee_due", context={"case": case, "charge": charge})
        charges.append(charge)
    return charges


@dataclass(frozen=True, slots=True)
class Owes:
    """A business that owes a subject's fee, and the person who pays it for the business."""

    organisation: Organisation
    payer: User


def charges_for_subject(
    *, subject: str, reference: str, kind: FeeKind, step: str, owers: list[Owes], at: datetime
) -> tuple[list[Charge], list[Charge]]:
    """The live charges of ``kind`` each business in ``owers`` owes on ``subject`` (a record of an app
    above, e.g. "deal:<id>", known to people as ``reference``), and those of them made now: missing ones
    are made from the schedule in force at ``at`` (the moment the fee fell due, so asking again later makes
    the same fee), priced for each business's size. A fee of zero makes no charge.

    In the caller's transaction, which holds the subject's row lock: the fee is made once (and the
    database's unique constraint refuses a second live one)."""
    existing = {
        charge.organisation_id: charge
        for charge in Charge.objects.filter(subject=subject, kind=kind).exclude(status=ChargeStatus.CANCELLED)
    }
    missing = [owes for owes in owers if owes.organisation.pk not in existing]
    schedule = schedule_in_force(at) if missing else None
    if schedule is None:
        return list(existing.values()), []
    made = []
    for owes in missing:
        base = schedule.fee(kind, owes.organisation.size_band)
        if base <= 0:
            continue
        owner = {"subject": subject, "subject_reference": reference, "organisation": owes.organisation}
        made.append(
            _charge_make(
                schedule, kind, base, owes.organisation.size_band, payer=owes.payer, stage_action=step, **owner
            )
        )
    return [*existing.values(), *made], made


def charge_settle_if_paid(charge: Charge) -> bool:
    """Mark a due charge paid once its successful payments cover it. In the caller's transaction."""
    if charge.status != ChargeStatus.DUE:
        return False
    paid = sum(
        (
            p.amount_received or Decimal("0")
            for p in charge.payments.filter(status=PaymentStatus.SUCCEEDED, currency_received=charge.currency)
        ),
        Decimal("0"),
    )
    if paid < charge.amount_due:
        return False
    charge.status = ChargeStatus.PAID
    charge.settled_at = timezone.now()
    charge.save(update_fields=["status", "settled_at"])
    log_charge_action(charge, action="fee.paid", data={"charge": str(charge.public_id)})
    return True


def stage_fees_cancel(case: Case, action: Action) -> None:
    """Hook: the stage these fees were for will not start, so what is still due is no longer owed."""
    for charge in Charge.objects.select_for_update().filter(case=case, stage_action=action, status=ChargeStatus.DUE):
        charge.status = ChargeStatus.CANCELLED
        charge.save(update_fields=["status"])
        log_action(case=case, actor=None, action="fee.cancelled", data={"charge": str(charge.public_id)})
