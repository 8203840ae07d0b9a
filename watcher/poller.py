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

from watcher.config import Config, SourceConfig
from watcher.errors import ConfigError, FetchError, ParseError, StoreError
from watcher.fetch import Fetcher, FetchStats, make_client
from watcher.pipeline import Classifies, ItemResult, Pipeline, utc_now
from watcher.sources import Found, SourceContext, make_source
from watcher.store import Store

__all__ = [
    "CycleReport",
    "ItemReport",
    "Poller",
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

    @property
    def ok(self) -> bool:
        return self.error is None

    def line(self) -> str:
        c = Counter(self.counts)
        parts = [
            f"{c['new']} new, {c['duplicate']} duplicate, {c['revision']} revision,"
            f" {c['rejected']} rejected, {self.empty} empty",
            f"{self.fetch.requests} requests ({self.fetch.not_modified} not modified),"
            f" {self.fetch.bytes / 1024:.1f} KB in {self.seconds:.1f}s",
        ]
        if self.last_id is not None:
            parts.append(f"last id {self.last_id}")
        if self.baseline:
            parts.append("baseline, no alerts")
        text = f"{self.source}: " + "; ".join(parts)
        if self.error:
            text += f"\n{self.source}: FAILED: {self.error} (recorded; the next cycle retries)"
        return text


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

    async def cycle(self, source: SourceConfig) -> CycleReport:
        started, clock_start = self.clock(), time.monotonic()
        state = self.store.source_state(source.name)
        baseline = self.config.watcher.baseline_first_cycle and state.last_success is None
        counts: Counter[str] = Counter()
        items: list[ItemReport] = []
        fetch_stats = FetchStats()
        error: str | None = None
        stats = None
        try:
            scope = await self.fetcher.scope_for(source.url.replace("{id}", "0"))
            fetch_stats = scope.stats
            context = SourceContext(
                self.fetcher, scope, self.config.selectors, self.store, self.clock
            )
            kind = make_source(source, context)
            stats = kind.stats
            async with contextlib.aclosing(kind.discover()) as found_items:
                async for found in found_items:
                    report = await self._process(source, found, baseline)
                    counts[report.result.status] += 1
                    items.append(report)
                    if self.stop.is_set():
                        error = STOPPED
                        break
        except (FetchError, ParseError) as failure:
            error = str(failure)
        except StoreError:
            raise
        except Exception as failure:  # a bug must not end the daemon: report it, go on
            log.exception("source %s: cycle failed", source.name)
            error = f"internal error: {type(failure).__name__}: {failure}"
        last_id = stats.highest_id if stats else None
        await asyncio.to_thread(
            self.store.record_cycle,
            source.name,
            at=self.clock(),
            error=error,
            last_id=last_id,
            new_items=counts["new"],
        )
        return CycleReport(
            source=source.name,
            started=started,
            seconds=time.monotonic() - clock_start,
            baseline=baseline,
            counts=dict(counts),
            empty=stats.empty if stats else 0,
            fetch=fetch_stats,
            last_id=last_id,
            error=error,
            items=tuple(items),
        )

    async def _process(self, source: SourceConfig, found: Found, baseline: bool) -> ItemReport:
        """Classify and store off the event loop: classification is CPU-heavy."""
        result = await asyncio.to_thread(
            self.pipeline.process, found.item, origin="poll", alert=not baseline
        )
        report = ItemReport(source.name, found.source_id, found.item.url, found.item.title, result)
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
        from watcher.neardup import NearDuplicates

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
