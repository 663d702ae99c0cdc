"""The Django admin: every model registered; records whose history must not change are read-only."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from negotiation.services.bids import bid_submit

READ_ONLY = {
    "Case",
    "AuditEntry",
    "Message",
    "Offer",
    "BlindBid",
    "IssuedDocument",
    "DocumentSignature",
    "Payment",
    "Refund",
    "Charge",
    "WebhookEvent",
    "FeeSchedule",
    "SecurityEvent",
}


def test_every_project_model_is_registered():
    apps_ = ("cases", "documents", "payments", "negotiation", "mediation", "arbitration")
    project_models = [m for app in apps_ for m in apps.get_app_config(app).get_models()]
    missing = [m.__name__ for m in project_models if m not in admin.site._registry]
    assert missing == []


@pytest.mark.parametrize("name", sorted(READ_ONLY))
def test_history_cannot_be_changed_from_the_admin(name, rf, administrator):
    model = next(
        m
        for app in ("cases", "documents", "payments", "negotiation")
        for m in apps.get_app_config(app).get_models()
        if m.__name__ == name
    )
    model_admin = admin.site._registry[model]
    request = rf.get("/admin/")
    request.user = administrator
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_blind_bid_figures_are_not_shown_to_staff(negotiation_case, claimant, client_for, django_user_model):
    from decimal import Decimal

    from tests.conftest import make_user

    bid = bid_submit(case=negotiation_case, user=claimant, amount=Decimal("11111.00"))
    superuser = make_user("root", "Case administrators", mfa=True)
    superuser.is_staff = True
    superuser.is_superuser = True
    superuser.save()
    page = client_for(superuser).get(reverse("admin:negotiation_blindbid_change", args=[bid.pk]))
    assert page.status_code == 200
    assert "11111" not in page.text
