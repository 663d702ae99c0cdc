"""Taking a payment, learning its outcome, refunding it.

A call to a provider never runs inside a database transaction that holds a lock a payer waits on: the
payment row is written first, the provider is asked, then the outcome is applied in its own
transaction (``payment_apply_result``), the same function whichever way the outcome arrives (the
payer's browser, a webhook, an administrator).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.audit import SYSTEM, RequestMeta
from cases.money import format_hkd, in_cents
from cases.notifications import queue_email
from cases.services import ServiceError
from cases.services.stages import stage_release
from payments.models import (
    Charge,
    ChargeStatus,
    Payment,
    PaymentStatus,
    Refund,
)
from payments.providers import ProviderError, ProviderResult, get_provider
from payments.receipts import issue_receipt
from payments.services.fees import charge_settle_if_paid, log_charge_action

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DUPLICATE_REASON = gettext_lazy(
    "Refunded automatically: this fee was already settled when this payment arrived, so it is not kept."
)

# A payment's row and its charge's are locked together; the charge's case is not (PostgreSQL cannot lock
# the outer-joined side: a subject's fee has no case), and a stage the payment starts locks it itself.
LOCK_PAYMENT = ("self", "charge")

# Which moves a payment may make; anything else is a late or repeated report and is ignored.
_NEXT: dict[str, set[str]] = {
    PaymentStatus.PENDING: {PaymentStatus.PROCESSING, PaymentStatus.SUCCEEDED, PaymentStatus.FAILED},
    PaymentStatus.PROCESSING: {PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.PENDING},
    # The provider's word wins: a card that failed may still be completed by its holder (Stripe lets the
    # browser confirm the same intent again), and money taken is recorded, never ignored.
    PaymentStatus.FAILED: {PaymentStatus.SUCCEEDED},
    PaymentStatus.SUCCEEDED: set(),
    PaymentStatus.PARTLY_REFUNDED: set(),
    PaymentStatus.REFUNDED: set(),
}


def _check_payer(charge: Charge, user: User) -> None:
    if charge.payer_id != user.pk:
        # The access layer already hides other people's charges; this is the service's own guard.
        raise ServiceError(_("Only the party who owes this fee can pay it."))
    if charge.status != ChargeStatus.DUE:
        raise ServiceError(_("This fee is already settled: there is nothing to pay."))
    if charge.payments.filter(status=PaymentStatus.PROCESSING).exists():
        raise ServiceError(_("A payment for this fee is already being processed. Please wait for its outcome."))


def payment_start(*, charge: Charge, user: User, provider: str, meta: RequestMeta = SYSTEM) -> Payment:
    """A pending payment of the charge's amount through ``provider`` (reused if one is already waiting).

    The amount always comes from the charge: nothing the browser sends can change it. Every earlier
    payment of the charge still open at its provider (a card left at 3-D Secure in another tab) is
    cancelled there first, so a fee has at most one open card payment; one that succeeded meanwhile is
    recorded instead, and then there is nothing left to pay.
    """
    _check_payer(charge, user)
    payments_cancel_open(charge=charge, meta=meta)
    return _payment_create(charge=charge, user=user, provider=provider, meta=meta)


def payments_cancel_open(*, charge: Charge, meta: RequestMeta = SYSTEM) -> None:
    """Cancel at their providers the charge's payments that are open there, recording what each says.
    Outside any transaction: each provider is asked before its answer is applied."""
    for open_payment in charge.payments.filter(status=PaymentStatus.PENDING).exclude(provider_reference=""):
        result = get_provider(open_payment.provider).cancel(payment=open_payment)
        payment_apply_result(payment=open_payment, result=result, source="cancelled by the platform", meta=meta)


def charge_open_payments_cancel_later(charge: Charge) -> None:
    """The fee is settled: any payment of it still open at a provider (a card left at 3-D Secure) is
    cancelled there by the worker, as a provider is never asked while the charge is locked. Queued in the
    caller's transaction, so it happens if and only if the settlement commits."""
    if charge.payments.filter(status=PaymentStatus.PENDING).exclude(provider_reference="").exists():
        cancel_open_payments_task.enqueue(charge_id=charge.pk)


@task()
def cancel_open_payments_task(*, charge_id: int) -> None:
    payments_cancel_open(charge=Charge.objects.get(pk=charge_id))


