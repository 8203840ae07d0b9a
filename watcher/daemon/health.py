"""Is the watcher doing its job? The checks behind `watcher health` and Docker's HEALTHCHECK.

Healthy means: the database is writable, some poll has completed on it (a fresh or wrong
database is not a working watcher, even if nothing in it has failed yet), every enabled source
that has been polled succeeded recently (within three intervals plus five minutes) and is
neither refused by robots.txt, blocked by bot protection nor read with stale selectors, and the
outbox is not stuck (nothing due for more than an hour, paused subscribers aside), and the
database's filesystem has room: at least `min_free_disk_mb` free and a real write beside the
database succeeds (SQLite's own probe writes nothing until a commit, so a full disk looked
writable). `source_problem` is the one rule for a source, used here, by `watcher sources` and by
the admins' alerts.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from watcher.channels.status import channels_down
from watcher.core.config import Config, SourceConfig
from watcher.core.errors import StoreError
from watcher.sources.state import WHAT_TO_DO, state_line
from watcher.store import SourceState, Store

__all__ = ["HealthCheck", "check_health", "disk_check", "source_problem"]


def source_problem(source: SourceConfig, state: SourceState, now: dt.datetime) -> str | None:
    """What is wrong with a polled source and what to do, or None when it is healthy."""
    if state.cycles == 0:
        return None
    if state.state in WHAT_TO_DO:
        return f"{state_line(state)} — {WHAT_TO_DO[state.state]}"
    grace = dt.timedelta(seconds=3 * source.interval_seconds + 300)
    last = dt.datetime.fromisoformat(state.last_success) if state.last_success else None
    if last is not None and now - last <= grace:
        return None
    problem = f"last success {state.last_success or 'never'}"
    if state.consecutive_failures:
        problem += f"; {state.consecutive_failures} failed cycles: {state.last_error}"
    return problem


STUCK_OUTBOX = dt.timedelta(hours=1)


@dataclass(frozen=True)
class HealthCheck:
    name: str
    ok: bool
    detail: str


def check_health(store: Store, config: Config, now: dt.datetime) -> list[HealthCheck]:
    checks = [_database(store)]
    states = {s.name: store.source_state(s.name) for s in config.sources}
    polled = [name for name, state in states.items() if state.last_success]
    checks.append(
        HealthCheck("polls", True, f"{len(polled)} of {len(states)} sources polled successfully")
        if polled
        else HealthCheck(
            "polls", False, "no poll has completed on this database yet (`watcher run` polls)"
        )
    )
    for source in config.sources:
        if not source.enabled:
            continue
        state = states[source.name]
        problem = source_problem(source, state, now)
        detail = problem or f"{state_line(state)}; last success {state.last_success or 'never'}"
        checks.append(HealthCheck(f"source {source.name}", problem is None, detail))
    counts = store.outbox_counts()
    oldest = store.oldest_due_outbox(now)
    stuck = oldest is not None and now - dt.datetime.fromisoformat(oldest) > STUCK_OUTBOX
    detail = f"{counts.get('pending', 0)} pending, {counts.get('sent', 0)} sent"
    if oldest:
        detail += f"; oldest due since {oldest}"
    checks.append(HealthCheck("outbox", not stuck, detail))
    for down in channels_down(store.path):
        checks.append(HealthCheck(f"channel {down.name}", False, down.line()))
    checks.append(disk_check(store.path, config.watcher.min_free_disk_mb))
    return checks


PROBE_BYTES = 64 * 1024  # the write probe: a page-sized burst, like the next commit's


def disk_check(db_path: str, min_free_mb: int) -> HealthCheck:
    """Room on the database's filesystem: free space over the threshold, and a real write."""
    if db_path == ":memory:":
        return HealthCheck("disk", True, "in-memory database")
    folder = Path(db_path).absolute().parent
    try:
        free_mb = shutil.disk_usage(folder).free / 1e6
    except OSError as error:
        return HealthCheck("disk", False, f"{folder}: cannot read free space: {error.strerror}")
    if free_mb < min_free_mb:
        detail = (
            f"{folder} (the database's filesystem) has {free_mb:.1f} MB free, below"
            f" min_free_disk_mb = {min_free_mb}: free space, or the next writes fail"
        )
        return HealthCheck("disk", False, detail)
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".health-probe-") as probe:
            probe.write(os.urandom(PROBE_BYTES))
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as error:
        detail = f"{folder} (the database's filesystem): a test write failed: {error.strerror}"
        return HealthCheck("disk", False, detail)
    return HealthCheck("disk", True, f"{folder}: {free_mb:.0f} MB free")


def _database(store: Store) -> HealthCheck:
    try:
        store.check_writable()
    except StoreError as error:
        return HealthCheck("database", False, str(error))
    return HealthCheck("database", True, f"{store.path} writable, {store.count_items()} items")
