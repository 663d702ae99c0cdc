from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.urls import reverse

from cases.roles_setup import PARTY_GROUP


@dataclass(frozen=True, slots=True)
class CentreSite:
    """What allauth's emails call the site ("Hello from {{ current_site.name }}!"), from settings: the project
    has no sites framework, and a request's host is not the Centre's name."""

    name: str
    domain: str


def centre_site() -> CentreSite:
    return CentreSite(name=settings.ODR_CENTRE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            # Every self-registered account is a party; neutrals and staff are promoted by administrators.
            user.groups.add(Group.objects.get(name=PARTY_GROUP))
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Account emails (verification, password reset) go through the background worker too."""
        from cases.tasks import send_email

        message = self.render_mail(template_prefix, email, {"email": email, "current_site": centre_site(), **context})
        send_email.enqueue(to=list(message.to), subject=str(message.subject), body=str(message.body))

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        token = request.session.get("pending_invitation")
        if token:
            return reverse("cases:invitation", kwargs={"token": token})
        return super().get_login_redirect_url(request)