@transaction.atomic
def _payment_create(*, charge: Charge, user: User, provider: str, meta: RequestMeta) -> Payment:
    locked = Charge.objects.select_for_update(of=("self",)).select_related("party", "case").get(pk=charge.pk)
    _check_payer(locked, user)
    if not get_provider(provider).is_available():
        raise ServiceError(_("This way of paying is not available."))
    waiting = locked.payments.filter(provider=provider, status=PaymentStatus.PENDING, provider_reference="").first()
    if waiting is not None and waiting.amount == locked.amount_due:
        return waiting
    payment = Payment.objects.create(
        charge=locked, provider=provider, amount=locked.amount_due, currency=locked.currency, created_by=user
    )
    log_charge_action(
        locked,
        actor=user,
        action="payment.started",
        meta=meta,
        data={"payment": str(payment.public_id), "provider": provider, "amount": str(payment.amount)},
        visible_to_parties=False,
    )
    return payment


def payment_execute(*, payment: Payment, user: User, data: Mapping[str, str], meta: RequestMeta = SYSTEM) -> Payment:
    """Take the payment with what the payer submitted (a card token, a transfer reference).

    Raises ServiceError for a rule broken, ProviderError when the provider could not be asked: the
    payment then stays pending and may be tried again.
    """
    return payment_attempt(payment=payment, user=user, data=data, meta=meta)[0]


def payment_attempt(
    *, payment: Payment, user: User, data: Mapping[str, str], meta: RequestMeta = SYSTEM
) -> tuple[Payment, ProviderResult]:
    """``payment_execute``, also returning what the provider answered: a card payment that needs 3-D
    Secure carries the client secret the payer's browser finishes it with (it is never stored)."""
    with transaction.atomic():
        locked = (
            Payment.objects.select_for_update(of=LOCK_PAYMENT)
            .select_related("charge__party", "charge__case")
            .get(pk=payment.pk)
        )
        if locked.created_by_id != user.pk:
            raise ServiceError(_("Only the person who started this payment can complete it."))
        if locked.status != PaymentStatus.PENDING or locked.provider_reference:
            raise ServiceError(_("This payment was already submitted. See its status on the case page."))
        _check_payer(locked.charge, user)
        if locked.amount != locked.charge.amount_due:
            raise ServiceError(_("The amount due changed. Please start the payment again."))
    result = get_provider(locked.provider).execute(payment=locked, data=data)
    return payment_apply_result(payment=locked, result=result, source="payer", meta=meta), result


@transaction.atomic
def payment_apply_result(
    *, payment: Payment, result: ProviderResult, source: str, meta: RequestMeta = SYSTEM
) -> Payment:
    """Record what the provider says about a payment; settle its charge (and start the stage it gated)
    in the same transaction when that completes it."""
    locked = (
        Payment.objects.select_for_update(of=LOCK_PAYMENT)
        .select_related("charge__case", "charge__party")
        .get(pk=payment.pk)
    )
    before = locked.status
    if result.reference and not locked.provider_reference:
        locked.provider_reference = result.reference
    if result.status == before or result.status not in _NEXT[before]:
        locked.save(update_fields=["provider_reference", "updated_at"])
        return locked
    locked.status = result.status
    locked.failure_message = result.failure_message
    if result.status == PaymentStatus.SUCCEEDED:
        # Locked: two successes for one fee (two tabs, a late webhook) take turns deciding which settles it.
        locked.charge = (
            Charge.objects.select_for_update(of=("self",)).select_related("case", "payer").get(pk=locked.charge_id)
        )
        locked.amount_received = result.amount_received
        locked.currency_received = result.currency_received
        locked.succeeded_at = timezone.now()
        locked.mismatch = (result.amount_received, result.currency_received) != (locked.amount, locked.currency)
        locked.duplicate = locked.charge.status != ChargeStatus.DUE
    locked.save()
    log_charge_action(
        locked.charge,
        actor=None,
        action=f"payment.{result.status}",
        meta=meta,
        visible_to_parties=False,
        from_status=before,
        to_status=locked.status,
        data={
            "payment": str(locked.public_id),
            "provider": locked.provider,
            "reference": locked.provider_reference,
            "source": source,
            "amount": str(locked.amount),
            "amount_received": str(locked.amount_received) if locked.amount_received is not None else None,
            "mismatch": locked.mismatch,
            "duplicate": locked.duplicate,
        },
    )
    if locked.status == PaymentStatus.SUCCEEDED:
        _receipt_on_commit(locked)
        if locked.duplicate:
            _duplicate_refund(locked, meta=meta)
        elif charge_settle_if_paid(locked.charge):
            charge_open_payments_cancel_later(locked.charge)
            if locked.charge.case is not None:  # a subject's fee gates a step its own app asks about
                stage_release(case=locked.charge.case, meta=meta)
    return locked


