"""`watcher run`'s e-mail work: the daily digest at [email] digest_time, and the outbox drain
that delivers what failed transiently before.

The scheduled digest covers the last complete day in the configured zone: at 07:00 on the 20th
it sends the 19th's items. A digest of the current day at 07:00 would hold only the night's
items, and the rest of that day would never reach anyone.

Sending twice is prevented by the store, not by the scheduler: `queue_digest` writes at most one
row per subscriber and day (UNIQUE in the outbox) and a row marked sent is never due again, so a
restart, a catch-up run or a second `watcher run` on the same day queue nothing new.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from watcher.channels.digest import queue_weekly_digests
from watcher.channels.digest_runs import DigestRun, run_digests
from watcher.channels.email.send import email_zone
from watcher.channels.outbox import DrainReport, OutboxSender
from watcher.channels.passes import DeliveryPasses
from watcher.channels.registry import OpenableChannel, open_channel
from watcher.channels.status import ChannelStatus
from watcher.core.config import Config, Environment, time_of_day
from watcher.core.errors import ConfigError, WatcherError
from watcher.store import Store, off_loop

__all__ = [
    "DigestRun",
    "EmailJobs",
    "add_email_jobs",
    "digest_clock_time",
]

log = logging.getLogger(__name__)


def digest_clock_time(text: str) -> dt.time:
    """[email] digest_time as a time of day (ConfigError when it is not HH:MM)."""
    try:
        hours, minutes = time_of_day(text).split(":")
    except ValueError as error:
        raise ConfigError(f"email.digest_time: {error}") from None
    return dt.time(int(hours), int(minutes))


class EmailJobs:
    """The two jobs, and a Service whose stop lets the pass under way finish; one pass at a
    time, so a digest run and a retry drain never send the same row."""

    def __init__(
        self,
        store: Store,
        config: Config,
        open_email: Callable[[], OpenableChannel],
        *,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        status: ChannelStatus | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.open_email = open_email
        self.clock = clock
        self.status = status  # an SMTP server that cannot be reached: said in the log and health
        self.tz = email_zone(config)
        self.passes = DeliveryPasses("e-mail")

    async def start(self) -> None:
        await self.passes.start()

    async def stop(self) -> None:
        await self.passes.stop()

    def last_complete_day(self) -> dt.date:
        return self.clock().astimezone(self.tz).date() - dt.timedelta(days=1)

    async def send_digests(self, day: dt.date | None = None, *, force: bool = False) -> DigestRun:
        """Queue the day's digest for every daily e-mail subscriber, then drain the outbox."""
        the_day = day or self.last_complete_day()
        async with self.passes.turn() as go:
            if not go:
                return DigestRun("e-mail", the_day, 0, DrainReport(Counter()))
            run = await run_digests(
                self.store, "email", the_day, self.clock(), self._drain, force=force,
                label="e-mail",
            )  # fmt: skip
        log.info("%s", run.line())
        return run

    async def drain(self) -> DrainReport:
        """Deliver what is due, the weekly digests due by now among it (their day and time
        are each subscriber's own, so they are queued here rather than at digest_time)."""
        async with self.passes.turn() as go:
            if not go:
                return DrainReport(Counter())
            await off_loop(
                queue_weekly_digests,
                self.store,
                "email",
                self.clock(),
                self.tz,
                self.config.email.digest_time,
            )
            return await self._drain()

    async def _drain(self) -> DrainReport:
        async with self.open_email() as channel:
            sender = OutboxSender(
                self.store,
                channel,
                tz=self.tz,
                send_empty_digest=self.config.email.send_empty_digest,
                clock=self.clock,
                status=self.status,
            )
            return await sender.drain(limit=10_000)

    async def scheduled_digests(self) -> None:
        """The job's body: failures are logged in one line and retried by the next run."""
        try:
            await self.send_digests()
        except WatcherError as error:
            log.error("e-mail digest not sent: %s", error)

    async def scheduled_drain(self) -> None:
        try:
            report = await self.drain()
        except WatcherError as error:
            log.error("e-mail outbox not drained: %s", error)
            return
        if report.counts:
            log.info("e-mail outbox: %s", report.line())

    def due_today(self) -> bool:
        """True once today's digest time has passed (a start after it must catch up)."""
        local = self.clock().astimezone(self.tz)
        return local.time() >= digest_clock_time(self.config.email.digest_time)


def add_email_jobs(
    scheduler: Any,
    store: Store,
    config: Config,
    env: Environment,
    *,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    open_email: Callable[[], OpenableChannel] | None = None,
    status: ChannelStatus | None = None,
) -> EmailJobs | None:
    """Add the daily digest, a catch-up run and the retry drain to an AsyncIOScheduler.

    Returns None (and adds nothing) when SMTP_HOST is not set: e-mail is then simply off.
    """
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if open_email is None:
        if not env.smtp_host:
            log.info("e-mail off: SMTP_HOST is not set")
            return None
        open_channel("email", config, env)  # a config problem shows at start-up, not at 07:00
        open_email = lambda: open_channel("email", config, env)  # noqa: E731
    at = digest_clock_time(config.email.digest_time)
    jobs = EmailJobs(store, config, open_email, clock=clock, status=status)
    common = {"coalesce": True, "max_instances": 1, "replace_existing": True}
    scheduler.add_job(
        jobs.scheduled_digests,
        CronTrigger(hour=at.hour, minute=at.minute, timezone=jobs.tz),
        id="email-digest",
        name="daily e-mail digest",
        misfire_grace_time=3600,
        **common,
    )
    scheduler.add_job(
        jobs.scheduled_drain,
        IntervalTrigger(seconds=config.email.retry_interval_seconds),
        id="email-outbox",
        name="e-mail outbox retries",
        **common,
    )
    if jobs.due_today():
        scheduler.add_job(
            jobs.scheduled_digests,
            id="email-digest-catch-up",
            name="e-mail digest catch-up",
            **common,
        )
    return jobs
