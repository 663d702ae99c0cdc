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
from django.utils.crypto import get_random_string

from cases.services.deadlines import deadlines_sweep
from odr.env import env_bool
from workers.worker import LeasedWorker

logger = logging.getLogger(__name__)


def _sweep_forever() -> None:
    while True:
        close_old_connections()
        try:
            deadlines_sweep()
        except Exception:
            logger.exception("deadline sweep failed; will retry")
        time.sleep(settings.ODR_DEADLINE_SWEEP_SECONDS)


def _names_of(host: str) -> list[str]:
    """The names a browser may use for this server: the address it listens on, or, listening on every
    address, this machine's name and its addresses."""
    import socket

    bare = host.strip("[]")
    if bare not in {"0.0.0.0", "::"}:  # noqa: S104 (compared, not bound)
        return [f"[{bare}]" if ":" in bare else bare]
    name = socket.gethostname()
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(name, None)}
    except OSError:
        addresses = set()
    return [name, *(f"[{a}]" if ":" in a else a for a in sorted(addresses))]


class Command(BaseCommand):
    help = "Run the whole platform in one process (web + worker + deadline sweep), for laptops and demos."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-demo", action="store_true", help="Do not create the demo accounts and cases.")
        parser.add_argument(
            "--debug",
            action="store_true",
            default=env_bool("ODR_DEBUG", False),
            help="Show Django's debug pages (tracebacks, settings) instead of the 404 and 500 pages; also ODR_DEBUG=1.",
        )
        parser.add_argument(
            "--no-fake-stripe",
            action="store_true",
            help="Do not start localstripe for card payments (without Stripe keys, only bank transfer is offered).",
        )

    def handle(
        self, *args: Any, host: str, port: int, no_demo: bool, no_fake_stripe: bool, debug: bool, **options: Any
    ) -> None:
        # A newcomer sees the platform's own error pages, never a traceback with the settings in it. Static
        # files do not depend on DEBUG: WhiteNoise serves them from the source folders (settings).
        settings.DEBUG = debug
        if "ALLOWED_HOSTS" not in os.environ:
            # Served on another address (a LAN address, or every address): the demo answers to it too.
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, *_names_of(host)]
        if "SITE_URL" not in os.environ:
            # Links in emails printed on the console must point at this server.
            settings.SITE_URL = f"http://{host}:{port}"
        call_command("migrate", interactive=False, verbosity=0)
        call_command("create_dev_seal_key", "--if-missing")
        if not no_demo:
            call_command("seed_demo")
        worker = LeasedWorker(
            queue_names=["default"],
            interval=0.5,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            # Unique per process: a restarted platform must not pass for the one that died mid-task.
            worker_id=f"embedded-{get_random_string(12)}",
            excluded_queue_names=[],
        )
        threading.Thread(target=worker.run, name="task-worker", daemon=True).start()
        threading.Thread(target=_sweep_forever, name="deadline-sweep", daemon=True).start()
        if not (no_fake_stripe or settings.STRIPE_SECRET_KEY or settings.PRODUCTION):
            self._start_fake_stripe(host, port)
        from odr.asgi import application

        self.stdout.write(self.style.SUCCESS(f"ODR platform on http://{host}:{port}/ (Ctrl+C to stop)"))
        if debug:
            self.stdout.write("DEBUG is on: errors show Django's debug pages.")
        Server(
            application=application,
            endpoints=build_endpoint_description_strings(host=host, port=port),
            signal_handlers=True,
        ).run()

    def _start_fake_stripe(self, host: str, port: int) -> None:
        """Card payments in the demo: localstripe (a fake Stripe with a fake Stripe.js) in a child process,
        our settings pointed at it, and its signed webhooks sent to this server."""
        import atexit
        import socket
        import subprocess
        import sys
        import urllib.parse
        import urllib.request
        from importlib.util import find_spec

        if find_spec("localstripe") is None:
            self.stdout.write("Card payments off: localstripe is not installed (pip install -e '.[demo]').")
            return
        stripe_port = int(os.environ.get("LOCALSTRIPE_PORT", "8420"))
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and a fixed module)
            [sys.executable, "-m", "localstripe", "--port", str(stripe_port), "--from-scratch"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        atexit.register(process.terminate)
        base = f"http://127.0.0.1:{stripe_port}"
        for _attempt in range(100):
            try:
                socket.create_connection(("127.0.0.1", stripe_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        # localstripe takes any well-formed test key: these unlock nothing anywhere else.
        settings.STRIPE_SECRET_KEY = "sk_test_odr_demo"  # noqa: S105
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_odr_demo"
        settings.STRIPE_WEBHOOK_SECRET = "whsec_odr_demo"  # noqa: S105
        settings.STRIPE_API_BASE = base
        settings.STRIPE_JS_URL = f"{base}/js.stripe.com/v3"
        hook = urllib.parse.urlencode(
            {"url": f"http://{host}:{port}/payments/stripe/webhook/", "secret": settings.STRIPE_WEBHOOK_SECRET}
        ).encode()
        urllib.request.urlopen(f"{base}/_config/webhooks/odr-demo", data=hook, timeout=5).close()  # noqa: S310
        self.stdout.write(f"Card payments: localstripe (fake Stripe) at {base}; test card 4242 4242 4242 4242.")
