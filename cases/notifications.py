"""Emails to users. Rendered now, in the recipient's language, and queued in the caller's transaction.

The task row is written in the same transaction as the change it reports, so a rolled-back change
never sends mail and a committed one always does (the database backend is our outbox).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from cases.tasks import send_email


def queue_email(
    *,
    to: str | list[str],
    template: str,
    context: dict[str, Any],
    language: str | None = None,
    attachments: list[list[str]] | None = None,
) -> None:
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        return
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        body = render_to_string(f"emails/{template}.txt", context)
    # One email per person: parties never see each other's addresses in a shared To line.
    for recipient in dict.fromkeys(recipients):
        send_email.enqueue(
            to=[recipient],
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
            body=body,
            attachments=attachments,
        )
