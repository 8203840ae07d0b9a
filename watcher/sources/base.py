"""What every source kind shares: the context it runs in, what it finds, what a cycle cost."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import ClassVar

from watcher.config import SelectorSettings, SourceConfig
from watcher.corpus import Item
from watcher.fetch import Fetcher, FetchScope, Page
from watcher.sources.thaigov_page import parse_item_page
from watcher.store import Store

__all__ = ["Found", "SourceContext", "SourceKind", "SourceStats"]


@dataclass(frozen=True)
class SourceContext:
    """Everything a source touches, passed in: network, selectors, database, clock."""

    fetcher: Fetcher
    scope: FetchScope
    selectors: SelectorSettings
    store: Store
    clock: Callable[[], dt.datetime]


@dataclass(frozen=True)
class Found:
    """An item page a source read; the poller takes it through the pipeline."""

    item: Item
    source_id: int | None = None


@dataclass
class SourceStats:
    pages: int = 0  # item pages read (probes included)
    empty: int = 0  # empty-item pages, 404s and unchanged known-empty ids
    highest_id: int | None = None  # highest id at which an item was found


class SourceKind(ABC):
    """One kind of source; subclasses register with @register("kind") and declare their keys."""

    kind: ClassVar[str]
    required_keys: ClassVar[tuple[str, ...]] = ("url",)
    optional_keys: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: SourceConfig, context: SourceContext) -> None:
        self.config = config
        self.context = context
        self.stats = SourceStats()

    @abstractmethod
    def discover(self) -> AsyncGenerator[Found, None]:
        """Yield the items new to this source, oldest first; bookkeeping happens as it goes."""

    @property
    def url_prefix(self) -> str:
        """The part of the url before any placeholder: items from this source start with it."""
        return self.config.url.split("{")[0]

    async def read_item(self, url: str, validators: tuple[str | None, str | None] = (None, None)
                        ) -> tuple[Page, Item | None]:  # fmt: skip
        """Fetch and parse one item page; (page, None) when it is empty or unchanged."""
        page = await self.context.fetcher.get(url, self.context.scope, validators=validators)
        self.stats.pages += 1
        if page.status != 200:
            self.stats.empty += 1
            return page, None
        item = parse_item_page(page.text, page.url, self.context.selectors)
        if item is None:
            self.stats.empty += 1
        return page, item
