"""Which parser reads a source's item pages, with the guards every page goes through.

`parser = "thaigov"` reads the site's layout with the source's selectors; `parser = "article"`
extracts the main text of any news page. When the thaigov selectors match nothing on a page that
is not the site's empty-item page, the item is read by the article extractor instead and the
result says the selectors are stale: the site's next redesign costs a config edit, not news.

Guards, before any parser sees a page: at most MAX_TAGS tags and MAX_DEPTH levels of nesting
(a page of 100,000 nested <div>s takes minutes to walk), so a hostile page is one ParseError,
and parsing runs in a worker thread, off the event loop, within PARSE_BUDGET_SECONDS.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass

from watcher.core.config import SelectorSettings
from watcher.core.corpus import Item
from watcher.core.errors import ParseError, SelectorsStale
from watcher.sources.article_page import parse_article_page
from watcher.sources.thaigov_page import parse_item_page

__all__ = ["MAX_DEPTH", "MAX_TAGS", "PARSERS", "PageReading", "check_page_shape", "read_page"]

PageParser = Callable[[str, str, SelectorSettings], Item | None]
PARSERS: dict[str, PageParser] = {"thaigov": parse_item_page, "article": parse_article_page}

MAX_TAGS = 50_000
MAX_DEPTH = 400
PARSE_BUDGET_SECONDS = 20.0
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*?(/?)>")
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)  # fmt: skip


@dataclass(frozen=True)
class PageReading:
    item: Item | None  # None: the site's empty-item page
    stale: str | None = None  # why the thaigov selectors were bypassed, when they were


def check_page_shape(html: str, url: str) -> None:
    """ParseError for a page too large in tags or too deeply nested to parse safely."""
    depth = deepest = 0
    for tags, match in enumerate(_TAG.finditer(html), start=1):
        if tags > MAX_TAGS:
            raise ParseError(f"{url}: page has more than {MAX_TAGS:,} tags (refused)")
        closing, name, self_closing = match.groups()
        if closing:
            depth = max(depth - 1, 0)
        elif not self_closing and name.lower() not in _VOID:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    raise ParseError(f"{url}: page nested over {MAX_DEPTH} levels (refused)")


def parse_page(html: str, url: str, parser: str, selectors: SelectorSettings) -> PageReading:
    check_page_shape(html, url)
    try:
        return PageReading(PARSERS[parser](html, url, selectors))
    except SelectorsStale as stale:
        item = parse_article_page(html, url, selectors)
        return PageReading(item, stale=str(stale))


async def read_page(html: str, url: str, parser: str, selectors: SelectorSettings) -> PageReading:
    """parse_page in a worker thread, so the bot and the sender never wait for a parser."""
    try:
        async with asyncio.timeout(PARSE_BUDGET_SECONDS):
            return await asyncio.to_thread(parse_page, html, url, parser, selectors)
    except TimeoutError:
        raise ParseError(
            f"{url}: parsing took over {PARSE_BUDGET_SECONDS:g}s (page refused)"
        ) from None