def _duplicate_refund(payment: Payment, *, meta: RequestMeta) -> None:
    """Money arrived for a fee already settled: refund it in full where the provider can by itself (a
    card), tell the payer, and audit it. A refund the provider refuses leaves the payment flagged for an
    administrator; a bank transfer is not confirmed this way at all (``manual_payment_confirm_surplus``)."""
    _payment_audit(
        payment,
        actor=None,
        action="payment.duplicate",
        meta=meta,
        data={"charge": str(payment.charge.public_id), "fee": payment.charge.status},
    )
    # A bank transfer is refunded (or applied elsewhere) by the administrator who confirms it.
    if get_provider(payment.provider).refunds_automatically:
        refunded = False
        try:
            with transaction.atomic():
                _refund(payment, actor=None, amount=payment.refundable, reason=str(DUPLICATE_REASON), meta=meta)
            refunded = True
        except ServiceError as exc:
            _payment_audit(
                payment, actor=None, action="payment.duplicate_refund_failed", meta=meta, data={"error": exc.message}
            )
        _duplicate_notify(payment, refunded=refunded)


def _payment_audit(
    payment: Payment, *, actor: User | None, action: str, meta: RequestMeta, data: dict[str, str]
) -> None:
    """An entry about one payment on its record's audit trail, for the staff only (the parties follow their
    fees, not the provider's workings)."""
    log_charge_action(
        payment.charge,
        actor=actor,
        action=action,
        meta=meta,
        visible_to_parties=False,
        data={"payment": str(payment.public_id), **data},
    )


def _duplicate_notify(payment: Payment, *, refunded: bool) -> None:
    queue_email(
        to=payment.charge.payer.email,
        template="payment_duplicate",
        context={"case": payment.charge.case, "charge": payment.charge, "payment": payment, "refunded": refunded},
    )


@transaction.atomic
def payment_record_stray(*, original: Payment, reference: str, meta: RequestMeta = SYSTEM) -> Payment:
    """Another payment at the provider made for the same attempt (its answer was lost and the payer tried
    again with the same payment): recorded as a payment of its own, so what it took is applied like any."""
    existing = Payment.objects.filter(provider=original.provider, provider_reference=reference).first()
    if existing is not None:
        return existing
    payment = Payment.objects.create(
        charge=original.charge,
        provider=original.provider,
        amount=original.amount,
        currency=original.currency,
        provider_reference=reference[:100],
        created_by_id=original.created_by_id,
    )
    log_charge_action(
        original.charge,
        actor=None,
        action="payment.found_at_provider",
        meta=meta,
        visible_to_parties=False,
        data={"payment": str(payment.public_id), "attempt": str(original.public_id), "reference": reference},
    )
    return payment


def payment_sync(*, payment: Payment, meta: RequestMeta = SYSTEM) -> Payment:
    """Ask the provider again and record what it says (the return page, webhooks, administrators)."""
    result = get_provider(payment.provider).fetch(payment=payment)
    return payment_apply_result(payment=payment, result=result, source="provider", meta=meta)


@transaction.atomic
def manual_payment_confirm(
    *,
    payment: Payment,
    actor: User,
    amount_received: Decimal,
    reference: str = "",
    meta: RequestMeta = SYSTEM,
) -> Payment:
    """A case administrator confirms that a bank transfer or cheque arrived, for the amount received."""
    locked = _waiting_transfer(payment, amount_received)
    if locked.charge.status != ChargeStatus.DUE:
        raise ServiceError(
            _(
                "This fee is already settled: the transfer must not settle it a second time. "
                "Refund it to the payer, or apply it to another fee the payer owes on this case."
            )
        )
    return _transfer_received(locked, actor=actor, amount_received=amount_received, reference=reference, meta=meta)


