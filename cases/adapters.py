from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.urls import reverse

from cases.roles_setup import PARTY_GROUP


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

        message = self.render_mail(template_prefix, email, {"email": email, **context})
        send_email.enqueue(to=list(message.to), subject=str(message.subject), body=str(message.body))

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        token = request.session.get("pending_invitation")
        if token:
            return reverse("cases:invitation", kwargs={"token": token})
        return super().get_login_redirect_url(request)
