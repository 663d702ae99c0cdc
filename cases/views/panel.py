"""Case administrators keep the centre's panels of neutrals (mediators, arbitrators): one list page and
one profile form per panel, made from a ``Panel`` description by the app that owns the panel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render

from cases.access import AuthenticatedRequest, administrator_view
from cases.audit import SYSTEM, RequestMeta, log_action
from cases.models import Category, Organisation
from cases.models.panel import Language, PanelProfile


@dataclass(frozen=True, slots=True)
class Panel:
    model: type[PanelProfile]
    form: type[forms.ModelForm[Any]]
    namespace: str  # the owning app's URL namespace and audit prefix ("mediation", "arbitration")
    title: Any
    add_label: Any
    empty_label: Any
    saved_message: Any


def _account_label(user: User) -> str:
    return user.email


class PanelProfileForm(forms.ModelForm[Any]):
    """A panel profile; each panel's form names its model and the group its neutrals belong to."""

    neutral_group = ""
    languages = forms.MultipleChoiceField(choices=Language.choices, widget=forms.CheckboxSelectMultiple)
    specialisms = forms.MultipleChoiceField(choices=Category.choices, widget=forms.CheckboxSelectMultiple)
    linked_organisations = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    FIELDS = [
        "user",
        "display_name",
        "languages",
        "specialisms",
        "accreditation",
        "bio",
        "linked_organisations",
        "active",
    ]
    WIDGETS = {"bio": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.utils.translation import gettext_lazy as _

        super().__init__(*args, **kwargs)
        self.fields["languages"].label = _("Languages")
        self.fields["specialisms"].label = _("Specialisms")
        self.fields["linked_organisations"].label = _(
            "Businesses this neutral is linked with (never proposed for their cases)"
        )
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(groups__name=self.neutral_group).order_by("email")
        field.label_from_instance = _account_label  # type: ignore[method-assign,assignment]


@transaction.atomic
def panel_profile_save(
    *, form: forms.ModelForm[Any], namespace: str, actor: User, meta: RequestMeta = SYSTEM
) -> PanelProfile:
    """Create or update a panel profile from a validated form; audited with what changed."""
    created = form.instance.pk is None
    profile = form.save()
    log_action(
        actor=actor,
        action=f"{namespace}.panel_created" if created else f"{namespace}.panel_updated",
        meta=meta,
        data={"profile": profile.pk, "name": profile.display_name, "changed": sorted(form.changed_data)},
    )
    return profile


def panel_views(panel: Panel) -> tuple[Callable[..., HttpResponseBase], Callable[..., HttpResponseBase]]:
    """The panel's list page and its add/edit page."""
    urls = {
        "list": f"{panel.namespace}:panel",
        "new": f"{panel.namespace}:profile_new",
        "edit": f"{panel.namespace}:profile_edit",
    }

    @administrator_view
    def panel_list(request: AuthenticatedRequest) -> HttpResponse:
        profiles = panel.model.objects.select_related("user").order_by("-active", "display_name")  # type: ignore[attr-defined]
        return render(request, "panel/panel.html", {"panel": panel, "urls": urls, "profiles": profiles})

    @administrator_view
    def profile_edit(request: AuthenticatedRequest, profile_id: int | None = None) -> HttpResponse:
        profile = get_object_or_404(panel.model, pk=profile_id) if profile_id is not None else None
        form = panel.form(request.POST or None, instance=profile)
        if request.method == "POST" and form.is_valid():
            panel_profile_save(
                form=form, namespace=panel.namespace, actor=request.user, meta=RequestMeta.from_request(request)
            )
            messages.success(request, panel.saved_message)
            return redirect(urls["list"])
        context = {"panel": panel, "urls": urls, "form": form, "profile": profile}
        return render(request, "panel/profile_form.html", context, status=400 if form.errors else 200)

    return panel_list, profile_edit
