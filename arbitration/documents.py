"""The arbitrator's documents, signed and sealed through the documents app: the declaration of
independence (accepting an appointment) and the award (and its corrections)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from cases.models import Case, CaseStatus, NeutralRole
from cases.models.panel import AppointmentStatus
from cases.roles import Role
from documents.models import IssuedDocument, IssuedKind
from documents.services import AgreementKind, Signer, register_document_kind

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ARBITRATOR = frozenset({Role.ARBITRATOR})


def _appointment_of(document: IssuedDocument) -> object:
    from arbitration.models import ArbitratorAppointment

    prefix, _sep, pk = document.subject.partition(":")
    if prefix != "appointment" or not pk.isdigit():
        return None
    return ArbitratorAppointment.objects.select_related("arbitrator").filter(pk=int(pk), case=document.case).first()


def _declarant(case: Case, user: User) -> Signer | None:
    """Who signs a declaration: the arbitrator it was proposed to, while the proposal stands."""
    from arbitration.models import ArbitratorAppointment

    proposal = (
        ArbitratorAppointment.objects.filter(case=case, status=AppointmentStatus.PROPOSED, arbitrator__user=user)
        .select_related("arbitrator")
        .first()
    )
    return Signer(role="arbitrator", organisation_name=proposal.arbitrator.accreditation) if proposal else None


def _the_arbitrator(case: Case, user: User) -> Signer | None:
    """Who signs an award: the case's appointed arbitrator."""
    from arbitration.models import ArbitratorProfile

    if not case.assignments.filter(user=user, role=NeutralRole.ARBITRATOR, active=True).exists():
        return None
    # The signature page and the verification page show a signatory's name with their standing: for a
    # party its business, for the arbitrator their accreditation.
    profile = ArbitratorProfile.objects.filter(user=user).first()
    return Signer(role="arbitrator", organisation_name=profile.accreditation if profile else str(_("Arbitrator")))


def _declaration_context(document: IssuedDocument) -> dict[str, object]:
    return {
        "appointment": _appointment_of(document),
        "signature_note": _("The arbitrator signed this declaration online after re-entering their password."),
    }


def _declaration_executed(document: IssuedDocument) -> None:
    from arbitration.services.appointment import declaration_executed

    appointment = _appointment_of(document)
    if appointment is not None:
        declaration_executed(appointment)  # type: ignore[arg-type]


def _award_context(document: IssuedDocument) -> dict[str, object]:
    from arbitration.selectors import award_document_context

    return award_document_context(document)


def _award_executed(document: IssuedDocument) -> None:
    from arbitration.services.award import award_executed

    award_executed(document)


def register_documents() -> None:
    register_document_kind(
        IssuedKind.DECLARATION_OF_INDEPENDENCE,
        AgreementKind(
            "arbitration/pdf/declaration.html",
            "declaration-of-independence",
            CaseStatus.ARBITRATION,
            settles_case=False,
            signer_roles=ARBITRATOR,
            signer_of=_declarant,
            extra_context=_declaration_context,
            on_executed=_declaration_executed,
            executed_email=None,
        ),
    )
    register_document_kind(
        IssuedKind.ARBITRAL_AWARD,
        AgreementKind(
            "arbitration/pdf/award.html",
            "arbitral-award",
            CaseStatus.ARBITRATION,
            settles_case=False,
            signer_roles=ARBITRATOR,
            signer_of=_the_arbitrator,
            extra_context=_award_context,
            on_executed=_award_executed,
            executed_email=None,  # the award's own notice goes to both parties when it is issued
            drafts_visible_to_parties=False,
        ),
    )
