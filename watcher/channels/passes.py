"""One delivery pass at a time per channel, and a stop that waits for the pass under way.

A message a service has accepted but the outbox has not yet marked sent goes again after a
restart. APScheduler cancels running jobs when it shuts down, so the daemon stops a channel's
jobs first: no new pass starts, and the one in flight finishes and marks its rows (within a
grace, after which the cancellation is logged and the row is retried, at least once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

__all__ = ["DeliveryPasses"]

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 20.0


class DeliveryPasses:
    """`async with passes.turn() as go:` runs a pass only when `go`; `stop()` is a Service's."""

    def __init__(self, name: str, *, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        self.name = name
        self.grace_seconds = grace_seconds
        self.stopping = asyncio.Event()
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[bool]:
        async with self._lock:
            yield not self.stopping.is_set()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self.stopping.set()
        try:
            await asyncio.wait_for(self._lock.acquire(), self.grace_seconds)
        except TimeoutError:
            log.warning(
                "%s: delivery pass still running after %.0f s; stopping anyway",
                self.name,
                self.grace_seconds,
            )
            return
        self._lock.release()
