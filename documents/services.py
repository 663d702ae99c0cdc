"""Writes of the documents app: draft, revise, sign, render and execute (seal) agreements."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.lifecycle import Action, case_transition
from cases.models import Case, CaseSettlement, CaseStatus, NeutralRole, PartyRole, SettlementSource
from cases.money import hkd_in_words_en, hkd_in_words_zh
from cases.notifications import queue_email
from cases.realtime import broadcast_document_changed
from cases.services import ServiceError
from documents.files import store_pdf
from documents.models import DocumentSignature, IssuedDocument, IssuedKind, IssuedStatus
from documents.rendering import MissingGlyphs, RenderedDocument, document_language, renderer
from documents.sealing import seal_pdf

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_TERMS = 20000
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Signer:
    role: str
    organisation_name: str


PARTY_SIGNERS = frozenset({PartyRole.CLAIMANT.value, PartyRole.RESPONDENT.value})


@dataclass(frozen=True, slots=True)
class AgreementKind:
    """What differs between the documents signed on the platform: the template, when a draft may be made,
    who signs it, and what executing it does to the case.

    Agreements are signed by both parties. Other apps register kinds of their own (the arbitrator's
    declaration of independence, the award) with ``register_document_kind``: ``signer_of`` then says
    who may sign, ``extra_context`` adds what their template shows, and ``on_executed`` runs in the
    transaction that stores the sealed copy.
    """

    template: str
    slug: str
    drafting_status: CaseStatus
    settles_case: bool
    signer_roles: frozenset[str] = PARTY_SIGNERS
    signer_of: Callable[[Case, User], Signer | None] | None = None
    extra_context: Callable[[IssuedDocument], dict[str, object]] | None = None
    on_executed: Callable[[IssuedDocument], None] | None = None
    executed_email: str | None = "agreement_executed"
    # Whether the parties see what happens to it before it is issued (not the arbitrator's award).
    drafts_visible_to_parties: bool = True


AGREEMENTS: dict[str, AgreementKind] = {
    IssuedKind.SETTLEMENT_AGREEMENT: AgreementKind(
        "documents/pdf/settlement_agreement.html", "settlement-agreement", CaseStatus.SETTLEMENT, settles_case=True
    ),
    IssuedKind.AGREEMENT_TO_MEDIATE: AgreementKind(
        "documents/pdf/agreement_to_mediate.html", "agreement-to-mediate", CaseStatus.MEDIATION, settles_case=False
    ),
}


def register_document_kind(kind: str, spec: AgreementKind) -> None:
    AGREEMENTS[kind] = spec


def _tell_open_pages(document: IssuedDocument) -> None:
    """After the commit, the parties' open agreement pages update themselves. Only for what the parties sign:
    the arbitrator's drafts are nobody else's business, not even that they changed."""
    if AGREEMENTS[document.kind].signer_of is None:
        broadcast_document_changed(document.case_id, document.kind)


def settlement_agreement_start(case: Case, settlement: CaseSettlement) -> None:
    """Hook: the parties agreed terms (cases.hooks), so draft the settlement agreement."""
    try:
        agreement_draft_create(
            case=case, amount=settlement.amount, terms=settlement.terms, pay_by=settlement.pay_by, actor=None
        )
    except ServiceError as exc:
        # The case moved on before the hook ran (e.g. closed by an administrator): nothing to draft.
        logger.warning("no settlement agreement drafted for case %s: %s", case.pk, exc.message)


def _enqueue_render(document: IssuedDocument) -> None:
    render_draft_task.enqueue(document_id=document.pk)


@transaction.atomic
def agreement_draft_create(
    *,
    case: Case,
    amount: Decimal,
    terms: str,
    actor: User | None,
    meta: RequestMeta = SYSTEM,
    kind: str = IssuedKind.SETTLEMENT_AGREEMENT,
    pay_by: date | None = None,
) -> IssuedDocument:
    """A new draft of the agreement: ``amount`` paid by ``pay_by`` (none: within the Centre's days after it is
    executed, which the agreement then says), on ``terms``."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.status != AGREEMENTS[kind].drafting_status:
        if kind == IssuedKind.SETTLEMENT_AGREEMENT:
            raise ServiceError(_("An agreement is drafted only once terms are agreed."))
        raise ServiceError(_("The agreement to mediate is drafted only while the case is in mediation."))
    # An offer may carry no wording beyond its sum; the agreement then states the payment alone.
    if kind == IssuedKind.SETTLEMENT_AGREEMENT:
        terms = terms.strip() or _("The respondent pays the settlement sum to the claimant in full settlement.")
    if len(terms) > MAX_TERMS:
        raise ServiceError(_("The terms are too long."), field="terms")
    if IssuedDocument.objects.filter(case=locked, kind=kind, status=IssuedStatus.EXECUTED).exists():
        raise ServiceError(_("This agreement has already been executed."))
    return draft_version_create(
        case=locked, kind=kind, amount=amount, terms=terms, pay_by=pay_by, actor=actor, meta=meta
    )


