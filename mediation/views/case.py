"""The case's mediation page: ranking, appointment, times, the video session, notes and the outcome.

One GET page and one POST endpoint per action; each action is a form plus a service call, and a
refused form re-renders the page with its messages (status 400), keeping what was typed.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.access import AuthenticatedRequest, case_view
from cases.audit import RequestMeta
from cases.models import Case, CaseStatus
from cases.roles import Role
from cases.services import ServiceError
from cases.views.actions import Step, ranked_ids, run_step
from mediation.forms import AppointForm, NoteForm, OutcomeForm, ProposeSlotsForm, ReasonForm
from mediation.models import MediationSession, MediatorProfile
from mediation.selectors import mediation_overview
from mediation.services import appointment as appointments
from mediation.services import sessions


def _render(
    request: AuthenticatedRequest, case: Case, roles: frozenset[Role], *, status: int = 200, **forms_: Any
) -> HttpResponse:
    overview = mediation_overview(case, roles)
    context: dict[str, Any] = {
        "case": case,
        "overview": overview,
        "appoint_form": forms_.get("appoint") or AppointForm(eligible=overview.eligible),
        "replace_form": forms_.get("replace") or ReasonForm(),
        "propose_form": forms_.get("propose") or ProposeSlotsForm(),
        "note_form": forms_.get("note") or NoteForm(),
        "outcome_form": forms_.get("outcome") or OutcomeForm(),
        "rank_error": forms_.get("rank_error"),
    }
    return render(request, "mediation/case.html", context, status=status)


@case_view
def mediation_page(request: AuthenticatedRequest, case: Case, roles: frozenset[Role]) -> HttpResponse:
    if case.status != CaseStatus.MEDIATION and not case.mediation_sessions.exists():
        raise Http404(_("This case has no mediation."))
    return _render(request, case, roles)


def _session(case: Case, request: AuthenticatedRequest) -> MediationSession:
    return get_object_or_404(MediationSession, case=case, public_id=request.POST.get("session", ""))


def _rank(request: AuthenticatedRequest, case: Case, data: dict[str, Any], meta: RequestMeta) -> object:
    ids = ranked_ids(request, duplicate_message=_("Give each mediator a different rank."))
    return appointments.rankings_submit(case=case, user=request.user, mediator_ids=ids, meta=meta)


def _availability(request: AuthenticatedRequest, case: Case, data: dict[str, Any], meta: RequestMeta) -> object:
    chosen = {int(v) for v in request.POST.getlist("slot") if v.isdigit()}
    return sessions.availability_mark(
        session=_session(case, request), user=request.user, available_slot_ids=chosen, meta=meta
    )


def _confirm(request: AuthenticatedRequest, case: Case, data: dict[str, Any], meta: RequestMeta) -> object:
    slot = request.POST.get("slot", "")
    if not slot.isdigit():
        raise ServiceError(_("Choose one of the times."))
    return sessions.session_confirm(session=_session(case, request), user=request.user, slot_id=int(slot), meta=meta)


def _open(request: AuthenticatedRequest, case: Case, data: dict[str, Any], meta: RequestMeta) -> object:
    chosen = _session(case, request) if request.POST.get("session") else None
    return sessions.session_open(case=case, user=request.user, session=chosen, meta=meta)


MEDIATOR = frozenset({Role.MEDIATOR})
PARTIES = frozenset({Role.CLAIMANT, Role.RESPONDENT})
ADMIN = frozenset({Role.ADMINISTRATOR})

STEPS: dict[str, Step] = {
    "rank": Step(PARTIES, None, _rank, gettext_lazy("Your ranking is saved.")),
    "appoint": Step(
        ADMIN,
        lambda r, c: AppointForm(r.POST, eligible=appointments.eligible_mediators(c)),
        lambda r, c, d, m: appointments.mediator_appoint(
            case=c, actor=r.user, mediator=d["mediator"], reason=d["reason"], meta=m
        ),
        gettext_lazy("The mediator is asked to accept."),
    ),
    "replace": Step(
        ADMIN,
        lambda r, c: ReasonForm(r.POST),
        lambda r, c, d, m: appointments.mediator_replace(case=c, actor=r.user, reason=d["reason"], meta=m),
        gettext_lazy("The mediator is replaced. Appoint another."),
    ),
    "propose": Step(
        MEDIATOR,
        lambda r, c: ProposeSlotsForm(r.POST),
        lambda r, c, d, m: sessions.session_propose(case=c, user=r.user, slots=d["__form"].slots(), meta=m),
        gettext_lazy("The times are sent to the parties."),
    ),
    "availability": Step(PARTIES, None, _availability, gettext_lazy("Your availability is saved.")),
    "extension": Step(
        PARTIES,
        None,
        lambda r, c, d, m: sessions.mediation_extension_request(case=c, user=r.user, meta=m),
        gettext_lazy("Your request about the extension is recorded."),
    ),
    "confirm": Step(MEDIATOR, None, _confirm, gettext_lazy("The session is confirmed; everyone has the invitation.")),
    "open": Step(MEDIATOR, None, _open, gettext_lazy("The video room is open. The parties can join.")),
    "end": Step(
        MEDIATOR,
        None,
        lambda r, c, d, m: sessions.session_end(session=_session(c, r), user=r.user, meta=m),
        gettext_lazy("The session has ended."),
    ),
    "note": Step(
        MEDIATOR,
        lambda r, c: NoteForm(r.POST),
        lambda r, c, d, m: sessions.note_add(case=c, user=r.user, body=d["body"], meta=m),
        gettext_lazy("Note saved. Only you can see it."),
    ),
    "outcome": Step(
        MEDIATOR,
        lambda r, c: OutcomeForm(r.POST),
        lambda r, c, d, m: sessions.outcome_record(
            case=c, user=r.user, result=d["result"], amount=d["amount"], terms=d["terms"], pay_by=d["pay_by"], meta=m
        ),
        gettext_lazy("The outcome is recorded."),
    ),
}


@require_POST
@case_view
def mediation_action(request: AuthenticatedRequest, case: Case, roles: frozenset[Role], action: str) -> HttpResponse:
    refused = run_step(request, case, roles, steps=STEPS, action=action, render_page=_render)
    if refused is not None:
        return refused
    if action == "open":
        live = MediationSession.objects.filter(case=case, status="live").first()
        if live is not None:
            return redirect("mediation:room", session_id=live.public_id)
    case.refresh_from_db()
    if case.status != CaseStatus.MEDIATION:
        return redirect("cases:detail", case_id=case.public_id)
    return redirect("mediation:case", case_id=case.public_id)


__all__ = ["MediatorProfile", "mediation_action", "mediation_page"]
