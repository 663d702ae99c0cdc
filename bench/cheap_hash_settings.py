"""Only for ``bench/journey_load.py --cheap-passwords``: the platform's settings with a password hasher that
costs nothing, to measure how much of a journey's cost is password hashing. Never for a real deployment."""

from odr.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
