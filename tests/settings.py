"""Test settings: the production module with fast, isolated choices on top."""

import os

from odr.settings import *  # noqa: F403
from odr.settings import BASE_DIR, DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SITE_URL = "http://testserver"
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login_failed": "1000/m/ip,3/5m/key"}  # noqa: F405

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not shared memory, so tests with several threads lock like a real deployment does.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}
else:
    # Threads of the live server and of concurrency tests must not keep connections past their request, nor
    # wait for one from a pool (the processes the tests start, Daphne and workers, use the pool).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].get("OPTIONS", {}).pop("pool", None)

if "CONFIG" in CHANNEL_LAYERS["default"]:  # noqa: F405
    # Each run keeps to its own keys on a shared Redis.
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"odr-test-{os.getpid()}"  # noqa: F405

CACHES["default"]["KEY_PREFIX"] = f"odr-test-{os.getpid()}"  # noqa: F405
