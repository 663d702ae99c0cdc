"""Signing the contract, as settlement agreements are signed: once the text is locked its PDF is rendered in
the background; each side signs the SHA-256 of those exact bytes after re-entering its password (and its
two-factor code where the account has one); when both have signed, the executed copy (the same text with
the signature page) is sealed and stored once, and the deal is executed.

Nothing here changes a version: from the lock on, the text is fixed (``DealVersion`` refuses an edit, and
every redline service refuses a deal that is not negotiating)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta
from cases.notifications import queue_email
from cases.services import ServiceError
from deals.audit import log_deal_action
from deals.fees import deal_may_sign
from deals.models import Deal, DealContract, DealSignature, DealStatus, Side
from deals.realtime import broadcast_deal_on_commit
from deals.services.contract import render_contract
from deals.services.obligations import deal_obligations_create
from deals.services.parties import acting_party, locked_deal, mark_other_side_awaiting
from documents.files import store_pdf
from documents.sealing import seal_pdf
from documents.services import check_reauthentication

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def contract_prepare(deal: Deal, version: int) -> DealContract:
    """The contract of a deal just locked on ``version`` (in the caller's transaction); its draft PDF is
    rendered in the background once that commits."""
    contract = DealContract.objects.create(deal=deal, version=version, language=deal.language)
    transaction.on_commit(lambda: render_contract_draft_task.enqueue(deal_id=deal.pk))
    return contract


def render_contract_draft(*, deal_id: int) -> DealContract:
    """Task body: render the locked version's PDF once (the bytes both sides review and sign)."""
    contract = DealContract.objects.select_related("deal__template").get(deal_id=deal_id)
    if contract.draft_ready:
        return contract
    rendered = render_contract(contract)
    with transaction.atomic():
        locked = DealContract.objects.select_for_update().select_related("deal").get(pk=contract.pk)
        if locked.draft_ready:
            return locked  # another worker finished first
        locked.draft_sha256 = hashlib.sha256(rendered.content).hexdigest()
        locked.draft_pages = rendered.pages

        def save() -> None:
            locked.save(update_fields=["draft_pdf", "draft_sha256", "draft_pages"])
            log_deal_action(
                deal=locked.deal,
                action="deal.contract_prepared",
                actor=None,
                data={"version": locked.version, "sha256": locked.draft_sha256},
            )
            broadcast_deal_on_commit(locked.deal_id, "contract")

        store_pdf(locked.draft_pdf, rendered.filename, rendered.content, save)
    return locked


def _contract_to_sign(deal: Deal) -> DealContract:
    """The contract a locked deal is signed on, once its PDF is ready; otherwise a ServiceError saying why."""
    if deal.status == DealStatus.EXECUTED:
        raise ServiceError(_("Both businesses have signed this contract; it is sealed."))
    if deal.status == DealStatus.CANCELLED:
        raise ServiceError(_("This deal was cancelled."))
    if deal.status != DealStatus.SIGNING:
        raise ServiceError(_("The text is not agreed yet: both businesses mark the same version final, then sign."))
    contract = DealContract.objects.filter(deal=deal).first()
    if contract is None or not contract.draft_ready:
        raise ServiceError(_("The contract is still being prepared. Try again in a moment."))
    return contract


@transaction.atomic
def deal_sign(
    *,
    deal: Deal,
    user: User,
    password: str,
    full_name: str,
    consent: bool,
    totp_code: str = "",
    meta: RequestMeta = SYSTEM,
) -> DealSignature:
    """``user`` signs the contract for their side: the SHA-256 of the draft PDF is recorded with their name.
    When the other side has signed too, the contract is executed in the background after the commit."""
    locked = locked_deal(deal)
    party = acting_party(locked, user)
    contract = _contract_to_sign(locked)
    if DealSignature.objects.filter(deal=locked, side=party.side).exists():
        raise ServiceError(_("Your business has already signed this contract."))
    if (unpaid := deal_may_sign(locked, party.side)) is not None:
        raise ServiceError(unpaid)  # the deal-making fee, due since the text was locked, comes first
    if not consent:
        raise ServiceError(_("Tick the box to confirm that you sign this version."), field="consent")
    if not full_name.strip():
        raise ServiceError(_("Type your full name."), field="full_name")
    check_reauthentication(user, password, totp_code)
    signature = DealSignature.objects.create(
        deal=locked,
        user=user,
        side=party.side,
        organisation_name=party.organisation.name,
        full_name=full_name.strip()[:200],
        pdf_sha256=contract.draft_sha256,
        ip_address=meta.ip_address,
        user_agent=meta.user_agent,
    )
    log_deal_action(
        deal=locked,
        action="deal.signed",
        actor=user,
        meta=meta,
        data={"version": contract.version, "sha256": contract.draft_sha256, "name": signature.full_name},
    )
    broadcast_deal_on_commit(locked.pk, "signatures")
    if DealSignature.objects.filter(deal=locked).count() == len(Side):
        transaction.on_commit(lambda: execute_contract_task.enqueue(deal_id=locked.pk))
    else:
        mark_other_side_awaiting(locked, party.side)
    return signature


def _record_execution(deal: Deal, contract: DealContract) -> None:
    """Save the executed copy and the deal's new status and obligations, audit it, tell the open pages and
    queue both businesses' email. Runs as ``store_pdf``'s save, in ``execute_contract``'s transaction, so a
    failure here removes the sealed file and leaves the deal as it was."""
    contract.executed_at = timezone.now()
    contract.save(update_fields=["executed_pdf", "executed_sha256", "executed_pages", "executed_at"])
    deal.status = DealStatus.EXECUTED
    deal.executed_at = contract.executed_at
    deal.save(update_fields=["status", "executed_at", "updated_at"])
    deal_obligations_create(deal=deal)  # what the signed text obliges each side to do, by when
    log_deal_action(
        deal=deal,
        action="deal.executed",
        actor=None,
        data={
            "version": contract.version,
            "sha256": contract.executed_sha256,
            "reference": contract.verification_reference,
        },
    )
    broadcast_deal_on_commit(deal.pk, "status")
    emails = [party.user.email for party in deal.parties.select_related("user")]
    queue_email(to=emails, template="deal_executed", context={"deal": deal, "contract": contract})


def execute_contract(*, deal_id: int) -> DealContract:
    """Task body: the signed contract with its signature page, sealed and stored; the deal is executed.
    Once only: runs take turns on the deal's row, and a run that finds the copy made returns it."""
    contract = DealContract.objects.select_related("deal__template").get(deal_id=deal_id)
    if contract.executed:
        return contract
    signatures = list(DealSignature.objects.filter(deal_id=deal_id))
    if {signature.side for signature in signatures} != set(Side.values):
        raise ServiceError(_("Both businesses must sign before the contract is executed."))
    rendered = render_contract(contract, signatures)
    sealed = seal_pdf(rendered.content, reason=f"Contract {contract.deal.reference} executed")
    with transaction.atomic():
        deal = Deal.objects.select_for_update().get(pk=deal_id)
        locked = DealContract.objects.select_related("deal").get(pk=contract.pk)
        if locked.executed:
            return locked  # another worker finished first
        locked.executed_sha256 = hashlib.sha256(sealed).hexdigest()
        locked.executed_pages = rendered.pages
        store_pdf(locked.executed_pdf, rendered.filename, sealed, lambda: _record_execution(deal, locked))
    return locked


# The same services, run by the task worker: queued after the commit of the service that asks for them.
@task()
def render_contract_draft_task(*, deal_id: int) -> str:
    return render_contract_draft(deal_id=deal_id).draft_sha256


@task()
def execute_contract_task(*, deal_id: int) -> str:
    return execute_contract(deal_id=deal_id).executed_sha256
