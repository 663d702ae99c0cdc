"""The paths under which the worker found these tasks before they moved beside the services that queue
them: a task queued by an earlier release still runs."""

from payments.services.payments import cancel_open_payments_task, issue_receipt_task

__all__ = ["cancel_open_payments_task", "issue_receipt_task"]
