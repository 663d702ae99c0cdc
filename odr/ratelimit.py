"""Rate limits. A token bucket per user and purpose kept in the server process, for the frames of a socket
(no I/O on the hot path); fixed windows counted in the shared cache for everything every process must agree
on (sign-in and sign-up are allauth's own, also in the cache). Imports no app: the websocket base
(``odr.sockets``) and the apps use it alike."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from threading import Lock


@dataclass
class TokenBucket:
    rate: float  # tokens added per second
    burst: int  # most tokens held
    tokens: float = field(init=False)
    updated: float = field(init=False, default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


_buckets: dict[tuple[int, str], TokenBucket] = {}
_lock = Lock()


def allow(user_id: int, purpose: str, *, rate: float, burst: int) -> bool:
    """True if ``user_id`` may do ``purpose`` now. Shared by all of the user's sockets in this process."""
    with _lock:
        bucket = _buckets.get((user_id, purpose))
        if bucket is None or bucket.rate != rate or bucket.burst != burst:
            bucket = _buckets[(user_id, purpose)] = TokenBucket(rate=rate, burst=burst)
        return bucket.take()


def reset() -> None:
    with _lock:
        _buckets.clear()


def within_limit(key: str, *, limit: int, window_seconds: int) -> bool:
    """A fixed window counted in the cache (Redis when configured, so every process shares it): True for
    the first ``limit`` calls with ``key`` in each window, False after that."""
    return count_in_cache(f"ratelimit:{key}", ttl_seconds=window_seconds) <= limit


def count_in_cache(cache_key: str, *, ttl_seconds: int) -> int:
    """Add one to a counter in the shared cache that starts at 0 and expires ``ttl_seconds`` after it
    started; returns the new count."""
    from django.core.cache import cache

    cache.add(cache_key, 0, ttl_seconds)
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # it expired between add and incr
        cache.set(cache_key, 1, ttl_seconds)
        return 1
