"""`watcher backfill SOURCE --from ID [--to ID]`: a sequence source's history, politely.

A first cycle stores only the newest items (sources/sequence.py); the ids before them are
history, fetched here at the fetcher's polite pace (one request per `per_host_interval`, robots
and bot protection honoured like any cycle), stored with origin "backfill": never alerted, never
in a digest. Ids already stored are not fetched again. Progress (the next id) is saved after
each id, so a backfill that was killed resumes where it stopped when run again with the same
range; an id that cannot be read is recorded like a cycle's and does not stop the backfill.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from watcher.core.config import SourceConfig
from watcher.core.errors import ConfigError
from watcher.sources import SourceContext, make_source
from watcher.sources.cycle import Poller
from watcher.sources.memory import StoreMemory
from watcher.sources.pages import Stopped
from watcher.sources.sequence import SequenceSource
from watcher.store import off_loop

__all__ = ["BackfillReport", "backfill_range", "run_backfill"]


@dataclass
class BackfillReport:
    first: int
    last: int
    resumed_at: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    already: int = 0  # ids stored before: not fetched
    empty: int = 0
    skipped: list[str] = field(default_factory=list)
    stopped: bool = False

    def line(self) -> str:
        c = self.counts
        text = (
            f"backfill {self.first}–{self.last}: {c.get('new', 0)} new,"
            f" {c.get('duplicate', 0)} duplicate, {c.get('revision', 0)} revision,"
            f" {self.already} already stored, {self.empty} empty, {len(self.skipped)} unreadable"
            " (history: no alerts)"
        )
        if self.resumed_at is not None:
            text += f"; resumed at {self.resumed_at}"
        if self.stopped:
            text += "; stopped: run the same command again to resume"
        return text


def backfill_range(source: SourceConfig, first: int, last: int | None, highest: int | None
                   ) -> tuple[int, int]:  # fmt: skip
    """The ids to read: --to, else up to the newest id the source has reached."""
    if source.kind != "sequence":
        raise ConfigError(f"source {source.name}: backfill needs a sequence source")
    end = last if last is not None else highest
    if end is None:
        raise ConfigError(
            f"source {source.name}: no newest id known yet; give --to or run `watcher poll`"
        )
    if end < first:
        raise ConfigError(f"backfill: --to {end} is before --from {first}")
    return first, end


async def run_backfill(
    poller: Poller, source: SourceConfig, first: int, last: int | None,
    on_progress: Callable[[int, int], None] | None = None,
) -> BackfillReport:  # fmt: skip
    store = poller.store
    limits = poller.config.limits
    memory = StoreMemory(
        store, source.name, source.url.split("{")[0], poller.clock,
        give_up_after=limits.give_up_after,
    )  # fmt: skip
    first, last = backfill_range(source, first, last, await memory.highest_id())
    report = BackfillReport(first, last)
    state = await off_loop(store.source_state, source.name)
    start = _resume_point(state.backfill, first, last)
    if start != first:
        report.resumed_at = start
    scope = await poller.fetcher.scope_for(
        source.url.replace("{id}", "0"), respect_robots=not source.ignore_robots
    )
    context = SourceContext(
        poller.fetcher, scope, memory, poller.clock, limits=limits, stop=poller.stop
    )
    kind = make_source(source, context)
    assert isinstance(kind, SequenceSource)
    stored = await off_loop(store.stored_source_ids, kind.url_prefix, start, last)
    report.already = len(stored)
    ids = [i for i in range(start, last + 1) if i not in stored]
    with contextlib.suppress(Stopped):  # SIGTERM during a parse: that id is read on resume
        await _read_range(poller, source, kind, ids, report, first, last, start, on_progress)
    report.stopped = report.stopped or poller.stop.is_set()
    report.skipped = list(kind.stats.skipped)
    report.empty -= len(report.skipped)  # an unreadable id yields no item either
    if not report.stopped:
        await off_loop(store.set_backfill, source.name, None)
    return report


async def _read_range(
    poller: Poller, source: SourceConfig, kind: SequenceSource, ids: list[int],
    report: BackfillReport, first: int, last: int, start: int,
    on_progress: Callable[[int, int], None] | None,
) -> None:  # fmt: skip
    store = poller.store
    async with contextlib.aclosing(kind.history(ids)) as reads:
        async for source_id, found in reads:
            if found is None:
                report.empty += 1
            else:
                done = await poller.process(source, found, alert=False, origin="backfill")
                status = done.result.status
                report.counts[status] = report.counts.get(status, 0) + 1
            progress = _progress(first, last, source_id + 1)
            await off_loop(store.set_backfill, source.name, progress)
            if on_progress is not None:
                on_progress(source_id - start + 1, last - start + 1)
            if poller.stop.is_set():
                report.stopped = True
                break


def _progress(first: int, last: int, next_id: int) -> str:
    return json.dumps({"from": first, "to": last, "next": next_id})


def _resume_point(saved: str | None, first: int, last: int) -> int:
    if not saved:
        return first
    try:
        progress = json.loads(saved)
    except ValueError:
        return first
    if progress.get("from") == first and progress.get("to") == last:
        return int(progress.get("next", first))
    return first
