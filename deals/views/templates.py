"""The case administrators' page of deal templates: every version, a new draft version (from the latest),
publishing and retiring. Nothing here edits a version: a change is the next version."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import AuthenticatedRequest
from cases.audit import RequestMeta
from cases.forms import add_service_error
from cases.services import ServiceError
from cases.views import form_data
from deals.access import template_manager_view
from deals.forms import TemplateForm
from deals.models import DealTemplate
from deals.services.templates import deal_template_draft, deal_template_publish, deal_template_retire


@template_manager_view
def template_list(request: AuthenticatedRequest) -> HttpResponse:
    templates = DealTemplate.objects.order_by("key", "-version")
    return render(request, "deals/templates.html", {"templates": templates})


@template_manager_view
def template_new(request: AuthenticatedRequest) -> HttpResponse:
    """A new draft version; ``?from=<id>`` starts it from that version's text."""
    initial = {}
    source = DealTemplate.objects.filter(pk=request.GET.get("from") or 0).first()
    if source is not None:
        initial = {
            "key": source.key,
            "title_en": source.title_en,
            "title_zh": source.title_zh,
            "body": json.dumps(source.body, ensure_ascii=False, indent=2),
        }
    form = TemplateForm(*form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            template = deal_template_draft(
                key=form.cleaned_data["key"],
                title_en=form.cleaned_data["title_en"],
                title_zh=form.cleaned_data["title_zh"],
                body=form.cleaned_data["body"],
                actor=request.user,
                meta=RequestMeta.from_request(request),
            )
        except ServiceError as exc:
            add_service_error(form, exc.message, exc.field)
        else:
            messages.success(
                request,
                _("Version %(version)s is saved as a draft. Publish it to offer it.") % {"version": template.version},
            )
            return redirect("deals:templates")
    return render(request, "deals/template_form.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
@template_manager_view
def template_action(request: AuthenticatedRequest, template_id: int, action: str) -> HttpResponse:
    template = get_object_or_404(DealTemplate, pk=template_id)
    services = {"publish": deal_template_publish, "retire": deal_template_retire}
    service = services.get(action)
    if service is None:
        return redirect("deals:templates")
    try:
        service(template=template, actor=request.user, meta=RequestMeta.from_request(request))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done."))
    return redirect("deals:templates")
