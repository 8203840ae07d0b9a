"""`watcher run`: the Daemon on an AsyncIOScheduler, its hooks, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from tests.site import LocalSite, local_site
from tests.test_poll import write_config
from tests.test_sources import FAST, news_item, sequence_config
from watcher.core.config import Config
from watcher.daemon.scheduler import Daemon, run_daemon
from watcher.sources.cycle import CycleReport, open_poller
from watcher.store import ItemFilter, Store

__all__ = ["local_site"]

ROOT = Path(__file__).resolve().parents[1]


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(0.02)


class RecordingService:
    def __init__(self, events: list[str], name: str) -> None:
        self.events, self.name = events, name

    async def start(self) -> None:
        self.events.append(f"start {self.name}")

    async def stop(self) -> None:
        self.events.append(f"stop {self.name}")


def test_daemon_polls_each_source_on_its_schedule_and_stops_cleanly(
    local_site: LocalSite, store: Store
) -> None:
    local_site.publish(100, news_item(100))
    source = sequence_config(local_site, interval_seconds=1, jitter_seconds=0)
    config = Config(fetch=FAST, sources=(source,))
    events: list[str] = []
    reports: list[CycleReport] = []

    async def go() -> None:
        stop = asyncio.Event()
        scheduler = AsyncIOScheduler()
        serving = asyncio.create_task(
            run_daemon(
                config,
                store,
                None,
                scheduler=scheduler,
                stop=stop,
                on_report=reports.append,
                extra_jobs=[lambda s: events.append(f"jobs added to {type(s).__name__}")],
                services=[RecordingService(events, "a"), RecordingService(events, "b")],
            )
        )
        await until(lambda: len(reports) >= 1)
        local_site.publish(101, news_item(101))
        await until(lambda: any(i.source_id == 101 for r in reports for i in r.items))
        stop.set()
        await asyncio.wait_for(serving, 10)
        assert not scheduler.running

    asyncio.run(go())
    assert events == ["jobs added to AsyncIOScheduler", "start a", "start b", "stop b", "stop a"]
    assert reports[0].baseline and not reports[-1].baseline
    assert len(store.list_items(ItemFilter())) == 2


def test_a_scheduler_owned_by_the_caller_keeps_running(local_site: LocalSite, store: Store) -> None:
    source = sequence_config(local_site, interval_seconds=1, jitter_seconds=0)
    config = Config(fetch=FAST, sources=(source,))

    async def go() -> tuple[bool, list[str]]:
        scheduler = AsyncIOScheduler()
        scheduler.start()
        scheduler.add_job(lambda: None, "interval", seconds=60, id="bot")
        async with open_poller(config, store, None) as poller:
            daemon = Daemon(poller, scheduler)
            serving = asyncio.create_task(daemon.serve())
            await until(lambda: daemon.cycles_run >= 1)
            poller.stop.set()
            await asyncio.wait_for(serving, 10)
        jobs = [job.id for job in scheduler.get_jobs()]
        running = scheduler.running
        scheduler.shutdown(wait=False)
        return running, jobs

    running, jobs = asyncio.run(go())
    assert running and jobs == ["bot"]


def test_stop_cancels_a_cycle_stuck_on_the_network_after_the_grace(
    local_site: LocalSite, store: Store
) -> None:
    local_site.stall("/news/contents/details/100", seconds=30)
    fetch = dataclasses.replace(FAST, read_timeout=30.0, total_timeout=60.0)
    config = Config(fetch=fetch, sources=(sequence_config(local_site, jitter_seconds=0),))

    async def go() -> float:
        async with open_poller(config, store, None) as poller:
            daemon = Daemon(poller, AsyncIOScheduler(), stop_grace_seconds=0.1)
            serving = asyncio.create_task(daemon.serve())
            await until(lambda: local_site.count("/news/contents/details/100") == 1)
            started = time.monotonic()
            poller.stop.set()
            await asyncio.wait_for(serving, 10)
            return time.monotonic() - started

    asyncio.run(go())
    assert store.source_state("news").cycles == 0  # cut off: nothing recorded, nothing lost


def _stored_items(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as conn:
            return int(conn.execute("SELECT count(*) FROM items").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_watcher_run_stops_on_sigterm_with_exit_0(local_site: LocalSite, tmp_path: Path) -> None:
    local_site.add_items([news_item(n) for n in range(2)], start_id=100)
    db = tmp_path / "watcher.db"
    env = os.environ | {"WATCHER_CONFIG": str(write_config(tmp_path, local_site)),
                        "WATCHER_DB": str(db)}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "watcher", "run"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        asyncio.run(until(lambda: _stored_items(db) == 2, timeout=30))
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "news: 2 new" in output and output.rstrip().endswith("stopped")
