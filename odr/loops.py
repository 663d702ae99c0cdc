"""Objects kept one per event loop (a Daphne process has one; each async test has its own)."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable


class PerLoop[T]:
    """One ``T`` per running event loop, made by ``make(loop)`` on first use and dropped with its loop."""

    def __init__(self, make: Callable[[asyncio.AbstractEventLoop], T]) -> None:
        self._make = make
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = weakref.WeakKeyDictionary()

    def get(self) -> T:
        """The running loop's."""
        loop = asyncio.get_running_loop()
        value = self._by_loop.get(loop)
        if value is None:
            value = self._by_loop[loop] = self._make(loop)
        return value

    def values(self) -> list[T]:
        return list(self._by_loop.values())

    def clear(self) -> None:
        self._by_loop.clear()
