"""Pages with many small actions (the mediation and arbitration pages): one POST endpoint per action,
each a form plus a service call. A refused form re-renders the page with its messages (status 400),
keeping what was typed; a refused action without a form shows its reason at the top."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from cases.access import AccessRefused, AuthenticatedRequest
from cases.audit import RequestMeta
from cases.forms import add_service_error
from cases.lifecycle import TransitionError
from cases.models import Case, RefusalReason
from cases.roles import Role
from cases.services import ServiceError

PageRenderer = Callable[..., HttpResponse]


@dataclass(frozen=True, slots=True)
class Step:
    allowed: frozenset[Role]
    form: Callable[[AuthenticatedRequest, Case], forms.Form] | None
    run: Callable[[AuthenticatedRequest, Case, dict[str, Any], RequestMeta], object]
    done: Any  # the success message


def run_step(
    request: AuthenticatedRequest,
    case: Case,
    roles: frozenset[Role],
    *,
    steps: dict[str, Step],
    action: str,
    render_page: PageRenderer,
) -> HttpResponse | None:
    """Run ``action``; None when it succeeded (the caller redirects), else the re-rendered page.

    Someone whose roles do not allow the action gets 404, as for a page they may not see."""
    step = steps.get(action)
    if step is None:
        raise Http404(_("No such action."))
    if not roles & step.allowed:
        raise AccessRefused(RefusalReason.ROLE, _("No such action."))
    meta = RequestMeta.from_request(request)
    form = step.form(request, case) if step.form else None
    if form is not None and not form.is_valid():
        return render_page(request, case, roles, status=400, **{action: form})
    data: dict[str, Any] = {**(form.cleaned_data if form is not None else {}), "__form": form}
    try:
        step.run(request, case, data, meta)
    except (ServiceError, TransitionError) as exc:
        if form is not None:
            add_service_error(form, exc.message, getattr(exc, "field", None))
            return render_page(request, case, roles, status=400, **{action: form})
        messages.error(request, exc.message)
        return render_page(request, case, roles, status=400)
    messages.success(request, step.done)
    return None


def ranked_ids(request: AuthenticatedRequest, *, duplicate_message: Any) -> list[int]:
    """A party's ranking of a panel as the ranking form posts it: rank-<profile id> = 1..n, most preferred
    first; blanks are neutrals the party does not accept."""
    ranked: list[tuple[int, int]] = []
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith("rank-") and value.strip():
            try:
                ranked.append((int(value), int(key.removeprefix("rank-"))))
            except ValueError:
                raise ServiceError(_("Ranks are whole numbers: 1 for your first choice.")) from None
    if len({rank for rank, _pk in ranked}) != len(ranked):
        raise ServiceError(str(duplicate_message))
    return [pk for _rank, pk in sorted(ranked)]