def draft_version_create(
    *,
    case: Case,
    kind: str,
    amount: Decimal,
    terms: str,
    actor: User | None,
    meta: RequestMeta = SYSTEM,
    subject: str = "",
    visible_to_parties: bool = True,
    pay_by: date | None = None,
) -> IssuedDocument:
    """A new draft version of a ``kind`` of document on a case locked by the caller (in its transaction);
    the earlier draft is superseded and is rendered in the background."""
    drafts = (
        IssuedDocument.objects.select_for_update().filter(case=case, kind=kind).exclude(status=IssuedStatus.EXECUTED)
    )
    version = (drafts.aggregate(v=Max("version"))["v"] or 0) + 1
    # Any signature on the earlier version stops counting: it signed other bytes.
    drafts.filter(status=IssuedStatus.DRAFT).update(status=IssuedStatus.SUPERSEDED)
    document = IssuedDocument.objects.create(
        case=case,
        kind=kind,
        version=version,
        amount=amount,
        terms=terms,
        pay_by=pay_by,
        created_by=actor,
        subject=subject,
        language=document_language(case),
    )
    log_action(
        case=case,
        actor=actor,
        action="document.drafted",
        meta=meta,
        visible_to_parties=visible_to_parties,
        data={
            "kind": kind,
            "version": version,
            "amount": f"{amount:.2f}",
            **({"pay_by": pay_by.isoformat()} if pay_by else {}),
        },
    )
    transaction.on_commit(lambda: _enqueue_render(document))
    _tell_open_pages(document)
    return document


def current_draft(case: Case, kind: str = IssuedKind.SETTLEMENT_AGREEMENT) -> IssuedDocument | None:
    return IssuedDocument.objects.filter(case=case, kind=kind, status=IssuedStatus.DRAFT).first()


def _party_role_of(case: Case, user: User) -> PartyRole | None:
    role = case.parties.filter(user=user).values_list("role", flat=True).first()
    return PartyRole(role) if role else None


def _party_signer(case: Case, user: User) -> Signer | None:
    party = case.parties.filter(user=user).select_related("organisation").first()
    return Signer(role=party.role, organisation_name=party.organisation.name) if party is not None else None


def settled_in_mediation(case: Case) -> bool:
    settlement = CaseSettlement.objects.filter(case=case).only("source").first()
    return settlement is not None and settlement.source == SettlementSource.MEDIATION


def _mediator_of(case: Case, user: User) -> bool:
    return case.assignments.filter(user=user, role=NeutralRole.MEDIATOR, active=True).exists()


def agreement_revise(*, case: Case, user: User, terms: str, meta: RequestMeta = SYSTEM) -> IssuedDocument:
    """A party (or the mediator, for a settlement reached in mediation) proposes new wording: a new
    version, which both parties must sign."""
    mediator_may = settled_in_mediation(case) and _mediator_of(case, user)
    if _party_role_of(case, user) is None and not mediator_may:
        raise ServiceError(_("Only the parties can propose changes to the agreement."))
    draft = current_draft(case)
    if draft is None:
        raise ServiceError(_("There is no draft to change."))
    if terms.strip() == draft.terms:
        raise ServiceError(_("The terms are unchanged."), field="terms")
    if set(draft.signatures.values_list("role", flat=True)) >= {PartyRole.CLAIMANT, PartyRole.RESPONDENT}:
        raise ServiceError(_("Both parties have signed this version; it is being executed and can no longer change."))
    # The wording changes; the sum and the date to pay by are the agreed terms and stay as they are.
    return agreement_draft_create(
        case=case, amount=draft.amount, terms=terms, pay_by=draft.pay_by, actor=user, meta=meta
    )


