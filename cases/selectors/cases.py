"""Reads for pages: a fixed number of queries each, whatever the size of the case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.access import cases_visible_to
from cases.audit import about_private_draft, private_draft_documents
from cases.hooks import timeline_texts
from cases.lifecycle import ACTION_LABELS, Action, allowed_actions
from cases.models import (
    AuditEntry,
    Case,
    CaseStatus,
    Document,
    DocumentVersion,
    Organisation,
    PartyRole,
    PendingStage,
)
from cases.money import format_hkd
from cases.names import display_name
from cases.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def organisations_of(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(memberships__user=user).order_by("name")


def my_cases(user: User) -> QuerySet[Case]:
    """Cases the user takes part in: as a party, or as the case's mediator or arbitrator."""
    takes_part = Q(parties__user=user) | Q(assignments__user=user, assignments__active=True)
    return (
        cases_visible_to(user)
        .filter(takes_part)
        .distinct()
        .prefetch_related("parties__organisation")
        .order_by("-updated_at")
    )


def case_documents(case: Case) -> list[Document]:
    """The case's documents as everyone on it sees them; documents attached to an arbitration submission
    not yet filed are on the submission's page, for their own side only."""
    return list(
        Document.objects.filter(case=case, withheld=False)
        .select_related("created_by")
        .prefetch_related(Prefetch("versions", queryset=DocumentVersion.objects.order_by("-number")))
    )


# How each audited action reads in a case's timeline.
_TIMELINE_TEXT = {
    "case.draft_started": lambda e: _("Claim started"),
    "case.file": lambda e: _("Claim filed as %(reference)s") % {"reference": e.data.get("reference", "")},
    "case.invite": lambda e: _("Respondent invited; waiting for a response"),
    "case.respond": lambda e: _("Respondent consented and responded; negotiation started"),
    "case.decline": lambda e: _("Respondent declined: %(reason)s") % {"reason": e.data.get("reason", "")},
    "case.withdraw": lambda e: _("Claim withdrawn: %(reason)s") % {"reason": e.data.get("reason", "")},
    "case.escalate_to_mediation": lambda e: _("Moved to mediation"),
    "case.escalate_to_arbitration": lambda e: _("Moved to arbitration"),
    "case.settle": lambda e: _("Settled"),
    "case.issue_award": lambda e: _("Award issued"),
    "case.expire": lambda e: _("Closed: the deadline passed"),
    "terms.accepted": lambda e: _("ODR terms accepted by the %(role)s") % {"role": _party_label(e.data.get("role"))},
    "invitation.sent": lambda e: _("Invitation emailed to %(email)s") % {"email": e.data.get("email", "")},
    "invitation.used": lambda e: (
        _("Invitation accepted for %(organisation)s") % {"organisation": e.data.get("organisation", "")}
    ),
    "document.uploaded": lambda e: _("Document added: %(title)s") % {"title": e.data.get("title", "")},
    "document.version_added": lambda e: (
        _("New version %(version)s of %(title)s")
        % {"version": e.data.get("version", ""), "title": e.data.get("title", "")}
    ),
    "document.removed_from_draft": lambda e: (
        _("Document removed from the draft: %(title)s") % {"title": e.data.get("title", "")}
    ),
    "document.viewed": lambda e: (
        _("Document downloaded (version %(version)s)") % {"version": e.data.get("version", "")}
    ),
    "counterclaim.answered": lambda e: _("Claimant answered the counterclaim"),
    "case.draft_updated": lambda e: _("Claim draft updated"),
    "case.agree_settlement": lambda e: (
        _("Settlement terms agreed: %(amount)s") % {"amount": format_hkd(e.data.get("amount"))}
    ),
    "case.deadline_extended": lambda e: _("Deadline extended: %(reason)s") % {"reason": e.data.get("reason", "")},
    "invitation.resent": lambda e: _("Invitation sent again to %(email)s") % {"email": e.data.get("email", "")},
    "stage.held": lambda e: (
        _("Waiting for fees before the case can %(action)s")
        % {"action": ACTION_LABELS.get(e.data.get("action", ""), e.data.get("action", ""))}
    ),
    "stage.dropped": lambda e: (
        _("No longer waiting to %(action)s")
        % {"action": ACTION_LABELS.get(e.data.get("action", ""), e.data.get("action", ""))}
    ),
}


def _party_label(role: str | None) -> str:
    return str(PartyRole(role).label).lower() if role in PartyRole.values else _("party")


@dataclass(frozen=True, slots=True)
class TimelineItem:
    entry: AuditEntry
    text: str
    who: str  # who did it, named as everywhere else (cases.names); "" for the platform itself


def _who(entry: AuditEntry) -> str:
    if entry.actor is not None and entry.actor.is_active:
        return display_name(entry.actor)
    # A closed account is named by the pseudonym its entries keep.
    return "" if entry.actor_label == "system" else entry.actor_label


