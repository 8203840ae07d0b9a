"""`watcher run`: one AsyncIOScheduler on one event loop runs every periodic job.

The Daemon takes the scheduler from its caller, so the Telegram bot can hand in the one its
JobQueue runs (python-telegram-bot's JobQueue is an AsyncIOScheduler): one scheduler, one loop,
never two. It adds one job per enabled source (interval + jitter, max_instances=1 so a slow
cycle is never run twice at once, coalesce so missed runs collapse into one, a misfire grace).
Other parts plug in through two hooks:

- `extra_jobs`: callables that add their jobs to the scheduler (outbox sender, digests) and
  may return a Service whose stop waits for their pass under way: APScheduler cancels running
  jobs at shutdown, and a send cancelled before it is marked would go again after a restart;
- `services`: objects with `async start()` / `async stop()` (the bot's polling), started after
  the jobs are added and stopped, in reverse order, after the cycles and the jobs' passes.

SIGTERM and SIGINT set the stop event, and the log says `stopping` at once: no cycle starts
any more, running cycles end after the item in hand (they are cancelled after
`stop_grace_seconds`, 1 s by default, if still fetching, retrying or backing off; fetched
pages are read again next time, stored items are never half-written), then services stop.
The whole takes under 2 seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from watcher.classify import Classifies
from watcher.core.config import Config, SourceConfig
from watcher.core.errors import StoreError
from watcher.sources.cycle import CycleReport, ItemReport, Poller, open_poller, stop_on_signals
from watcher.store import DamagedDatabase, Store

__all__ = ["Daemon", "ExtraJob", "Service", "run_daemon", "stop_on_signals"]

log = logging.getLogger(__name__)

CANCELLED_GRACE_SECONDS = 0.5
ExtraJob = Callable[[Any], "Service | None"]  # adds jobs to the AsyncIOScheduler; their stop


class Service(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Daemon:
    def __init__(
        self,
        poller: Poller,
        scheduler: Any,  # apscheduler AsyncIOScheduler (untyped library)
        *,
        extra_jobs: Sequence[ExtraJob] = (),
        services: Sequence[Service] = (),
        on_report: Callable[[CycleReport], None] | None = None,
        stop_grace_seconds: float = 1.0,
    ) -> None:
        self.poller = poller
        self.scheduler = scheduler
        self.extra_jobs = list(extra_jobs)
        self.services = list(services)
        self.on_report = on_report
        self.stop_grace_seconds = stop_grace_seconds
        self.stop = poller.stop
        self.last_reports: dict[str, CycleReport] = {}  # per source; bounded for months
        self.cycles_run = 0
        self.damaged: DamagedDatabase | None = None  # set when a cycle met a damaged file
        self._running: set[asyncio.Task[Any]] = set()
        self._job_ids: list[str] = []
        self._job_services: list[Service] = []

    def add_jobs(self) -> None:
        now = dt.datetime.now(dt.UTC)
        for source in self.poller.sources():
            job = self.scheduler.add_job(
                self.run_source,
                "interval",
                args=[source],
                seconds=source.interval_seconds,
                jitter=source.jitter_seconds or None,
                next_run_time=now,
                id=f"source:{source.name}",
                name=f"poll {source.name}",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(source.interval_seconds // 2, 30),
                replace_existing=True,
            )
            self._job_ids.append(job.id)
        for add in self.extra_jobs:
            service = add(self.scheduler)
            if service is not None:
                self._job_services.append(service)

    async def run_source(self, source: SourceConfig) -> CycleReport | None:
        """One scheduled cycle; never raises for the site's failures (they are in the report)."""
        if self.stop.is_set():
            return None
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            report = await self.poller.cycle(source, respect_backoff=True)
        except DamagedDatabase as error:  # nothing more may be written into it: stop
            log.critical("source %s: %s; the watcher stops", source.name, error)
            self.damaged = error
            self.stop.set()
            return None
        except StoreError as error:  # locked or read-only: the next interval tries again
            log.error("source %s: cycle not recorded, will retry: %s", source.name, error)
            return None
        except asyncio.CancelledError:  # the stop's grace ran out: one line, not a traceback
            if not self.stop.is_set():
                raise
            log.warning("source %s: cycle cut short by the stop; read again at the next start",
                        source.name)  # fmt: skip
            return None
        except Exception:
            log.exception("source %s: cycle could not be recorded", source.name)
            return None
        finally:
            if task is not None:
                self._running.discard(task)
        self.last_reports[source.name] = report
        self.cycles_run += 1
        if self.on_report is not None:
            self.on_report(report)
        return report

    async def serve(self) -> None:
        """Run until the stop event is set, then shut down in order."""
        started_scheduler = not self.scheduler.running
        self.add_jobs()
        if started_scheduler:
            self.scheduler.start()
        started: list[Service] = []
        try:
            for service in self.services:
                await service.start()
                started.append(service)
            await self.stop.wait()
            log.warning(
                "stopping: no new cycle or send; the item in hand is finished within %.0f s"
                " or left for the next start",
                self.stop_grace_seconds,
            )
        finally:
            self.stop.set()
            for job_id in self._job_ids:
                with contextlib.suppress(Exception):
                    self.scheduler.remove_job(job_id)
            await self._finish_cycles()
            for service in [*self._job_services, *reversed(started)]:
                try:
                    await service.stop()
                except Exception:
                    log.exception("service %r did not stop cleanly", service)
            if started_scheduler and self.scheduler.running:
                # A run submitted just before its job was removed has a task that has not
                # started; shutdown would cancel it and log "Error running job". Let such
                # tasks start: each sees the stop and returns at once.
                for _ in range(3):
                    await asyncio.sleep(0)
                self.scheduler.shutdown(wait=False)

    async def _finish_cycles(self) -> None:
        running = set(self._running)
        if not running:
            return
        _done, late = await asyncio.wait(running, timeout=self.stop_grace_seconds)
        for task in late:
            task.cancel()
        if late:  # a cancelled fetch or back-off ends at its next await
            await asyncio.wait(late, timeout=CANCELLED_GRACE_SECONDS)


async def run_daemon(
    config: Config,
    store: Store,
    classifier: Classifies | None,
    *,
    scheduler: Any = None,
    extra_jobs: Sequence[ExtraJob] = (),
    services: Sequence[Service] = (),
    on_report: Callable[[CycleReport], None] | None = None,
    on_item: Callable[[ItemReport], None] | None = None,
    stop: asyncio.Event | None = None,
) -> dict[str, CycleReport]:
    """`watcher run`: poll every enabled source on its schedule until SIGTERM/SIGINT or `stop`."""
    stop = stop or asyncio.Event()
    with stop_on_signals(stop):
        async with open_poller(config, store, classifier, stop=stop, on_item=on_item) as poller:
            if scheduler is None:
                from apscheduler.schedulers.asyncio import AsyncIOScheduler

                scheduler = AsyncIOScheduler(timezone=config.watcher.timezone)
            daemon = Daemon(
                poller, scheduler, extra_jobs=extra_jobs, services=services,
                on_report=on_report, stop_grace_seconds=config.watcher.stop_grace_seconds,
            )  # fmt: skip
            await daemon.serve()
            if daemon.damaged is not None:  # `watcher run` exits 2 with its one line
                raise daemon.damaged
            return daemon.last_reports
