"""Reads for payment pages, with a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from cases.models import Case
from cases.roles import PARTY_ROLES, Role, Roles
from documents.access import visible_documents
from documents.models import IssuedDocument, IssuedKind
from payments.models import Charge, ChargeStatus, Payment, PaymentStatus, Refund


@dataclass(frozen=True, slots=True)
class RefundView:
    refund: Refund
    receipt: IssuedDocument | None


@dataclass(frozen=True, slots=True)
class PaymentView:
    payment: Payment
    receipt: IssuedDocument | None
    refunds: list[RefundView]


@dataclass(slots=True)
class ChargeView:
    charge: Charge
    payments: list[PaymentView]
    can_pay: bool


@dataclass(slots=True)
class CaseFees:
    charges: list[ChargeView] = field(default_factory=list)
    is_administrator: bool = False

    @property
    def owed(self) -> Decimal:
        return sum((c.charge.amount_due for c in self.charges if c.can_pay), Decimal("0"))


def fees_for_case(case: Case, roles: Roles) -> CaseFees | None:
    is_admin = Role.ADMINISTRATOR in roles
    party_roles = roles & PARTY_ROLES
    if not (is_admin or party_roles):
        return None
    charges = (
        Charge.objects.filter(case=case)
        .exclude(status=ChargeStatus.CANCELLED)
        .select_related("party__organisation", "schedule")
        .prefetch_related(Prefetch("payments", queryset=Payment.objects.prefetch_related("refunds")))
        .order_by("created_at", "pk")
    )
    if not is_admin:
        charges = charges.filter(party__role__in=party_roles)
    charges_list = list(charges)
    if not charges_list:
        return None
    issued = IssuedDocument.objects.filter(
        case=case, kind__in=(IssuedKind.FEE_RECEIPT, IssuedKind.REFUND_RECEIPT)
    ).only("pk", "case_id", "subject", "verification_reference", "kind", "status", "pdf")
    receipts = {doc.subject: doc for doc in visible_documents(issued, roles)}
    views = []
    for charge in charges_list:
        payments = list(charge.payments.all())
        views.append(
            ChargeView(
                charge=charge,
                payments=[
                    PaymentView(
                        payment=p,
                        receipt=receipts.get(f"payment:{p.public_id}"),
                        refunds=[RefundView(r, receipts.get(f"refund:{r.public_id}")) for r in p.refunds.all()],
                    )
                    for p in payments
                ],
                can_pay=charge.status == ChargeStatus.DUE
                and charge.party is not None
                and charge.party.role in party_roles
                and not any(p.status == PaymentStatus.PROCESSING for p in payments),
            )
        )
    return CaseFees(charges=views, is_administrator=is_admin)


def charges_to_apply_a_transfer_to(payment: Payment) -> list[Charge]:
    """Where a transfer that arrived for a settled fee may go instead: the other fees the same party still
    owes on the case, or the same business on the same subject (the service accepts one only for the
    amount that arrived)."""
    charge = payment.charge
    same_owner: dict[str, object] = {
        "case_id": charge.case_id,  # None for a subject's fee: IS NULL
        "party_id": charge.party_id,
        "subject": charge.subject,
        "organisation_id": charge.organisation_id,
    }
    return list(
        Charge.objects.filter(status=ChargeStatus.DUE, **same_owner)
        .exclude(pk=payment.charge_id)
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True, slots=True)
class PaymentFilters:
    status: str = ""
    provider: str = ""
    mismatch_only: bool = False
    duplicate_only: bool = False
    since: date | None = None
    until: date | None = None
    search: str = ""


def payments_for_reconciliation(filters: PaymentFilters) -> QuerySet[Payment]:
    payments = Payment.objects.select_related("charge__case", "charge__organisation").order_by("-created_at", "-pk")
    if filters.status:
        payments = payments.filter(status=filters.status)
    if filters.provider:
        payments = payments.filter(provider=filters.provider)
    if filters.mismatch_only:
        payments = payments.filter(mismatch=True)
    if filters.duplicate_only:
        payments = payments.filter(duplicate=True)
    if filters.since:
        payments = payments.filter(created_at__date__gte=filters.since)
    if filters.until:
        payments = payments.filter(created_at__date__lte=filters.until)
    if filters.search.strip():
        term = filters.search.strip()
        payments = payments.filter(
            Q(charge__case__reference__icontains=term)
            | Q(charge__subject_reference__icontains=term)
            | Q(provider_reference__icontains=term)
            | Q(charge__organisation__name__icontains=term)
        )
    return payments
