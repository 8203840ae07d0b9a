"""One cycle of one source: discover new pages → Pipeline → a CycleReport, failure included.

A cycle never raises for what the site does (timeouts, 5xx, garbage, a selector that matches
nothing): the failure is the report's `error`, recorded in the state DB (so health alerts can
count failures in a row), and the next cycle starts again from what was stored. Only a broken
database (StoreError) escapes, because nothing can be recorded then.

A source's cycles are a baseline until one completes: items are stored and classified but
not alerted, so a new install (or a new source) does not flood subscribers with the backlog,
and a baseline cut short by a crash or a stop stays a baseline.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field

from watcher.classify import Classifies
from watcher.core.config import Config, SourceConfig
from watcher.core.errors import (
    BlockedByBotProtection,
    ConfigError,
    FetchError,
    ParseError,
    RefusedByRobots,
    StoreError,
)
from watcher.fetch.client import Fetcher, FetchStats, make_client
from watcher.ingest.pipeline import ItemResult, Pipeline, utc_now
from watcher.sources import Found, SourceContext, SourceStats, make_source
from watcher.sources.base import BudgetReached
from watcher.sources.memory import StoreMemory
from watcher.sources.pages import Stopped
from watcher.store import SourceState, Store, off_loop

__all__ = [
    "CycleReport",
    "ItemReport",
    "Poller",
    "SiteOutcome",
    "open_poller",
    "poll_once",
    "stop_on_signals",
]

log = logging.getLogger(__name__)
STOPPED = "stopped before the end of the cycle"


@dataclass(frozen=True)
class ItemReport:
    source: str
    source_id: int | None
    url: str | None
    title: str
    result: ItemResult
    history: bool = False  # a baseline or backfill item: stored, never alerted


@dataclass(frozen=True)
class SiteOutcome:
    """What the site said in a cycle: the source's state, recorded for `sources` and health."""

    state: str = "ok"  # ok | refused | blocked | stale | failing
    detail: str | None = None
    blocked_until: dt.datetime | None = None

    @classmethod
    def of_stats(cls, stats: SourceStats, before: SourceState) -> SiteOutcome:
        """A cycle that went through; stale selectors stay flagged until a page fits them."""
        if not stats.stale and not stats.fitted and before.state == "stale":
            return cls("stale", before.state_detail)
        notes = []
        if stats.budget:
            notes.append(
                f"cycle ended at its budget ({stats.budget}); the next cycle goes on from there"
                " (every cycle ending so: the site may answer every id or link)"
            )
        if stats.from_summary:
            notes.append(f"{stats.from_summary} feed entries stored from their summary")
        if stats.skipped:
            notes.append(f"{len(stats.skipped)} unreadable: {stats.skipped[0]}")
        if stats.stale:
            detail = f"selectors stale: {stats.stale}; read by the article extractor"
            return cls("stale", "; ".join([detail, *notes]))
        return cls("ok", "; ".join(notes) or None)


def _still_blocked(state: SourceState, now: dt.datetime) -> bool:
    if state.state != "blocked" or not state.blocked_until:
        return False
    return now < dt.datetime.fromisoformat(state.blocked_until)


@dataclass(frozen=True)
class CycleReport:
    source: str
    started: dt.datetime
    seconds: float
    baseline: bool = False
    counts: dict[str, int] = field(default_factory=dict)  # new, duplicate, revision, rejected
    empty: int = 0
    fetch: FetchStats = field(default_factory=FetchStats)
    last_id: int | None = None
    error: str | None = None
    items: tuple[ItemReport, ...] = ()
    state: str = "ok"
    detail: str | None = None
    skipped: tuple[str, ...] = ()
    waiting: bool = False  # a blocked source's back-off was not over: nothing was requested

    @property
    def ok(self) -> bool:
        return self.error is None

    def line(self) -> str:
        """What one cycle did, one line per fact; a failed cycle's first line says FAILED and
        why (counts would read as success: '0 new … baseline' after a refused listing)."""
        if self.waiting:
            return f"{self.source}: {self.error} (bot protection; not polled)"
        if self.error:
            text = f"{self.source}: FAILED: {' '.join(_what_to_do(self).split())}"
            if any(self.counts.values()):
                text += f"\n{self.source}: stored before the failure: {self._counts()}"
            return text
        parts = [
            self._counts(),
            f"{self.fetch.requests} requests ({self.fetch.not_modified} not modified),"
            f" {self.fetch.bytes / 1024:.1f} KB in {self.seconds:.1f}s",
        ]
        if self.last_id is not None:
            parts.append(f"last id {self.last_id}")
        if self.baseline:
            parts.append("baseline, no alerts")
        text = f"{self.source}: " + "; ".join(parts)
        for skipped in self.skipped:
            text += f"\n{self.source}: skipped {skipped}"
        if self.state == "stale" and self.detail:
            text += f"\n{self.source}: WARNING: {self.detail}"
        return text

    def _counts(self) -> str:
        c = Counter(self.counts)
        return (
            f"{c['new']} new, {c['duplicate']} duplicate, {c['revision']} revision,"
            f" {c['variant']} variant, {c['rejected']} rejected, {self.empty} empty"
        )


