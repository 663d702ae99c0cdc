"""Evidence pages: uploading a file or a new version, and downloading one the person may see."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import AccessRefused, AuthenticatedRequest, case_view, document_visible
from cases.audit import RequestMeta
from cases.forms import DocumentUploadForm, DocumentVersionForm
from cases.models import Case, Document, DocumentVersion, RefusalReason
from cases.roles import Role
from cases.services import ServiceError
from cases.services.evidence import document_add_version, document_upload, document_viewed
from cases.views.case import render_case_page


@require_POST
@case_view
def document_upload_view(request: AuthenticatedRequest, case: Case, roles: frozenset[Role]) -> HttpResponse:
    form = DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document_upload(
                case=case,
                user=request.user,
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                meta=RequestMeta.from_request(request),
            )
        except ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("Document added."))
            return redirect("cases:detail", case_id=case.public_id)
    return render_case_page(request, case, roles, upload_form=form)


@require_POST
@case_view
def document_version_upload(
    request: AuthenticatedRequest, case: Case, roles: frozenset[Role], document_id: Any
) -> HttpResponse:
    document = get_object_or_404(Document, case=case, public_id=document_id)
    form = DocumentVersionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            document_add_version(
                document=document,
                user=request.user,
                upload=form.cleaned_data["file"],
                meta=RequestMeta.from_request(request),
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("New version uploaded."))
    return redirect("cases:detail", case_id=case.public_id)


@case_view
def document_download(
    request: AuthenticatedRequest, case: Case, roles: frozenset[Role], version_id: Any
) -> HttpResponseBase:
    version = get_object_or_404(
        DocumentVersion.objects.select_related("document"), document__case=case, public_id=version_id
    )
    if not document_visible(version.document, roles):
        raise AccessRefused(RefusalReason.NOT_THEIRS, _("No such document."))
    try:
        handle = version.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage.")) from None
    document_viewed(version=version, user=request.user, meta=RequestMeta.from_request(request))
    response = FileResponse(
        handle, as_attachment=True, filename=version.original_filename, content_type=version.content_type
    )
    # Never let a browser render a party's upload on our origin.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
