"""What the platform holds about a person (for their export) and what stops their account being erased."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.access import is_case_administrator
from cases.hooks import personal_data_sources
from cases.models import (
    OPEN_STATUSES,
    AuditEntry,
    CaseAssignment,
    CaseParty,
    DocumentVersion,
    Membership,
    UserPreference,
)
from cases.models.compliance import Obligation, ObligationStatus


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def personal_data_of(user: User) -> dict[str, Any]:
    """Everything about ``user`` as JSON-ready data: the account, the businesses and cases they act in,
    what they uploaded, what they did (the audit trail), and each app's own part (what they wrote, offered and
    bid in the negotiation room is the negotiation app's)."""
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "account": _account(user),
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user)
        ],
        "two_factor": [
            {"type": a.type, "created_at": _when(a.created_at)} for a in Authenticator.objects.filter(user=user)
        ],
        "businesses": [
            {"name": m.organisation.name, "br_number": m.organisation.br_number, "since": _when(m.created_at)}
            for m in Membership.objects.filter(user=user).select_related("organisation")
        ],
        "cases": _cases(user),
        "documents_uploaded": [
            {
                "case": v.document.case.reference,
                "title": v.document.title,
                "file_name": v.original_filename,
                "sha256": v.sha256,
                "uploaded_at": _when(v.uploaded_at),
            }
            for v in DocumentVersion.objects.filter(uploaded_by=user).select_related("document__case")
        ],
        "actions": [
            {
                "case": e.case.reference if e.case else None,
                "action": e.action,
                "at": _when(e.created_at),
                "ip_address": e.ip_address,
            }
            for e in AuditEntry.objects.filter(actor=user).select_related("case")
        ],
    }
    for source in personal_data_sources():
        data[source.name] = source.export(user)
    return data


def _account(user: User) -> dict[str, Any]:
    preference = UserPreference.objects.filter(user=user).first()
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": _when(user.date_joined),
        "last_login": _when(user.last_login),
        "language": preference.language if preference else None,
    }


def _cases(user: User) -> list[dict[str, Any]]:
    """The cases the person acts in for a business, then those they serve on as a neutral."""
    parties = CaseParty.objects.filter(user=user).select_related("case", "organisation")
    return [
        {
            "reference": p.case.reference,
            "role": p.role,
            "business": p.organisation.name,
            "documents_language": p.language,
            "status": p.case.status,
            "filed_at": _when(p.case.filed_at),
        }
        for p in parties
    ] + [
        {"reference": a.case.reference, "role": a.role, "status": a.case.status}
        for a in CaseAssignment.objects.filter(user=user).select_related("case")
    ]


def erasure_blockers(user: User) -> list[str]:
    """Why ``user``'s account cannot be erased now; empty when it can. Cases must be over first: while a
    case runs, the other side, the neutral and the centre need to reach the person acting in it."""
    if is_case_administrator(user) or user.is_staff:
        return [_("A case administrator's account is closed by the centre, not from this page.")]
    reasons = []
    for party in CaseParty.objects.filter(user=user, case__status__in=OPEN_STATUSES).select_related("case"):
        reasons.append(_("Case %(reference)s is still open.") % {"reference": party.case.reference})
    for assignment in CaseAssignment.objects.filter(
        user=user, case__status__in=OPEN_STATUSES, active=True
    ).select_related("case"):
        reasons.append(_("You are still a neutral on case %(reference)s.") % {"reference": assignment.case.reference})
    open_obligations = Obligation.objects.filter(
        Q(case__parties__user=user), ~Q(status=ObligationStatus.CONFIRMED)
    ).select_related("case")
    for obligation in open_obligations.distinct():
        reasons.append(
            _("A payment under the outcome of case %(reference)s is not yet confirmed.")
            % {"reference": obligation.case.reference}
        )
    for source in personal_data_sources():
        if source.blockers is not None:
            reasons.extend(source.blockers(user))
    return reasons