def _what_to_do(report: CycleReport) -> str:
    """The failure line, with what the operator can do about it."""
    if report.state == "refused":
        return (
            f"{report.detail}. The site does not allow this source to be read; nothing else"
            ' was requested. Add an official feed (README, "Going live") instead.'
        )
    if report.state == "blocked":
        return f"{report.detail}. Nothing was stored; items published meanwhile arrive later."
    return f"{report.error} (recorded; the next cycle retries)"


class Poller:
    """Runs cycles; `stop` (an asyncio.Event) ends a cycle after the item in hand."""

    def __init__(
        self,
        config: Config,
        pipeline: Pipeline,
        fetcher: Fetcher,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
        stop: asyncio.Event | None = None,
        on_item: Callable[[ItemReport], None] | None = None,
    ) -> None:
        self.config = config
        self.pipeline = pipeline
        self.store: Store = pipeline.store
        self.fetcher = fetcher
        self.clock = clock
        self.stop = stop or asyncio.Event()
        self.on_item = on_item
        for source in config.sources:
            if source.ignore_robots and source.enabled:
                log.warning(
                    "source %s: ignore_robots = true: robots.txt is NOT honoured for it (an"
                    " operator's override; the site's stated policy disallows scraping)",
                    source.name,
                )

    def sources(self, names: Sequence[str] = ()) -> list[SourceConfig]:
        """Enabled sources, or exactly the named ones (enabled or not)."""
        if names:
            known = {s.name: s for s in self.config.sources}
            missing = [n for n in names if n not in known]
            if missing:
                raise ConfigError(f"{self.config.path or 'config'}: no source named {missing[0]!r}")
            return [known[n] for n in names]
        return [s for s in self.config.sources if s.enabled]

    async def cycle_all(self, names: Sequence[str] = ()) -> list[CycleReport]:
        reports = []
        for source in self.sources(names):
            if self.stop.is_set():
                break
            reports.append(await self.cycle(source))
        return reports

    async def cycle(self, source: SourceConfig, *, respect_backoff: bool = False) -> CycleReport:
        """One cycle of `source`. A blocked source waits out its back-off only when
        `respect_backoff` (the daemon's schedule); `poll --once` always tries."""
        started, clock_start = self.clock(), time.monotonic()
        state = await off_loop(self.store.source_state, source.name)
        if respect_backoff and _still_blocked(state, started):
            return CycleReport(
                source.name, started, 0.0, error=f"blocked: waiting until {state.blocked_until}",
                state="blocked", waiting=True,
            )  # fmt: skip
        first_cycle = state.last_success is None
        baseline = self.config.watcher.baseline_first_cycle and first_cycle
        counts: Counter[str] = Counter()
        items: list[ItemReport] = []
        fetch_stats = FetchStats()
        error: str | None = None
        outcome = SiteOutcome()
        stats = None
        try:
            scope = await self.fetcher.scope_for(
                source.url.replace("{id}", "0"), respect_robots=not source.ignore_robots
            )
            fetch_stats = scope.stats
            limits = self.config.limits
            memory = StoreMemory(
                self.store, source.name, source.url.split("{")[0], self.clock,
                give_up_after=limits.give_up_after,
            )  # fmt: skip
            # A first cycle stores history, unless the operator asked for alerts from a start_id
            history_first = baseline or (
                first_cycle and getattr(source.options, "start_id", 0) is None
            )
            context = SourceContext(
                self.fetcher, scope, memory, self.clock, history_first, limits, self.stop
            )
            kind = make_source(source, context)
            stats = kind.stats
            async with contextlib.aclosing(kind.discover()) as found_items:
                async for found in found_items:
                    alert = not baseline and not found.history
                    origin = "baseline" if found.history else "poll"
                    report = await self.process(source, found, alert=alert, origin=origin)
                    counts[report.result.status] += 1
                    items.append(report)
                    if self.stop.is_set():
                        error = STOPPED
                        break
                    if len(items) >= limits.cycle_new_items:
                        stats.budget = f"{len(items)} items, the [limits] cycle_new_items budget"
                        break
        except StoreError:
            raise
        except BudgetReached as reached:
            if stats is not None:
                stats.budget = str(reached)
        except Stopped:  # SIGTERM during a parse: abandoned, read again next time
            error = STOPPED
        except Exception as failure:
            error, outcome = self._failure(source, failure, state, started)
        if error is None and stats is not None:
            outcome = SiteOutcome.of_stats(stats, state)
        last_id = stats.highest_id if stats else None
        await off_loop(
            self.store.record_cycle,
            source.name,
            at=self.clock(),
            error=error,
            last_id=last_id,
            new_items=counts["new"],
            state=outcome.state,
            state_detail=outcome.detail,
            blocked_until=outcome.blocked_until,
        )
        return CycleReport(
            source=source.name,
            started=started,
            seconds=time.monotonic() - clock_start,
            baseline=baseline or any(item.history for item in items),
            counts=dict(counts),
            empty=stats.empty if stats else 0,
            fetch=fetch_stats,
            last_id=last_id,
            error=error,
            items=tuple(items),
            state=outcome.state,
            detail=outcome.detail,
            skipped=tuple(stats.skipped) if stats else (),
        )

    def _failure(
        self, source: SourceConfig, failure: Exception, state: SourceState, now: dt.datetime
    ) -> tuple[str, SiteOutcome]:
        """The error line and site state of a cycle that ended in `failure`."""
        if isinstance(failure, RefusedByRobots):
            detail = f"refused by robots.txt: {failure.rule}"
            return str(failure), SiteOutcome("refused", detail)
        if isinstance(failure, BlockedByBotProtection):
            wait = self.config.fetch.blocked_backoff_hours * 2 ** min(state.blocked_count, 5)
            until = now + dt.timedelta(hours=min(wait, 24.0))
            detail = (
                f"blocked: bot protection ({failure.evidence});"
                f" next try after {until:%Y-%m-%d %H:%M} UTC"
            )
            return str(failure), SiteOutcome("blocked", detail, until)
        if isinstance(failure, FetchError | ParseError):
            return str(failure), SiteOutcome("failing", str(failure))
        log.exception("source %s: cycle failed", source.name)  # a bug: report it, go on
        text = f"internal error: {type(failure).__name__}: {failure}"
        return text, SiteOutcome("failing", text)

    async def process(
        self, source: SourceConfig, found: Found, *, alert: bool, origin: str = "poll"
    ) -> ItemReport:
        """Classify and store off the event loop: classification is CPU-heavy."""
        result = await off_loop(self.pipeline.process, found.item, origin=origin, alert=alert)
        report = ItemReport(
            source.name, found.source_id, found.item.url, found.item.title, result, found.history
        )
        if self.on_item is not None:
            self.on_item(report)
        return report


