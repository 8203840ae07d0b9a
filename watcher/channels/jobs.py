"""`watcher run`'s jobs for a channel without a service of its own (Apprise): drain its outbox
every few seconds and queue each daily subscriber's digest once their digest time has passed.

The channel is opened for each pass and closed after it, so a configuration it cannot use shows
in the log line of that pass and the next pass tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from watcher.channels.digest import queue_due_digests
from watcher.channels.digest_runs import paused_note
from watcher.channels.outbox import DrainReport, OutboxSender
from watcher.channels.passes import DeliveryPasses
from watcher.channels.registry import OpenableChannel, channel_settings, digest_zone, open_channel
from watcher.core.config import Config, Environment
from watcher.core.errors import WatcherError
from watcher.store import Store, off_loop

__all__ = ["ChannelJobs"]

log = logging.getLogger(__name__)

DRAIN_BATCH = 300


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ChannelJobs:
    """`add_jobs(scheduler)`, and a Service whose stop lets the pass under way finish; one pass
    at a time, so two never send the same row."""

    def __init__(
        self,
        name: str,
        store: Store,
        config: Config,
        env: Environment,
        *,
        clock: Callable[[], dt.datetime] = _utc_now,
        opener: Callable[[], OpenableChannel] | None = None,
    ) -> None:
        self.name, self.store, self.config, self.clock = name, store, config, clock
        self.settings = channel_settings(config, name)
        self.tz = digest_zone(config, name)
        self.open = opener or (lambda: open_channel(name, config, env))
        self.passes = DeliveryPasses(name)

    async def start(self) -> None:
        await self.passes.start()

    async def stop(self) -> None:
        await self.passes.stop()

    def add_jobs(self, scheduler: Any) -> ChannelJobs:
        common = {"max_instances": 1, "coalesce": True, "replace_existing": True}
        interval = getattr(self.settings, "drain_interval", 5.0)
        scheduler.add_job(
            self.drain, "interval", seconds=interval, id=f"{self.name}:drain",
            next_run_time=self.clock(), **common,
        )  # fmt: skip
        scheduler.add_job(
            self.queue_digests, "cron", second=5, id=f"{self.name}:digests",
            next_run_time=self.clock(), **common,
        )  # fmt: skip
        return self

    async def queue_digests(self) -> int:
        queued = await off_loop(
            queue_due_digests, self.store, self.name, self.clock(), self.tz,
            self.settings.digest_time,
        )  # fmt: skip
        if queued:
            note = await off_loop(paused_note, self.store, self.name)
            log.info("%s: %d digest(s) queued%s", self.name, queued, note)
        return queued

    async def drain(self) -> DrainReport | None:
        async with self.passes.turn() as go:
            if not go:
                return None
            try:
                async with self.open() as channel:
                    sender = OutboxSender(
                        self.store, channel, tz=self.tz, clock=self.clock,
                        send_empty_digest=self.settings.send_empty_digest,
                        concurrency=getattr(channel, "concurrency", 1),
                    )  # fmt: skip
                    report = await sender.drain(DRAIN_BATCH)
            except WatcherError as error:
                log.error("%s outbox not drained: %s", self.name, error)
                return None
        if report.counts:
            log.info("%s outbox: %s", self.name, report.line())
        return report
