"""The paths under which the worker found these tasks before they moved beside the services that queue
them: a task queued by an earlier release still runs."""

from documents.services import execute_agreement_task, issue_odr_agreement_task, render_draft_task

__all__ = ["execute_agreement_task", "issue_odr_agreement_task", "render_draft_task"]