@contextlib.asynccontextmanager
async def open_poller(
    config: Config,
    store: Store,
    classifier: Classifies | None,
    *,
    clock: Callable[[], dt.datetime] = utc_now,
    stop: asyncio.Event | None = None,
    on_item: Callable[[ItemReport], None] | None = None,
) -> AsyncIterator[Poller]:
    """A Poller with its own HTTP client, closed on exit; one Fetcher shared by all sources."""
    async with make_client(config.fetch) as client:
        fetcher = Fetcher(client, config.fetch, clock=clock)
        from watcher.ingest.neardup import NearDuplicates

        pipeline = Pipeline(store, classifier, clock, NearDuplicates.from_settings(config.dedupe))
        yield Poller(config, pipeline, fetcher, clock=clock, stop=stop, on_item=on_item)


async def poll_once(
    config: Config,
    store: Store,
    classifier: Classifies | None,
    names: Sequence[str] = (),
    *,
    on_item: Callable[[ItemReport], None] | None = None,
) -> list[CycleReport]:
    """`watcher poll --once`: one cycle of each enabled (or each named) source."""
    stop = asyncio.Event()
    with stop_on_signals(stop):
        async with open_poller(config, store, classifier, stop=stop, on_item=on_item) as poller:
            poller.sources(names)  # an unknown name is a config error before any request
            return await poller.cycle_all(names)


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGTERM/SIGINT set `stop` while inside (on the running loop), restored on exit."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # not the main thread, or not POSIX
            pass
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