def _context(document: IssuedDocument, *, signatures: list[DocumentSignature] | None = None) -> dict[str, object]:
    case = document.case
    parties = {p.role: p for p in case.parties.select_related("organisation", "user")}
    extra = AGREEMENTS[document.kind].extra_context
    return {
        **(extra(document) if extra is not None else {}),
        "document": document,
        "case": case,
        "claimant": parties.get(PartyRole.CLAIMANT),
        "respondent": parties.get(PartyRole.RESPONDENT),
        "amount_words_en": hkd_in_words_en(document.amount),
        "amount_words_zh": hkd_in_words_zh(document.amount),
        "payment_days": settings.ODR_SETTLEMENT_PAYMENT_DAYS,
        "signatures": signatures or [],
        "executed": signatures is not None,
        "generated_at": timezone.now(),
    }


def render_document(
    *,
    document: IssuedDocument,
    template: str,
    context: dict[str, object],
    filename: str,
    visible_to_parties: bool = True,
) -> RenderedDocument:
    """``document``'s PDF, in its language. A document the server's fonts cannot show is refused before
    anything is stored or sealed: the refusal is audited on the case (committed on its own, so it stays on
    record while the caller issues nothing), logged for the staff, and raised as a ServiceError."""
    try:
        return renderer.render(template=template, context=context, filename=filename, language=document.language)
    except MissingGlyphs as exc:
        with transaction.atomic():
            log_action(
                case=document.case,
                actor=None,
                action="document.refused",
                visible_to_parties=visible_to_parties,
                data={"kind": document.kind, "characters": "".join(exc.characters)},
            )
        logger.error("%s for case %s not produced: %s", document.kind, document.case_id, exc)
        raise ServiceError(exc.message) from exc


def render_draft(*, document_id: int) -> IssuedDocument:
    """Task body: render a draft's PDF once (the bytes the parties review and sign)."""
    document = IssuedDocument.objects.select_related("case").get(pk=document_id)
    if document.sha256:
        return document
    spec = AGREEMENTS[document.kind]
    rendered = render_document(
        document=document,
        template=spec.template,
        context=_context(document),
        filename=f"{document.case.reference}-{spec.slug}-v{document.version}-draft.pdf",
        visible_to_parties=spec.drafts_visible_to_parties,
    )
    with transaction.atomic():
        locked = IssuedDocument.objects.select_for_update().get(pk=document_id)
        if locked.sha256:
            return locked  # another worker finished first
        locked.sha256 = hashlib.sha256(rendered.content).hexdigest()
        locked.pages = rendered.pages
        store_pdf(
            locked.pdf,
            rendered.filename,
            rendered.content,
            lambda: locked.save(update_fields=["pdf", "sha256", "pages"]),
        )
        _tell_open_pages(locked)
    return locked


TWO_FACTOR_CODE_MISSING = gettext_lazy("Enter your two-factor code.")
SIGNING_ATTEMPTS = 5
SIGNING_WINDOW_SECONDS = 15 * 60


def check_reauthentication(user: User, password: str, totp_code: str) -> None:
    """Signing asks for the password again (and the two-factor code where the account has one)."""
    key = f"signing-failures:{user.pk}"
    if cache.get(key, 0) >= SIGNING_ATTEMPTS:
        raise ServiceError(_("Too many wrong attempts. Wait 15 minutes before signing again."), field="password")
    if not user.check_password(password):
        cache.add(key, 0, SIGNING_WINDOW_SECONDS)
        cache.incr(key)
        raise ServiceError(_("The password is not correct."), field="password")
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is not None and not totp_code.strip():
        raise ServiceError(str(TWO_FACTOR_CODE_MISSING), field="totp_code")
    if authenticator is not None and not TOTP(authenticator).validate_code(totp_code.strip()):
        raise ServiceError(_("The two-factor code is not correct."), field="totp_code")