@transaction.atomic
def manual_payment_confirm_surplus(
    *,
    payment: Payment,
    actor: User,
    amount_received: Decimal,
    reference: str = "",
    apply_to: Charge | None = None,
    refund_reference: str = "",
    meta: RequestMeta = SYSTEM,
) -> Payment:
    """A transfer arrived for a fee that is already settled: record it and, as the administrator chose,
    apply it to another fee of the same amount the same party owes on the case, or refund it in full
    (the centre pays it back by transfer; ``refund_reference`` is that transfer's bank reference)."""
    locked = _waiting_transfer(payment, amount_received)
    if locked.charge.status == ChargeStatus.DUE:
        raise ServiceError(_("This fee is still due: confirm the transfer as usual."))
    if apply_to is None and not refund_reference.strip():
        raise ServiceError(_("Enter the bank reference of the refund."), field="refund_reference")
    if apply_to is not None:
        target = Charge.objects.select_for_update().get(pk=apply_to.pk)
        owed_by_the_payer = (*_owed_on_the_same_record(locked.charge), ChargeStatus.DUE)
        if (*_owed_on_the_same_record(target), target.status) != owed_by_the_payer:
            raise ServiceError(_("A transfer can only pay another fee the same party owes on this case."))
        if target.amount_due != amount_received:
            raise ServiceError(
                _("The transfer (%(received)s) is not the amount of that fee (%(due)s): refund it instead.")
                % {"received": format_hkd(amount_received), "due": format_hkd(target.amount_due)},
                field="use",
            )
        _payment_audit(
            locked,
            actor=actor,
            action="payment.reapplied",
            meta=meta,
            data={"from": str(locked.charge.public_id), "to": str(target.public_id)},
        )
        locked.charge, locked.amount = target, target.amount_due
        locked.save(update_fields=["charge", "amount", "updated_at"])
    locked = _transfer_received(locked, actor=actor, amount_received=amount_received, reference=reference, meta=meta)
    if apply_to is None:
        _refund(
            locked,
            actor=actor,
            amount=locked.refundable,
            reason=str(DUPLICATE_REASON),
            reference=refund_reference,
            meta=meta,
        )
        _duplicate_notify(locked, refunded=True)
    return locked


def _owed_on_the_same_record(charge: Charge) -> tuple[object, ...]:
    """Who owes ``charge`` on which record: a transfer may move only between fees alike in this."""
    return (charge.case_id, charge.party_id, charge.subject, charge.organisation_id)


def _waiting_transfer(payment: Payment, amount_received: Decimal) -> Payment:
    """The declared transfer, locked, if it still waits for an administrator to confirm it."""
    locked = (
        Payment.objects.select_for_update(of=LOCK_PAYMENT)
        .select_related("charge__case", "charge__payer")
        .get(pk=payment.pk)
    )
    if locked.provider != "manual":
        raise ServiceError(_("Only bank transfers and cheques are confirmed by hand."))
    if locked.status not in (PaymentStatus.PENDING, PaymentStatus.PROCESSING):
        raise ServiceError(_("This payment is no longer waiting for confirmation."))
    if amount_received <= 0:
        raise ServiceError(_("Enter the amount that arrived."), field="amount_received")
    return locked


def _transfer_received(
    locked: Payment, *, actor: User, amount_received: Decimal, reference: str, meta: RequestMeta
) -> Payment:
    if reference.strip():
        locked.provider_reference = reference.strip()[:100]
        locked.save(update_fields=["provider_reference", "updated_at"])
    _payment_audit(
        locked,
        actor=actor,
        action="payment.confirmed_by_hand",
        meta=meta,
        data={"amount_received": str(amount_received)},
    )
    result = ProviderResult(
        status=PaymentStatus.SUCCEEDED,
        reference=locked.provider_reference,
        amount_received=amount_received,
        currency_received=locked.currency,
    )
    return payment_apply_result(payment=locked, result=result, source="administrator", meta=meta)


@transaction.atomic
def manual_payment_reject(*, payment: Payment, actor: User, reason: str, meta: RequestMeta = SYSTEM) -> Payment:
    """Nothing arrived for a declared transfer: it fails, and the fee is due again."""
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.provider != "manual" or locked.status not in (PaymentStatus.PENDING, PaymentStatus.PROCESSING):
        raise ServiceError(_("This payment is no longer waiting for confirmation."))
    if not reason.strip():
        raise ServiceError(_("Give the reason."), field="reason")
    result = ProviderResult(status=PaymentStatus.FAILED, failure_message=reason.strip()[:300])
    _payment_audit(locked, actor=actor, action="payment.rejected_by_hand", meta=meta, data={"reason": reason.strip()})
    return payment_apply_result(payment=locked, result=result, source="administrator", meta=meta)


