"""The embedded default in one process: Daphne, a task worker thread and the deadline sweep.

With SQLite and the in-memory channel layer only the web process can reach open sockets, so the
worker and the sweep run inside it. With PostgreSQL and Redis, use the Procfile's separate processes.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from daphne.endpoints import build_endpoint_description_strings
from daphne.server import Server
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from cases.services.deadlines import deadlines_sweep

logger = logging.getLogger(__name__)


def _sweep_forever() -> None:
    while True:
        close_old_connections()
        try:
            deadlines_sweep()
        except Exception:
            logger.exception("deadline sweep failed; will retry")
        time.sleep(settings.ODR_DEADLINE_SWEEP_SECONDS)


class Command(BaseCommand):
    help = "Run the whole platform in one process (web + worker + deadline sweep), for laptops and demos."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-demo", action="store_true", help="Do not create the demo accounts and cases.")

    def handle(self, *args: Any, host: str, port: int, no_demo: bool, **options: Any) -> None:
        if "SITE_URL" not in os.environ:
            # Links in emails printed on the console must point at this server.
            settings.SITE_URL = f"http://{host}:{port}"
        call_command("migrate", interactive=False, verbosity=0)
        call_command("create_dev_seal_key", "--if-missing")
        if not no_demo:
            call_command("seed_demo")
        worker = Worker(
            queue_names=["default"],
            interval=0.5,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="embedded-worker",
            excluded_queue_names=[],
        )
        threading.Thread(target=worker.run, name="task-worker", daemon=True).start()
        threading.Thread(target=_sweep_forever, name="deadline-sweep", daemon=True).start()
        from odr.asgi import application

        self.stdout.write(self.style.SUCCESS(f"ODR platform on http://{host}:{port}/ (Ctrl+C to stop)"))
        Server(
            application=application,
            endpoints=build_endpoint_description_strings(host=host, port=port),
            signal_handlers=True,
        ).run()