@transaction.atomic
def agreement_sign(
    *,
    document: IssuedDocument,
    user: User,
    password: str,
    full_name: str,
    consent: bool,
    totp_code: str = "",
    meta: RequestMeta = SYSTEM,
) -> DocumentSignature:
    locked = IssuedDocument.objects.select_for_update().select_related("case").get(pk=document.pk)
    case = locked.case
    spec = AGREEMENTS[locked.kind]
    signer = spec.signer_of(case, user) if spec.signer_of is not None else _party_signer(case, user)
    if signer is None:
        if spec.signer_of is not None:
            raise ServiceError(_("You are not the person who signs this document."))
        raise ServiceError(_("Only the parties sign this agreement."))
    if locked.status == IssuedStatus.SUPERSEDED:
        raise ServiceError(_("This version has been replaced by a newer one. Review and sign the latest version."))
    if locked.status != IssuedStatus.DRAFT:
        raise ServiceError(_("This agreement is already executed."))
    if not locked.sha256:
        raise ServiceError(_("The document is still being prepared. Try again in a moment."))
    if locked.signatures.filter(user=user).exists():
        raise ServiceError(_("You have already signed this version."))
    if not consent:
        raise ServiceError(_("Tick the box to confirm that you sign this version."), field="consent")
    if not full_name.strip():
        raise ServiceError(_("Type your full name."), field="full_name")
    check_reauthentication(user, password, totp_code)
    signature = DocumentSignature.objects.create(
        document=locked,
        user=user,
        organisation_name=signer.organisation_name,
        role=signer.role,
        full_name=full_name.strip()[:200],
        pdf_sha256=locked.sha256,
        ip_address=meta.ip_address,
        user_agent=meta.user_agent,
    )
    log_action(
        case=case,
        actor=user,
        action="document.signed",
        meta=meta,
        data={"version": locked.version, "sha256": locked.sha256, "name": signature.full_name},
    )
    _tell_open_pages(locked)
    signed_roles = set(locked.signatures.values_list("role", flat=True))
    if signed_roles >= spec.signer_roles:
        transaction.on_commit(lambda: execute_agreement_task.enqueue(document_id=locked.pk))
    return signature


def _executed_copy(draft: IssuedDocument) -> IssuedDocument:
    """The executed copy of ``draft``, not yet saved. It is its own record: the verification reference
    printed on it is its own."""
    return IssuedDocument(
        case=draft.case,
        kind=draft.kind,
        version=draft.version,
        status=IssuedStatus.EXECUTED,
        amount=draft.amount,
        terms=draft.terms,
        pay_by=draft.pay_by,
        language=draft.language,
        subject=draft.subject,
        executed_from=draft,
    )


def _record_execution(*, draft: IssuedDocument, locked: IssuedDocument, executed: IssuedDocument) -> None:
    """Save the executed copy, mark the locked draft signed, audit it, do what executing this kind does to
    the case, and queue the parties' email. Runs as ``store_pdf``'s save, in ``execute_agreement``'s
    transaction, so a failure here removes the sealed file and leaves the draft as it was."""
    spec = AGREEMENTS[draft.kind]
    executed.save()
    locked.status = IssuedStatus.SIGNED
    locked.save(update_fields=["status"])
    log_action(
        case=draft.case,
        actor=None,
        action="document.executed",
        data={
            "version": draft.version,
            "sha256": executed.sha256,
            "reference": executed.verification_reference,
        },
    )
    if spec.settles_case:
        case_transition(case=draft.case, action=Action.SETTLE, actor=None, data={"document": executed.pk})
    if spec.on_executed is not None:
        spec.on_executed(executed)
    _tell_open_pages(executed)
    if spec.executed_email:
        emails = [p.user.email for p in draft.case.parties.select_related("user")]
        queue_email(to=emails, template=spec.executed_email, context={"case": draft.case, "document": executed})


