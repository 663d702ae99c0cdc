"""Real processes for the real-time fault tests: a private Redis this test may stop and restart, and
Daphne processes of the platform pointed at it and at the test database."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.processes import database_env, free_port, port_open, wait_for_port
from tests.processes import stop as end

ROOT = Path(__file__).resolve().parents[2]


class PrivateRedis:
    """A ``redis-server`` of this test only, without persistence, that the test may kill and restart on the
    same port (what a crashed and restarted Redis looks like to the platform: every key and subscription
    gone)."""

    def __init__(self, executable: str, directory: Path) -> None:
        self.executable = executable
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_for_port(self.port, self.process, what="redis-server")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        self.process.wait(10)
        deadline = time.monotonic() + 5
        while port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            end(self.process)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.skip("needs redis-server (Debian's redis-server package) to stop and restart a Redis of its own")
    redis = PrivateRedis(executable, tmp_path / "redis")
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()
        log = redis.directory / "redis.log"
        print(f"--- redis.log (end)\n{log.read_text(errors='replace')[-3000:]}")  # shown if the test failed


class DaphneProcess:
    """One web process of the platform (``odr.settings``, not the test settings), on the test database."""

    def __init__(self, redis_url: str, log_path: Path, port: int | None = None) -> None:
        self.redis_url = redis_url
        self.port = port or free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            **database_env(),
            "REDIS_URL": self.redis_url,
            "DJANGO_SETTINGS_MODULE": "odr.settings",
            "PRIVATE_MEDIA_ROOT": str(settings.STORAGES["default"]["OPTIONS"]["location"]),
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "odr.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_for_port(self.port, self.process, what="Daphne")

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to close its sockets or tidy up."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None:
            end(self.process)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def daphnes(private_redis: PrivateRedis, tmp_path: Path) -> Iterator[list[DaphneProcess]]:
    """Two Daphne processes sharing the private Redis (as behind a load balancer)."""
    processes = [DaphneProcess(private_redis.url, tmp_path / f"daphne-{name}.log") for name in "ab"]
    try:
        for process in processes:
            process.start()
        yield processes
    finally:
        for process in processes:
            process.stop()
            # Captured: pytest shows it only when the test failed.
            print(f"--- {process.log_path.name} (end)\n{process.log()[-6000:]}")


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return str(client.cookies[settings.SESSION_COOKIE_NAME].value)
