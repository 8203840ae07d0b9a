"""Per-host pacing shared by every source, so the site sees one polite client, not several.

All sources that read the same host share one `HostPacer`: requests to a host are spaced at
least `interval` seconds apart, and a host that asked us to back off (429/503 Retry-After) is left
alone until then, by every source, not only the one that got the answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

__all__ = ["HostPacer"]


class HostPacer:
    def __init__(
        self,
        interval: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = interval
        self.monotonic = monotonic
        self.sleep = sleep
        self._ready: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def wait(self, host: str) -> None:
        """Return when a request to `host` may go out, and book the next slot."""
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:
            delay = self._ready.get(host, 0.0) - self.monotonic()
            if delay > 0:
                await self.sleep(delay)
            self._ready[host] = self.monotonic() + self.interval

    def hold(self, host: str, seconds: float) -> None:
        """Keep every request to `host` back for `seconds` (the server asked for it)."""
        until = self.monotonic() + seconds
        self._ready[host] = max(self._ready.get(host, 0.0), until)