def execute_agreement(*, document_id: int) -> IssuedDocument:
    """Task body: the signed draft plus a signature page, sealed; the case closes as settled. Once only."""
    draft = IssuedDocument.objects.select_related("case").get(pk=document_id)
    existing = IssuedDocument.objects.filter(executed_from=draft).first()
    if existing is not None:
        return existing
    signatures = list(draft.signatures.all())
    executed = _executed_copy(draft)
    spec = AGREEMENTS[draft.kind]
    rendered = render_document(
        document=executed,
        template=spec.template,
        context=_context(executed, signatures=signatures),
        filename=f"{draft.case.reference}-{spec.slug}-executed.pdf",
        visible_to_parties=spec.drafts_visible_to_parties,
    )
    sealed = seal_pdf(rendered.content, reason=f"{draft.get_kind_display()} {draft.case.reference} executed")
    try:
        with transaction.atomic():
            locked = IssuedDocument.objects.select_for_update().get(pk=draft.pk)
            if locked.status != IssuedStatus.DRAFT:
                raise ServiceError(_("This draft can no longer be executed."))
            executed.sha256 = hashlib.sha256(sealed).hexdigest()
            executed.pages = rendered.pages
            store_pdf(
                executed.pdf,
                rendered.filename,
                sealed,
                lambda: _record_execution(draft=draft, locked=locked, executed=executed),
            )
    except IntegrityError:
        # A second worker ran the same job: keep the one result there is (its own file is already gone).
        return IssuedDocument.objects.get(executed_from=draft)
    return executed


def odr_agreement_start(case: Case) -> None:
    """Hook: both parties accepted the ODR terms; issue the sealed ODR agreement in the background."""
    issue_odr_agreement_task.enqueue(case_id=case.pk)


def issue_odr_agreement(*, case_id: int) -> IssuedDocument:
    """Task body: the ODR agreement with both parties' acceptance records, sealed. Once only."""
    case = Case.objects.get(pk=case_id)
    kind = IssuedKind.ODR_AGREEMENT
    existing = IssuedDocument.objects.filter(case=case, kind=kind, status=IssuedStatus.EXECUTED).first()
    if existing is not None:
        return existing
    document = IssuedDocument(
        case=case,
        kind=kind,
        version=1,
        status=IssuedStatus.EXECUTED,
        amount=case.amount_claimed or Decimal("0"),
        terms="",
        language=document_language(case),
    )
    parties = list(case.parties.select_related("organisation", "user").order_by("role"))
    rendered = render_document(
        document=document,
        template="documents/pdf/odr_agreement.html",
        context={"document": document, "case": case, "parties": parties},
        filename=f"{case.reference}-odr-agreement.pdf",
    )
    stored = issue_sealed(document, rendered, reason=f"ODR agreement {case.reference}")
    return stored or IssuedDocument.objects.get(case=case, kind=kind, status=IssuedStatus.EXECUTED)


def issue_sealed(
    document: IssuedDocument, rendered: RenderedDocument, *, reason: str, visible_to_parties: bool = True
) -> IssuedDocument | None:
    """Seal ``rendered``, store it as ``document`` and audit the issue; None when another run of the same
    job stored the same document first, whose copy then stands. Runs take turns on the case's row, so a
    run that died after writing its file leaves nothing the next one does not replace."""
    sealed = seal_pdf(rendered.content, reason=reason)
    document.sha256 = hashlib.sha256(sealed).hexdigest()
    document.pages = rendered.pages

    def save() -> None:
        document.save()
        log_action(
            case=document.case,
            actor=None,
            action="document.issued",
            visible_to_parties=visible_to_parties,
            data={
                "kind": document.kind,
                "subject": document.subject,
                "sha256": document.sha256,
                "reference": document.verification_reference,
            },
        )

    try:
        with transaction.atomic():
            Case.objects.select_for_update().only("pk").get(pk=document.case_id)
            issued = IssuedDocument.objects.filter(
                case_id=document.case_id, kind=document.kind, subject=document.subject, status=IssuedStatus.EXECUTED
            )
            if issued.exists():
                return None
            store_pdf(document.pdf, rendered.filename, sealed, save)
    except IntegrityError:
        return None  # the uniqueness constraint's word for the same (its own file is already gone)
    return document


# The same services, run by the task worker: queued in a service's transaction, so they run if it commits.
@task()
def render_draft_task(*, document_id: int) -> str:
    return render_draft(document_id=document_id).sha256


@task()
def execute_agreement_task(*, document_id: int) -> str:
    return execute_agreement(document_id=document_id).sha256


@task()
def issue_odr_agreement_task(*, case_id: int) -> str:
    return issue_odr_agreement(case_id=case_id).sha256
