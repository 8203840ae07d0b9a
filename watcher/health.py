"""Is the watcher doing its job? The checks behind `watcher health` and Docker's HEALTHCHECK.

Healthy means: the database is writable, every enabled source that has been polled succeeded
recently (within three intervals plus five minutes) and is neither refused by robots.txt,
blocked by bot protection nor read with stale selectors, and the outbox is not stuck (nothing
due for more than an hour, paused subscribers aside). `source_problem` is the one rule for a
source, used here, by `watcher sources` and by the admins' alerts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from watcher.config import Config, SourceConfig
from watcher.errors import StoreError
from watcher.store import SourceState, Store

__all__ = ["HealthCheck", "check_health", "source_problem", "state_line"]

WHAT_TO_DO = {
    "refused": (
        "the site's robots.txt does not allow this source; nothing else is requested. Add an"
        ' official feed instead (README "Sources"); override only with the site\'s permission'
        " (ignore_robots = true)"
    ),
    "blocked": "the site's bot protection answered; the watcher backs off and retries by itself",
    "stale": (
        "the site changed its layout: items are still stored (article extractor); update"
        " [selectors] or the source's [sources.selectors]"
    ),
}


def state_line(state: SourceState) -> str:
    """The source's state as `watcher sources` shows it: ok, or what the site said."""
    if state.cycles == 0:
        return "not polled yet"
    if state.state == "ok":
        return "ok" + (f" ({state.state_detail})" if state.state_detail else "")
    return state.state_detail or state.last_error or state.state


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
    for source in config.sources:
        if not source.enabled:
            continue
        state = store.source_state(source.name)
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
    return checks


def _database(store: Store) -> HealthCheck:
    try:
        store.check_writable()
    except StoreError as error:
        return HealthCheck("database", False, str(error))
    return HealthCheck("database", True, f"{store.path} writable, {store.count_items()} items")
