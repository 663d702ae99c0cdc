from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import AccessRefused, AuthenticatedRequest, case_view, room_access
from cases.audit import RequestMeta
from cases.forms import add_service_error
from cases.models import Case
from cases.roles import Role
from cases.services import ServiceError
from cases.views import form_data
from documents.access import may_read_kind, visible_documents
from documents.forms import ReviseForm, SignForm, VerifyForm
from documents.models import IssuedDocument, IssuedKind, IssuedStatus
from documents.responses import issued_pdf
from documents.selectors import agreement_versions, verify_reference, verify_upload
from documents.services import agreement_revise, agreement_sign, settled_in_mediation
from odr.ratelimit import within_limit

# What the parties sign on these pages; the arbitrator signs the declaration and the award on the
# arbitration pages.
PARTY_AGREEMENTS = (IssuedKind.SETTLEMENT_AGREEMENT, IssuedKind.AGREEMENT_TO_MEDIATE)


def _page(
    request: AuthenticatedRequest,
    case: Case,
    roles: frozenset[Role],
    kind: str = IssuedKind.SETTLEMENT_AGREEMENT,
    **forms: Any,
) -> HttpResponse:
    if not may_read_kind(case, kind, roles):
        raise AccessRefused
    versions = visible_documents(agreement_versions(case, kind), roles)
    if not versions:
        raise Http404(_("There is no agreement on this case yet."))
    draft = next((version for version in versions if version.status == IssuedStatus.DRAFT), None)
    context = {
        "case": case,
        "kind_label": IssuedKind(kind).label,
        # The agreement to mediate is the Centre's standard text; settlement terms are the parties' own.
        "can_revise": kind == IssuedKind.SETTLEMENT_AGREEMENT,
        "payment_days": settings.ODR_SETTLEMENT_PAYMENT_DAYS,  # without a date to pay by (documents/services.py)
        "versions": versions,
        "draft": draft,
        "executed": next((v for v in versions if v.status == "executed"), None),
        "is_party": bool(roles & {Role.CLAIMANT, Role.RESPONDENT}),
        "can_propose": bool(roles & {Role.CLAIMANT, Role.RESPONDENT})
        or (Role.MEDIATOR in roles and settled_in_mediation(case)),
        "signed_by_me": bool(draft and any(s.user_id == request.user.pk for s in draft.signatures.all())),
        "sign_form": forms.get("sign_form")
        or SignForm(initial={"full_name": request.user.get_full_name()}, signer=request.user),
        "revise_form": forms.get("revise_form") or ReviseForm(initial={"terms": draft.terms if draft else ""}),
    }
    if request.GET.get("partial") == "live":
        # The open page fetches this part again when the room says the agreement changed.
        return render(request, "documents/_agreement_live.html", context)
    # Live updates come through the case's room, which the parties (and administrators) may open.
    context["live_path"] = f"/ws/cases/{case.public_id}/negotiation/" if room_access(request.user, case.pk) else ""
    return render(request, "documents/agreement.html", context, status=400 if forms else 200)


@case_view
def agreement(request: AuthenticatedRequest, case: Case, roles: frozenset[Role]) -> HttpResponse:
    return _page(request, case, roles)


@case_view
def agreement_to_mediate(request: AuthenticatedRequest, case: Case, roles: frozenset[Role]) -> HttpResponse:
    return _page(request, case, roles, IssuedKind.AGREEMENT_TO_MEDIATE)


def _page_url(document: IssuedDocument) -> str:
    name = (
        "documents:agreement_to_mediate" if document.kind == IssuedKind.AGREEMENT_TO_MEDIATE else "documents:agreement"
    )
    return reverse(name, kwargs={"case_id": document.case.public_id})


@require_POST
@case_view
def agreement_sign_view(
    request: AuthenticatedRequest, case: Case, roles: frozenset[Role], document_id: int
) -> HttpResponse:
    document = get_object_or_404(IssuedDocument, case=case, pk=document_id, kind__in=PARTY_AGREEMENTS)
    form = SignForm(*form_data(request), signer=request.user)
    if form.is_valid():
        try:
            agreement_sign(
                document=document, user=request.user, meta=RequestMeta.from_request(request), **form.cleaned_data
            )
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        else:
            messages.success(request, _("You signed the agreement."))
            return redirect(_page_url(document))
    return _page(request, case, roles, document.kind, sign_form=form)


@require_POST
@case_view
def agreement_revise_view(request: AuthenticatedRequest, case: Case, roles: frozenset[Role]) -> HttpResponse:
    form = ReviseForm(*form_data(request))
    if form.is_valid():
        try:
            agreement_revise(
                case=case, user=request.user, terms=form.cleaned_data["terms"], meta=RequestMeta.from_request(request)
            )
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        else:
            messages.success(request, _("Your proposed terms are a new version. Both parties must sign it."))
            return redirect("documents:agreement", case_id=case.public_id)
    return _page(request, case, roles, revise_form=form)


@case_view
def agreement_pdf(
    request: AuthenticatedRequest, case: Case, roles: frozenset[Role], document_id: int
) -> HttpResponseBase:
    """Any document of the case, for whoever ``documents.access`` lets have it."""
    return issued_pdf(case, roles, document_id)


def verify(request: HttpRequest) -> HttpResponse:
    """Public: anyone holding a document can check it is an authentic, unaltered issue of the platform."""
    form = VerifyForm(*form_data(request))
    result = None
    status = 200
    if request.method == "POST" and not within_limit(
        f"verify:{RequestMeta.from_request(request).ip_address}",
        limit=settings.ODR_VERIFY_PER_10_MINUTES,
        window_seconds=600,
    ):
        form.add_error(None, _("Too many checks from your connection. Wait a few minutes, then try again."))
        return render(request, "documents/verify.html", {"form": form, "result": None}, status=429)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload:
            if upload.size > settings.UPLOAD_MAX_BYTES:
                form.add_error("file", _("The file is too large to be one of our documents."))
            else:
                content = upload.read()
                if not content.startswith(b"%PDF-"):
                    form.add_error("file", _("This is not a PDF file."))
                else:
                    result = verify_upload(content)
        elif form.cleaned_data["reference"] and form.cleaned_data["sha256"]:
            result = verify_reference(form.cleaned_data["reference"], form.cleaned_data["sha256"])
        else:
            form.add_error(None, _("Upload the PDF, or enter both its verification reference and its SHA-256."))
        status = 400 if form.errors else 200
    return render(request, "documents/verify.html", {"form": form, "result": result}, status=status)
