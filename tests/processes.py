"""Child processes the tests start for real (Daphne, workers, Redis, localstripe): free ports, waiting for
one to listen, and stopping them."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

from django.conf import settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def wait_for_port(port: int, process: subprocess.Popen[bytes], *, what: str, seconds: float = 30) -> None:
    """Until ``process`` listens on ``port``; fails (and kills it) if it exits or takes too long."""
    deadline = time.monotonic() + seconds
    while not port_open(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"{what} did not start on port {port}")
        time.sleep(0.05)


def stop(process: subprocess.Popen[bytes], *, seconds: float = 10) -> None:
    """SIGTERM, then SIGKILL if it lingers (Daphne waits for open sockets)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(seconds)


def database_env() -> dict[str, str]:
    """Environment that points a child process (manage.py, Daphne) at this test run's database."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return {"SQLITE_PATH": str(db["NAME"])}
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return {"DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}


def start_django(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    """Django in a fresh process with only ``env`` set, as a deployment starts it."""
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        env={"DJANGO_SETTINGS_MODULE": "odr.settings", "PATH": "/usr/bin:/bin", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
