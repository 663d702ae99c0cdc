"""Tasks left RUNNING by a worker that died are run again; a task that keeps killing its worker fails.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again: if the worker
is killed mid-task (SIGKILL, the OOM killer, a lost machine), the task stays RUNNING for ever and its
email or document never comes. Each worker therefore holds a lease: a heartbeat row refreshed every
``ODR_WORKER_HEARTBEAT_SECONDS`` by a thread of its own. A RUNNING task whose worker's heartbeat is older
than ``ODR_WORKER_LEASE_SECONDS`` (or absent) is put back in the queue by whichever worker looks next, up
to ``ODR_TASK_MAX_ATTEMPTS`` runs in all. The jobs themselves are idempotent (a document is issued once
per version, an email keeps one Message-ID across runs), so a re-run produces the one result.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from workers.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

WORKER_LOST = "workers.recovery.WorkerLost"


class WorkerLost(Exception):
    """The worker running a task stopped answering before the task finished."""


@dataclass(frozen=True, slots=True)
class Recovered:
    requeued: list[str]
    failed: list[str]


def heartbeat(*, worker_id: str, host: str, pid: int, now: datetime | None = None) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"host": host[:255], "pid": pid, "seen_at": now or timezone.now()}
    )


def heartbeat_end(*, worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


@transaction.atomic
def requeue_abandoned_tasks(*, now: datetime | None = None) -> Recovered:
    """Put back in the queue every RUNNING task whose worker's lease has run out."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.ODR_WORKER_LEASE_SECONDS)
    alive = set(WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True))
    requeued: list[str] = []
    failed: list[str] = []
    # Claimed before the cutoff: a worker that has just claimed a task has a fresh heartbeat anyway.
    running = DBTaskResult.objects.running().filter(started_at__lt=cutoff).select_for_update(skip_locked=True)
    for task in running:
        owner = task.worker_ids[-1] if task.worker_ids else None
        if owner in alive:
            continue
        if len(task.worker_ids) >= settings.ODR_TASK_MAX_ATTEMPTS:
            task.status = TaskResultStatus.FAILED
            task.finished_at = now
            task.exception_class_path = WORKER_LOST
            task.traceback = (
                f"{WORKER_LOST}: its worker stopped during each of {len(task.worker_ids)} runs "
                f"(workers {', '.join(task.worker_ids)}); not run again.\n"
            )
            task.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
            failed.append(str(task.pk))
            logger.error("task %s (%s) failed: %s", task.pk, task.task_path, task.traceback.strip())
        else:
            task.status = TaskResultStatus.READY
            task.started_at = None
            task.save(update_fields=["status", "started_at"])
            requeued.append(str(task.pk))
            logger.warning("task %s (%s) requeued: worker %s stopped during it", task.pk, task.task_path, owner)
    # Heartbeats of workers long gone tell nothing any more.
    WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    return Recovered(requeued=requeued, failed=failed)
