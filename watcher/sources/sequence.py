"""A source whose items sit at consecutive ids: `url` with an `{id}` placeholder.

thaigov numbers its news 1, 2, 3… and answers 200 with an empty-item page for an id that does
not exist (yet, or any more). Gaps are common: in the 2017–2020 corpus 1,618 gaps are one id
wide, 460 two ids, 254 three or more; in 2025 up to 17. "Is there news?" is answered by probing
ids above the highest id that held an item (the frontier F), cheaply when idle:

- A source's first cycle (it never completed one) does not walk: it finds the site's newest id
  by galloping and bisection (frontier.py, ~75 requests for 100,000 ids), then stores the
  newest `baseline_items` items as history (never alerted). Older ids are `watcher backfill`'s.
- An ordinary cycle probes F, F+1 … F+probe_width-1 (default 3 requests). That finds the next
  item at once unless it follows a gap of probe_width ids or more (about 1% of items).
- Every deep_probe_every-th cycle (default 8) probes up to max_gap (default 20) ids past F, so
  an item behind a wider gap is found within deep_probe_every intervals, and the ids skipped as
  gaps behind F are re-checked, each at most RECHECK_LIMIT times, in case the site published
  them late.
- Whenever a probe finds an item, the walk continues until max_gap consecutive ids are empty,
  so a burst of new items is read in one cycle whatever its gaps.
- An id that cannot be read (over max_bytes, a page no parser can read, a timeout) is recorded
  with its reason and walked past; it is tried again at the start of the next cycles and given
  up after SKIP_LIMIT tries, so one bad page never holds back the items after it.

Every empty id is recorded (with the page's validators): probes of known-empty ids are
conditional GETs, so an idle ordinary cycle is probe_width conditional requests that the site
answers 304 (or with the small empty page). The empty-item page is never stored.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass

from watcher.core.config import SourceConfig, setting
from watcher.sources.base import Found, SourceContext, SourceKind
from watcher.sources.frontier import find_frontier
from watcher.sources.registry import register
from watcher.sources.validate import check_int, check_schedule, check_selectors, check_url

__all__ = ["RECHECK_LIMIT", "SequenceOptions", "SequenceSource"]

RECHECK_LIMIT = 3  # checks after which an id left behind as a gap is given up
MAX_ID = 10**12  # the site's ids are six digits; ids are SQLite integers (2^63 - 1 overflowed)


@dataclass(frozen=True)
class SequenceOptions:
    start_id: int | None = setting(
        None, "first id to read; absent: the newest id is discovered on the first cycle"
    )
    max_gap: int = setting(20, "empty ids in a row that end a walk (wider than any gap)")
    probe_width: int = setting(3, "ids an ordinary cycle probes above the newest item")
    deep_probe_every: int = setting(8, "every Nth cycle probes max_gap ids and re-checks gaps")
    baseline_items: int = setting(20, "newest items a first cycle stores (never alerted)")

    def check(self, source: SourceConfig) -> None:
        if "{id}" not in source.url:
            raise ValueError("url: a sequence url needs an {id} placeholder")
        check_url(source.url, placeholder="{id}")
        for name in ("max_gap", "probe_width", "deep_probe_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be at least 1")
        if self.baseline_items < 0:
            raise ValueError("baseline_items: must be 0 or more")
        check_int(self, "start_id", 1, MAX_ID)
        check_int(self, "max_gap", 1, 10_000)
        check_int(self, "probe_width", 1, 1_000)
        check_int(self, "deep_probe_every", 1, 10_000)
        check_int(self, "baseline_items", 0, 100_000)
        check_selectors(source.selectors)
        check_schedule(source)


@register("sequence")
class SequenceSource(SourceKind):
    Options = SequenceOptions
    options: SequenceOptions

    def __init__(self, config: SourceConfig, context: SourceContext) -> None:
        super().__init__(config, context)
        self._probed: set[int] = set()

    async def frontier(self) -> int:
        """The first id above every id that held an item (or start_id, if higher)."""
        last = await self.context.memory.highest_id() or 0
        return max(last + 1, self.options.start_id or 1)

    async def discover(self) -> AsyncGenerator[Found, None]:
        memory = self.context.memory
        cycles = await memory.cycles()
        for late in await self._retry_skipped():
            yield late
        if self.context.first_cycle:
            async for history in self._baseline(await self.frontier()):
                yield history
            return
        frontier = await self.frontier()
        deep = cycles % self.options.deep_probe_every == 0
        if deep:
            for late in await self._recheck_gaps(frontier):
                yield late
        known_empty = await memory.empty_ids(above=frontier - 1)
        budget = self.options.max_gap if deep else self.options.probe_width
        misses = 0
        source_id = frontier
        while misses < budget:
            something, found = await self._probe(source_id, known=source_id in known_empty)
            if not something:
                misses += 1
            else:
                misses = 0
                budget = self.options.max_gap
                if found is not None:
                    yield found
                self._passed(source_id)
            source_id += 1

    async def _baseline(self, start: int) -> AsyncGenerator[Found, None]:
        """The newest baseline_items items below the discovered frontier, as history."""
        hits: dict[int, Found] = {}

        async def holds(source_id: int) -> bool:
            something, found = await self._probe(source_id, known=False)
            if found is not None:
                hits[source_id] = found
            return something

        options = self.options
        limits = self.context.limits
        newest = await find_frontier(
            holds, start, width=options.probe_width, max_gap=options.max_gap,
            max_requests=limits.discovery_requests, id_range=limits.id_range,
        )  # fmt: skip
        if newest is None:
            return
        wanted: list[Found] = []
        source_id = newest
        while len(wanted) < options.baseline_items and source_id >= start:
            found = hits.get(source_id)
            if found is None and source_id not in self._probed:
                _something, found = await self._probe(source_id, known=False)
            if found is not None:
                wanted.append(found)
            source_id -= 1
        for found in reversed(wanted):
            yield Found(found.item, found.source_id, history=True)
            self._passed(found.source_id or 0)
        self._passed(newest)

    async def history(self, ids: Iterable[int]) -> AsyncGenerator[tuple[int, Found | None], None]:
        """`watcher backfill`: each id of `ids` read once, its item (if any) as history."""
        for source_id in ids:
            _something, found = await self._probe(source_id, known=False)
            yield source_id, (Found(found.item, source_id, history=True) if found else None)

    async def _recheck_gaps(self, frontier: int) -> list[Found]:
        """Ids skipped as empty behind the frontier, re-read a few times in case they appear."""
        window = frontier - 1 - self.options.max_gap * 5
        gaps = await self.context.memory.empty_ids(above=window)
        found = []
        for source_id, checks in sorted(gaps.items()):
            if source_id < frontier and checks < RECHECK_LIMIT:
                _something, item = await self._probe(source_id, known=True)
                if item is not None:
                    found.append(item)
        return found

    async def _retry_skipped(self) -> list[Found]:
        """Ids that failed in earlier cycles, tried again until given up."""
        found = []
        for key in await self.load_pending():
            if key.isdigit():
                _something, item = await self._probe(int(key), known=False)
                if item is not None:
                    found.append(item)
        return found

    async def _probe(self, source_id: int, *, known: bool) -> tuple[bool, Found | None]:
        """Read one id: (holds something, the item found there).

        A failed read is recorded (skip_failed) and counts as holding something, so a walk
        goes on past it rather than ending there; it has no item to store.
        """
        self._probed.add(source_id)
        memory = self.context.memory
        url = self.config.url.format(id=source_id)
        validators = await memory.validators(url) if known else (None, None)
        try:
            page, item = await self.read_item(url, validators)
        except Exception as error:
            await self.skip_failed(str(source_id), error)
            return True, None
        await self.read_succeeded(str(source_id))
        if item is None:
            await memory.mark_empty(source_id)
            if page.status == 200:
                await memory.save_validators(url, page.etag, page.last_modified)
            return False, None
        if known:
            await memory.clear_empty(source_id, url)
        return True, Found(item, source_id)

    def _passed(self, source_id: int) -> None:
        """Progress: every id up to `source_id` is handled (called once its item is stored)."""
        self.stats.highest_id = max(self.stats.highest_id or 0, source_id)
