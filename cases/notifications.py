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

# The template engine without HTML escaping (odr/settings.py): emails are plain text.
TEXT_ENGINE = "text"


def queue_email(
    *,
    to: str | list[str],
    template: str,
    context: dict[str, Any],
    language: str | None = None,
    attachments: list[list[str]] | None = None,
) -> None:
    """Render ``template`` for each recipient in their language (``language`` if given, else the one
    they chose for their account, else the platform's) and queue one email per person."""
    recipients = list(dict.fromkeys([to] if isinstance(to, str) else to))
    if not recipients:
        return
    from cases.languages import languages_of

    chosen = {} if language else languages_of(recipients)
    context = {"site_url": settings.SITE_URL, **context}
    rendered: dict[str, tuple[str, str]] = {}
    # One email per person: parties never see each other's addresses in a shared To line.
    for recipient in recipients:
        code = language or chosen.get(recipient) or settings.LANGUAGE_CODE
        if code not in rendered:
            with translation.override(code):
                subject = render_to_string(f"emails/{template}_subject.txt", context, using=TEXT_ENGINE).strip()
                rendered[code] = (subject, render_to_string(f"emails/{template}.txt", context, using=TEXT_ENGINE))
        subject, body = rendered[code]
        send_email.enqueue(
            to=[recipient],
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
            body=body,
            attachments=attachments,
        )
