"""Background jobs (Django's tasks framework, run by ``manage.py db_worker``)."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.tasks import task


@task()
def send_email(*, to: list[str], subject: str, body: str, attachments: list[list[str]] | None = None) -> int:
    """``attachments``: [filename, text content, MIME type] each (e.g. an .ics invitation)."""
    message = EmailMessage(subject=subject, body=body, to=to)
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    return message.send()


@task()
def sweep_deadlines() -> dict[str, int]:
    from cases.services.deadlines import deadlines_sweep

    return deadlines_sweep()
