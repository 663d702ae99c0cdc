"""django-tasks-db's worker, holding a lease while it lives (see ``workers.recovery``)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Worker

from workers.recovery import heartbeat, heartbeat_end, requeue_abandoned_tasks

logger = logging.getLogger(__name__)


class Lease(threading.Thread):
    """Refreshes the worker's heartbeat, and looks for other workers' abandoned tasks, from a thread of
    its own, so a long task (a large PDF) does not make its own worker look dead."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name=f"lease-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()
        self.beat_once = threading.Event()

    def run(self) -> None:
        host, pid = socket.gethostname(), os.getpid()
        last_recovery = 0.0
        try:
            while not self.stopped.is_set():
                close_old_connections()
                try:
                    heartbeat(worker_id=self.worker_id, host=host, pid=pid)
                    self.beat_once.set()
                    if time.monotonic() - last_recovery >= settings.ODR_WORKER_LEASE_SECONDS / 2:
                        requeue_abandoned_tasks()
                        last_recovery = time.monotonic()
                except Exception:
                    # The database is away: the next beat tries again (the lease is longer than a beat).
                    logger.exception("worker %s: heartbeat failed", self.worker_id)
                self.stopped.wait(settings.ODR_WORKER_HEARTBEAT_SECONDS)
            try:
                heartbeat_end(worker_id=self.worker_id)
            except Exception:
                logger.exception("worker %s: could not remove its heartbeat", self.worker_id)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(settings.ODR_WORKER_HEARTBEAT_SECONDS + 5)


class LeasedWorker(Worker):
    def run(self) -> None:
        lease = Lease(self.worker_id)
        lease.start()
        # The first beat and recovery come before the first claim: abandoned tasks are picked up at once.
        lease.beat_once.wait(10)
        try:
            super().run()
        finally:
            lease.stop()
