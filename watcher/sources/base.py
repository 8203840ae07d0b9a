"""What every source kind shares: the context it runs in, what it finds, what a cycle cost."""

from __future__ import annotations

import asyncio
import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

from watcher.core.config import LimitSettings, SourceConfig
from watcher.core.corpus import Item
from watcher.core.errors import (
    BlockedByBotProtection,
    FetchError,
    ParseError,
    RefusedByRobots,
    RobotsUnreadable,
)
from watcher.fetch.client import Fetcher, FetchScope, Page
from watcher.sources.memory import SourceMemory
from watcher.sources.pages import Stopped, read_page

__all__ = ["FAILURES_IN_ROW", "BudgetReached", "Found", "SourceContext", "SourceKind",
           "SourceStats", "is_source_level"]  # fmt: skip

FAILURES_IN_ROW = 3  # failed reads in a row that end a cycle: the site is down, not one page


@dataclass(frozen=True)
class SourceContext:
    """Everything a source touches, passed in: network, what it remembers, clock."""

    fetcher: Fetcher
    scope: FetchScope
    memory: SourceMemory
    clock: Callable[[], dt.datetime]
    first_cycle: bool = False  # the source never completed a cycle: a baseline, not a walk
    limits: LimitSettings = field(default_factory=LimitSettings)
    stop: asyncio.Event | None = None  # set on SIGTERM: a parse in hand is abandoned at once


@dataclass(frozen=True)
class Found:
    """An item page a source read; the poller takes it through the pipeline.

    `history` items (a first cycle's baseline, a backfill) are stored and never alerted.
    """

    item: Item
    source_id: int | None = None
    history: bool = False


@dataclass
class SourceStats:
    pages: int = 0  # item pages read (probes included)
    empty: int = 0  # empty-item pages, 404s and unchanged known-empty ids
    highest_id: int | None = None  # highest id at which an item was found
    stale: str | None = None  # the selectors matched nothing on an item page (read anyway)
    fitted: int = 0  # item pages the source's own parser read (the selectors fit)
    skipped: list[str] = field(default_factory=list)  # ids/links that failed this cycle
    from_summary: int = 0  # feed entries stored from their summary (page unreadable)
    budget: str | None = None  # the [limits] budget that ended the cycle, when one did


class BudgetReached(Exception):
    """The cycle has spent a [limits] budget: it ends here, says so, the next goes on."""


def _path(url: str) -> str:
    return urlsplit(url).path.rstrip("/") or "/"


def is_source_level(error: Exception) -> bool:
    """A refusal or a block concerns the whole source, never one id or link."""
    return isinstance(error, RefusedByRobots | RobotsUnreadable | BlockedByBotProtection)


class SourceKind(ABC):
    """One kind of source; subclasses register with @register("kind") and declare `Options`.

    `Options` is a frozen dataclass: a field without a default is a required key; each field's
    help (config.setting) goes into the README's reference. An optional `check(source)` method
    raises ValueError("key: why") for what a type cannot say.
    """

    kind: ClassVar[str]
    Options: ClassVar[type]

    def __init__(self, config: SourceConfig, context: SourceContext) -> None:
        self.config = config
        self.options: Any = config.options
        self.context = context
        self.stats = SourceStats()
        self._failures_in_row = 0
        self._pending: set[str] = set()

    @abstractmethod
    def discover(self) -> AsyncGenerator[Found, None]:
        """Yield the items new to this source, oldest first; bookkeeping happens as it goes."""

    @property
    def url_prefix(self) -> str:
        """The part of the url before any placeholder: items from this source start with it."""
        return self.config.url.split("{")[0]

    async def read_item(self, url: str, validators: tuple[str | None, str | None] = (None, None)
                        ) -> tuple[Page, Item | None]:  # fmt: skip
        """Fetch and parse one item page; (page, None) when it is empty or unchanged.

        Stopped once the watcher stops; BudgetReached when the cycle has sent its
        [limits] cycle_requests; ParseError when the page redirects to another path (a login
        page, the home page, a soft 404: another page, never this item).
        """
        if self.context.stop is not None and self.context.stop.is_set():
            raise Stopped(f"{url}: not read, the watcher is stopping")
        spent, budget = self.context.scope.stats.requests, self.context.limits.cycle_requests
        if spent >= budget:
            raise BudgetReached(f"{spent} requests, the [limits] cycle_requests budget")
        page = await self.context.fetcher.get(url, self.context.scope, validators=validators)
        self.stats.pages += 1
        if page.status == 200 and _path(page.url) != _path(url):
            raise ParseError(
                f"{url}: redirected to {page.url}: another page (a login or error page?),"
                " not this item"
            )
        if page.status != 200:
            self._failures_in_row = 0
            self.stats.empty += 1
            return page, None
        reading = await read_page(
            page.text, page.url, self.config.parser, self.config.selectors,
            budget=self.context.limits.parse_budget_seconds, stop=self.context.stop,
        )  # fmt: skip
        self._failures_in_row = 0  # read whole: a page that fetches but never parses is a failure
        if reading.stale:
            self.stats.stale = reading.stale
        elif reading.item is not None:
            self.stats.fitted += 1
        if reading.item is None:
            self.stats.empty += 1
        return page, reading.item

    async def baseline(self, urls: list[str]) -> list[str]:
        """A first cycle keeps the newest `baseline_items` of `urls` (newest first) and gives
        up the older ones: history, never read, never alerted."""
        keep = self.options.baseline_items
        for url in urls[keep:]:
            await self.context.memory.record_skip(
                url, "older than the first cycle's baseline", give_up=True
            )
        return urls[:keep]

    async def load_pending(self) -> list[str]:
        """Keys of ids or links that failed before and are not given up (retried first)."""
        self._pending = {skip.key for skip in await self.context.memory.pending_skips()}
        return sorted(self._pending)

    async def read_succeeded(self, key: str) -> None:
        if key in self._pending:
            self._pending.discard(key)
            await self.context.memory.clear_skip(key)

    async def skip_failed(self, key: str, error: Exception) -> None:
        """Record a failed id or link (given up after `give_up_after` tries) and go on past it.

        Re-raised instead: a refusal or block (the whole source), a bug, and the
        FAILURES_IN_ROW-th failure in a row (the site is down; the cycle ends, retried later).
        """
        if is_source_level(error) or not isinstance(error, FetchError | ParseError):
            raise error
        self._failures_in_row += 1
        if self._failures_in_row >= FAILURES_IN_ROW:
            raise error
        skip = await self.context.memory.record_skip(key, str(error))
        self._pending.add(key)
        limit = self.context.limits.give_up_after
        note = "given up" if skip.given_up else f"try {skip.tries} of {limit}"
        self.stats.skipped.append(f"{key}: {error} ({note})")
