"""A source whose items sit at consecutive ids: `url` with an `{id}` placeholder.

thaigov numbers its news 1, 2, 3… and answers 200 with an empty-item page for an id that does
not exist (yet, or any more). Gaps are common: in the 2017–2020 corpus 1,618 gaps are one id
wide, 460 two ids, 254 three or more. So "is there news?" is answered by probing ids above the
highest id that held an item (the frontier F), and the rule is chosen to be cheap when idle:

- An ordinary cycle probes F, F+1 … F+probe_width-1 (default 3 requests). That finds the next
  item at once unless it follows a gap of probe_width ids or more (about 1% of items).
- Every deep_probe_every-th cycle (default 8; and a source's first cycle) probes up to
  max_gap (default 20) ids past F, so an item behind a wider gap is found within
  deep_probe_every intervals, and the ids skipped as gaps behind F are re-checked, each at most
  RECHECK_LIMIT times, in case the site published them late.
- Whenever a probe finds an item, the walk continues until max_gap consecutive ids are empty,
  so a burst of new items is read in one cycle whatever its gaps.

Every empty id is recorded (store.mark_empty, with the page's validators): probes of known-empty
ids are conditional GETs, so an idle ordinary cycle is probe_width conditional requests that
the site answers 304 (or with the small empty page). The empty-item page is never stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from watcher.sources import register
from watcher.sources.base import Found, SourceKind

__all__ = ["RECHECK_LIMIT", "SequenceSource"]

RECHECK_LIMIT = 3  # checks after which an id left behind as a gap is given up


@register("sequence")
class SequenceSource(SourceKind):
    required_keys = ("url",)
    optional_keys = ("start_id", "max_gap", "probe_width", "deep_probe_every")

    def frontier(self) -> int:
        """The first id above every id that held an item (or start_id, if higher)."""
        store = self.context.store
        state = store.source_state(self.config.name)
        last = max(state.last_id or 0, store.max_source_id(self.url_prefix) or 0)
        return max(last + 1, self.config.start_id or 1)

    def is_deep_cycle(self) -> bool:
        cycles = self.context.store.source_state(self.config.name).cycles
        return cycles % self.config.deep_probe_every == 0

    async def discover(self) -> AsyncGenerator[Found, None]:
        frontier = self.frontier()
        deep = self.is_deep_cycle()
        if deep:
            for late in await self._recheck_gaps(frontier):
                yield late
        known_empty = self.context.store.empty_ids(self.config.name, above=frontier - 1)
        budget = self.config.max_gap if deep else self.config.probe_width
        misses = 0
        source_id = frontier
        while misses < budget:
            found = await self._probe(source_id, known=source_id in known_empty)
            if found is None:
                misses += 1
            else:
                misses = 0
                budget = self.config.max_gap
                yield found
            source_id += 1

    async def _recheck_gaps(self, frontier: int) -> list[Found]:
        """Ids skipped as empty behind the frontier, re-read a few times in case they appear."""
        store = self.context.store
        window = frontier - 1 - self.config.max_gap * 5
        gaps = store.empty_ids(self.config.name, above=window)
        found = []
        for source_id, checks in sorted(gaps.items()):
            if source_id < frontier and checks < RECHECK_LIMIT:
                item = await self._probe(source_id, known=True)
                if item is not None:
                    found.append(item)
        return found

    async def _probe(self, source_id: int, *, known: bool) -> Found | None:
        store = self.context.store
        url = self.config.url.format(id=source_id)
        validators = store.http_validators(url) if known else (None, None)
        page, item = await self.read_item(url, validators)
        now = self.context.clock()
        if item is None:
            await asyncio.to_thread(store.mark_empty, self.config.name, source_id, now)
            if page.status == 200:
                await asyncio.to_thread(
                    store.set_http_validators, url, page.etag, page.last_modified, now
                )
            return None
        if known:
            await asyncio.to_thread(store.clear_empty, self.config.name, source_id, url)
        self.stats.highest_id = max(self.stats.highest_id or 0, source_id)
        return Found(item, source_id)
