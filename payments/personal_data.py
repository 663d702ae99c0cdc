"""What the payments app holds about a person: the payments they made. Payment records are kept after
an erasure (the centre must keep its accounts); they point at the pseudonymous account."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from cases.hooks import PersonalDataSource
from payments.models import Payment, PaymentStatus


def _export(user: User) -> list[dict[str, Any]]:
    return [
        {
            "case": payment.charge.record_reference,
            "fee": payment.charge.kind,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "provider": payment.provider,
            "reference": payment.provider_reference,
            "status": payment.status,
            "made_at": payment.created_at.isoformat(),
        }
        for payment in Payment.objects.filter(created_by=user).select_related("charge__case")
    ]


def _blockers(user: User) -> list[str]:
    unfinished = Payment.objects.filter(
        created_by=user, status__in=(PaymentStatus.PENDING, PaymentStatus.PROCESSING)
    ).exists()
    return [_("A payment you made is still being processed.")] if unfinished else []


PAYMENTS_PERSONAL_DATA = PersonalDataSource(name="payments", export=_export, blockers=_blockers)
