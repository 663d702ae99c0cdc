"""Shared by the fault tests: subprocesses of the platform pointed at the test database, free ports and
a filesystem mounted for one test."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from tests.processes import database_env

ROOT = Path(__file__).resolve().parents[2]


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
