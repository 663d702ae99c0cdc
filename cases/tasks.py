"""Background jobs (Django's tasks framework, run by ``manage.py db_worker``)."""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import TaskContext, task


def message_id(task_id: str) -> str:
    """One Message-ID per queued email, the same on every run of its task: if a worker dies after the
    mail server took the message but before the task was marked done, the re-run sends the same message
    again, which mail clients and archives can tell is one message (delivery is at least once)."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "odr.invalid"
    return f"<odr-{task_id}@{domain}>"


@task(takes_context=True)
def send_email(
    context: TaskContext, *, to: list[str], subject: str, body: str, attachments: list[list[str]] | None = None
) -> int:
    """``attachments``: [filename, text content, MIME type] each (e.g. an .ics invitation)."""
    message = EmailMessage(
        subject=subject, body=body, to=to, headers={"Message-ID": message_id(context.task_result.id)}
    )
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    return message.send()