@transaction.atomic
def payment_refund(
    *, payment: Payment, actor: User, amount: Decimal, reason: str, reference: str = "", meta: RequestMeta = SYSTEM
) -> Refund:
    """Return some or all of a payment, with a reason, through its provider.

    The payment row stays locked while the provider is asked (refunds are rare and made by staff): a
    refused or unreachable provider rolls everything back, so nothing says "refunded" that was not.
    """
    locked = Payment.objects.select_for_update(of=LOCK_PAYMENT).select_related("charge__case").get(pk=payment.pk)
    return _refund(locked, actor=actor, amount=amount, reason=reason, reference=reference, meta=meta)


def _refund(
    locked: Payment, *, actor: User | None, amount: Decimal, reason: str, reference: str = "", meta: RequestMeta
) -> Refund:
    """``payment_refund`` of a payment already locked in the caller's transaction; no actor: automatic."""
    if not reason.strip():
        raise ServiceError(_("Give the reason for the refund."), field="reason")
    if amount <= 0 or not in_cents(amount):
        raise ServiceError(_("Enter an amount in HK$ above zero."), field="amount")
    if amount > locked.refundable:
        raise ServiceError(
            _("At most %(amount)s of this payment can be refunded.") % {"amount": format_hkd(locked.refundable)},
            field="amount",
        )
    refund = Refund.objects.create(
        payment=locked,
        amount=amount,
        reason=reason.strip()[:300],
        provider_reference=reference.strip(),
        created_by=actor,
    )
    try:
        refund.provider_reference = get_provider(locked.provider).refund(payment=locked, refund=refund)[:100]
    except ProviderError as exc:
        raise ServiceError(exc.message) from None
    refund.save(update_fields=["provider_reference"])
    _record_refunded(locked, amount)
    _payment_audit(
        locked,
        actor=actor,
        action="payment.refunded",
        meta=meta,
        data={
            "refund": str(refund.public_id),
            "amount": str(amount),
            "reason": refund.reason,
            "reference": refund.provider_reference,
        },
    )
    _receipt_on_commit(locked, refund_id=refund.pk)
    return refund


@transaction.atomic
def payment_refund_reconcile(
    *, payment: Payment, refunded_total: Decimal, reference: str, meta: RequestMeta = SYSTEM
) -> Refund | None:
    """The provider reports more refunded than we recorded (e.g. a refund made in Stripe's dashboard):
    record the difference, so our books match the provider's."""
    locked = Payment.objects.select_for_update(of=LOCK_PAYMENT).select_related("charge__case").get(pk=payment.pk)
    missing = refunded_total - locked.amount_refunded
    if missing <= 0 or locked.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.PARTLY_REFUNDED):
        return None
    refund = Refund.objects.create(
        payment=locked,
        amount=min(missing, locked.refundable),
        reason=_("Refunded outside the platform, at the payment provider"),
        provider_reference=reference[:100],
    )
    _record_refunded(locked, refund.amount)
    _payment_audit(
        locked,
        actor=None,
        action="payment.refunded",
        meta=meta,
        data={"refund": str(refund.public_id), "amount": str(refund.amount)},
    )
    _receipt_on_commit(locked, refund_id=refund.pk)
    return refund


def _record_refunded(payment: Payment, amount: Decimal) -> None:
    payment.amount_refunded += amount
    payment.status = PaymentStatus.REFUNDED if payment.refundable <= 0 else PaymentStatus.PARTLY_REFUNDED
    payment.save(update_fields=["amount_refunded", "status", "updated_at"])
    charge = payment.charge
    still_paid = charge.payments.filter(status__in=(PaymentStatus.SUCCEEDED, PaymentStatus.PARTLY_REFUNDED)).exists()
    if payment.status == PaymentStatus.REFUNDED and charge.status == ChargeStatus.PAID and not still_paid:
        charge.status = ChargeStatus.REFUNDED
        charge.save(update_fields=["status"])


def _receipt_on_commit(payment: Payment, *, refund_id: int | None = None) -> None:
    """Queue the receipt in this transaction: the task row commits with the payment or not at all. A receipt
    is a sealed document of the case (documents' IssuedDocument belongs to a case), so a subject's fee gets
    none: its payment's own page and the reconciliation record it (docs/architecture.md)."""
    if payment.charge.case_id is None:
        return
    issue_receipt_task.enqueue(payment_id=payment.pk, refund_id=refund_id)


@task()
def issue_receipt_task(*, payment_id: int, refund_id: int | None = None) -> str:
    return issue_receipt(payment_id=payment_id, refund_id=refund_id).verification_reference
