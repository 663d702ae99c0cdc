"""ICE servers for the video room: STUN and TURN from settings, with TURN credentials that are
short-lived and per user (coturn's REST API convention: ``use-auth-secret`` / ``static-auth-secret``).

The username is ``<expiry unix time>:<user id>``; the password is base64(HMAC-SHA1(secret, username)).
TURN accepts it until the expiry without ever storing it, and the page never holds a lasting password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from django.conf import settings


def turn_credentials(user_id: int, *, now: float | None = None) -> tuple[str, str]:
    expiry = int(now if now is not None else time.time()) + settings.ODR_TURN_TTL_SECONDS
    username = f"{expiry}:{user_id}"
    digest = hmac.new(settings.ODR_TURN_SECRET.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers_for(user_id: int) -> list[dict[str, Any]]:
    servers: list[dict[str, Any]] = []
    if settings.ODR_STUN_URLS:
        servers.append({"urls": list(settings.ODR_STUN_URLS)})
    if settings.ODR_TURN_URLS and settings.ODR_TURN_SECRET:
        username, credential = turn_credentials(user_id)
        servers.append({"urls": list(settings.ODR_TURN_URLS), "username": username, "credential": credential})
    return servers
