"""Is the watcher doing its job? The checks behind `watcher health` and Docker's HEALTHCHECK.

Healthy means: the database is writable, every enabled source that has been polled succeeded
recently (within three intervals plus five minutes), and the outbox is not stuck (nothing due
for more than an hour, paused subscribers aside).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from watcher.config import Config
from watcher.errors import StoreError
from watcher.store import Store

__all__ = ["HealthCheck", "check_health"]

STUCK_OUTBOX = dt.timedelta(hours=1)


@dataclass(frozen=True)
class HealthCheck:
    name: str
    ok: bool
    detail: str


def check_health(store: Store, config: Config, now: dt.datetime) -> list[HealthCheck]:
    checks = [_database(store)]
    for source in config.sources:
        if not source.enabled:
            continue
        state = store.source_state(source.name)
        if state.cycles == 0:
            checks.append(HealthCheck(f"source {source.name}", True, "not polled yet"))
            continue
        grace = dt.timedelta(seconds=3 * source.interval_seconds + 300)
        last = dt.datetime.fromisoformat(state.last_success) if state.last_success else None
        ok = last is not None and now - last <= grace
        detail = f"last success {state.last_success or 'never'}"
        if state.consecutive_failures:
            detail += f"; {state.consecutive_failures} failed cycles: {state.last_error}"
        checks.append(HealthCheck(f"source {source.name}", ok, detail))
    counts = store.outbox_counts()
    oldest = store.oldest_due_outbox(now)
    stuck = oldest is not None and now - dt.datetime.fromisoformat(oldest) > STUCK_OUTBOX
    detail = f"{counts.get('pending', 0)} pending, {counts.get('sent', 0)} sent"
    if oldest:
        detail += f"; oldest due since {oldest}"
    checks.append(HealthCheck("outbox", not stuck, detail))
    return checks


def _database(store: Store) -> HealthCheck:
    try:
        store.check_writable()
    except StoreError as error:
        return HealthCheck("database", False, str(error))
    return HealthCheck("database", True, f"{store.path} writable, {store.count_items()} items")