def case_timeline(case: Case, roles: frozenset[Role]) -> list[TimelineItem]:
    entries = AuditEntry.objects.filter(case=case).select_related(
        "actor", "actor__mediator_profile", "actor__arbitrator_profile"
    )
    if Role.ADMINISTRATOR not in roles:
        entries = entries.filter(visible_to_parties=True)
    items = []
    texts = {**_TIMELINE_TEXT, **timeline_texts()}
    # A draft submission's documents are its author's alone; they join the timeline once it is filed.
    private_documents = private_draft_documents(case)
    for entry in entries:
        if about_private_draft(entry.data, private_documents):
            continue
        describe = texts.get(entry.action)
        text = describe(entry) if describe else _("Case record updated")
        items.append(TimelineItem(entry=entry, text=text, who=_who(entry)))
    return items


@dataclass(frozen=True, slots=True)
class NextStep:
    text: str
    url: str = ""
    label: str = ""


def _compliance_steps(case: Case, roles: frozenset[Role], detail: str) -> list[NextStep]:
    """On a closed case, what a party still owes or must confirm under the settlement or award."""
    from cases.models import Obligation, ObligationStatus

    steps = []
    for obligation in Obligation.objects.filter(case=case).exclude(status=ObligationStatus.CONFIRMED):
        amount, due = format_hkd(obligation.amount), date_format(obligation.due_by, "DATE_FORMAT")
        if Role(obligation.payer_role) in roles and obligation.status != ObligationStatus.REPORTED:
            text = _("Pay %(amount)s by %(due)s, then report the payment.") % {"amount": amount, "due": due}
            steps.append(NextStep(text, detail + "#compliance-heading", _("Report your payment")))
        elif Role(obligation.payee_role) in roles and obligation.status == ObligationStatus.REPORTED:
            text = _("The other party reports paying %(amount)s. Confirm it once the money arrives, or dispute it.")
            steps.append(NextStep(text % {"amount": amount}, detail + "#compliance-heading", _("Answer now")))
    return steps


def held_stage(case: Case) -> Action | None:
    """The stage the case waits to start behind its gates (e.g. unpaid fees), if any."""
    pending = PendingStage.objects.filter(case=case).values_list("action", flat=True).first()
    return Action(pending) if pending else None


def next_steps(case: Case, roles: frozenset[Role]) -> list[NextStep]:
    """What the person looking at the case needs to do next, in plain words."""
    steps: list[NextStep] = []
    detail = reverse("cases:detail", kwargs={"case_id": case.public_id})
    if case.status == CaseStatus.DRAFT:
        steps.append(
            NextStep(
                _("Finish and file your claim."),
                reverse("cases:file_step", kwargs={"case_id": case.public_id, "step": case.draft_step}),
                _("Continue the claim"),
            )
        )
    elif case.status == CaseStatus.AWAITING_RESPONSE:
        if Role.CLAIMANT in roles:
            steps.append(NextStep(_("Wait for the respondent to answer. We will email you when they do.")))
        if Role.ADMINISTRATOR in roles:
            steps.append(NextStep(_("The respondent has not answered yet; the case closes at the deadline.")))
    elif case.status == CaseStatus.NEGOTIATION:
        if roles & {Role.CLAIMANT, Role.RESPONDENT}:
            steps.append(
                NextStep(
                    _("Negotiate with the other party before the deadline: messages, offers or blind bids."),
                    reverse("negotiation:room", kwargs={"case_id": case.public_id}),
                    _("Open the negotiation room"),
                )
            )
        response = getattr(case, "response", None)
        if Role.CLAIMANT in roles and response and response.has_counterclaim and not response.counterclaim_answered_at:
            steps.append(NextStep(_("Answer the counterclaim."), detail + "#counterclaim", _("Answer now")))
    elif case.status == CaseStatus.SETTLEMENT:
        steps.append(
            NextStep(
                _("Terms are agreed. Review and sign the settlement agreement."),
                reverse("documents:agreement", kwargs={"case_id": case.public_id}),
                _("Open the agreement"),
            )
        )
    elif case.status == CaseStatus.MEDIATION:
        steps.append(NextStep(_("The case is in mediation. A mediator will contact both parties.")))
    elif case.status == CaseStatus.ARBITRATION:
        steps.append(NextStep(_("The case is in arbitration. Follow the arbitrator's timetable.")))
    elif case.status == CaseStatus.CLOSED:
        steps += _compliance_steps(case, roles, detail)
        if not steps:
            steps.append(NextStep(_("This case is closed. Nothing more is needed from you.")))
    pending = held_stage(case)
    if pending and case.is_open:
        steps.insert(
            0,
            NextStep(
                _("Before the case can %(action)s, the fees for it must be paid or waived.")
                % {"action": ACTION_LABELS.get(Action(pending), pending)},
                detail + "#fees-heading",
                _("See the fees"),
            ),
        )
    if Action.WITHDRAW in allowed_actions(case, roles) and Role.CLAIMANT in roles:
        steps.append(NextStep(_("You may withdraw your claim at any time."), detail + "#withdraw", _("Withdraw")))
    return steps
