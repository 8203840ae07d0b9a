"""Which parser reads a source's item pages, with the guards every page goes through.

`parser = "thaigov"` reads the site's layout with the source's selectors; `parser = "article"`
extracts the main text of any news page. When the thaigov selectors match nothing on a page that
is not the site's empty-item page, the item is read by the article extractor instead and the
result says the selectors are stale: the site's next redesign costs a config edit, not news.

Guards, before any parser sees a page: at most MAX_TAGS tags and MAX_DEPTH levels of nesting
(a page of 100,000 nested <div>s takes minutes to walk; `<div/>` nests too: HTML self-closes
only void elements, and SVG or MathML ones), so a hostile page is one ParseError.

Every parse of outside text (pages, feeds, listings) runs through `parse_off_loop`: in a
daemon thread of its own, never on the event loop, within `[limits] parse_budget_seconds`.
Past the budget the caller gets a ParseError (a failed try of that id or link, given up after
`give_up_after` tries) and the thread is abandoned: Python cannot stop a thread, but a daemon
thread never delays the process's exit, and a stop (SIGTERM) ends the wait at once (Stopped).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from watcher.core.config import SelectorSettings
from watcher.core.corpus import Item
from watcher.core.errors import ParseError, SelectorsStale
from watcher.sources.article_page import parse_article_page
from watcher.sources.thaigov_page import parse_item_page

__all__ = [
    "MAX_DEPTH",
    "MAX_TAGS",
    "PARSERS",
    "PageReading",
    "Stopped",
    "check_page_shape",
    "parse_off_loop",
    "read_page",
]

PageParser = Callable[[str, str, SelectorSettings], Item | None]
PARSERS: dict[str, PageParser] = {"thaigov": parse_item_page, "article": parse_article_page}

MAX_TAGS = 50_000
MAX_DEPTH = 400
_FOREIGN = frozenset({"svg", "math"})  # inside these, `<x/>` does close itself
T = TypeVar("T")
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
    depth = deepest = foreign = 0
    for tags, match in enumerate(_TAG.finditer(html), start=1):
        if tags > MAX_TAGS:
            raise ParseError(f"{url}: page has more than {MAX_TAGS:,} tags (refused)")
        closing, name, self_closing = match.groups()
        name = name.lower()
        if closing:
            depth = max(depth - 1, 0)
            if name in _FOREIGN:
                foreign = max(foreign - 1, 0)
        elif name not in _VOID and not (self_closing and foreign):
            depth += 1  # `<div/>` is `<div>` in HTML: the parser nests what follows in it
            if name in _FOREIGN and not self_closing:
                foreign += 1
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


async def read_page(
    html: str, url: str, parser: str, selectors: SelectorSettings, *, budget: float,
    stop: asyncio.Event | None = None,
) -> PageReading:  # fmt: skip
    """parse_page off the event loop, within `budget` seconds (see parse_off_loop)."""
    return await parse_off_loop(
        parse_page, html, url, parser, selectors, budget=budget, what=url, stop=stop
    )


class Stopped(Exception):
    """The watcher is stopping: the parse in hand was abandoned, nothing was decided."""


async def parse_off_loop(
    work: Callable[..., T], *args: Any, budget: float, what: str,
    stop: asyncio.Event | None = None,
) -> T:  # fmt: skip
    """`work(*args)` in a daemon thread; ParseError past `budget` s, Stopped once `stop` is set.

    Not the loop's default executor: asyncio.run waits for that one's threads at exit, so one
    abandoned parse would hold a stopping daemon for as long as the parse runs.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if done.done():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)

    def run() -> None:
        try:
            result, error = work(*args), None
        except BaseException as failure:  # carried back to the caller, raised there
            result, error = None, failure
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits for it any more
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="parse", daemon=True).start()
    waits: set[asyncio.Future[Any]] = {done}
    stopping = asyncio.ensure_future(stop.wait()) if stop is not None else None
    if stopping is not None:
        waits.add(stopping)
    try:
        finished, _pending = await asyncio.wait(
            waits, timeout=budget, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        if stopping is not None:
            stopping.cancel()
    if done in finished:
        return done.result()
    done.cancel()  # the thread's late result is dropped (settle sees a done future)
    if stop is not None and stop.is_set():
        raise Stopped(f"{what}: parse abandoned, the watcher is stopping")
    raise ParseError(f"{what}: parsing took over {budget:g}s (refused)")
