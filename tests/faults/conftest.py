"""Shared by the fault tests: subprocesses of the platform pointed at the test database, free ports and
a filesystem mounted for one test."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], *, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"{what} did not start on port {port}") from None
            time.sleep(0.1)


def database_env() -> dict[str, str]:
    """Environment that points a child process (manage.py, Daphne) at this test run's database."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return {"SQLITE_PATH": str(db["NAME"])}
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return {"DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}


def child_env(**extra: str) -> dict[str, str]:
    """The platform's production settings module (not the test one), on the test database and this test's
    storage folder."""
    env = {
        **os.environ,
        **database_env(),
        "DJANGO_SETTINGS_MODULE": "odr.settings",
        "PRIVATE_MEDIA_ROOT": str(settings.STORAGES["default"]["OPTIONS"]["location"]),
        "ODR_SEAL_KEY_PATH": settings.ODR_SEAL_KEY_PATH,
        "ODR_SEAL_CERT_PATH": settings.ODR_SEAL_CERT_PATH,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def stop(process: subprocess.Popen[bytes], *, seconds: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(seconds)


@contextmanager
def mounted(target: Path, *options: str) -> Iterator[Path]:
    """``mount -t tmpfs -o <options> tmpfs <target>`` for the block; skips the test where mounting is not
    permitted (it needs CAP_SYS_ADMIN, which this project's machines and CI have as root)."""
    target.mkdir(parents=True, exist_ok=True)
    command = ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(target)]
    done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)  # noqa: S607
