"""A source that is a page of links (a category listing), newest first, with more pages.

Links whose absolute URL matches `link_pattern` (inside `list_selector`, the page's own list,
when set) are items. Pages are followed (`{page}` in the url, else the `selectors.next_page`
link) until the list reaches a link known before this cycle (stored, or given up), or
`max_pages`. A link that repeats on every page (a "latest news" or "popular" box, new or old)
never stops the walk early: a known link counts only when the next page does not show it too.
New links are read oldest first, so a cycle cut short leaves the newest unread and the next
cycle, stopping at the first known link, still reaches them. Links that are not http(s)
(javascript:, mailto:, file:, data:) are never followed; a link that cannot be read (another
host, over max_bytes…) is recorded and walked past, retried in the next cycles and given up
after [limits] give_up_after tries. The first page is fetched conditionally; its validators are
saved only once every link was read, so an unchanged listing costs one 304 and a cycle with a
failure is repeated.

A first cycle stores the newest `baseline_items` links as history and gives up the older ones
(they are history: not news, never alerted).

A listing in which no link matches is a health problem (the site changed its markup or the
pattern is wrong), reported as a ParseError, never taken for "no news".
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

from watcher.core.config import SourceConfig, required, setting
from watcher.core.errors import ParseError
from watcher.fetch.client import Page
from watcher.sources.base import Found, SourceKind
from watcher.sources.pages import check_page_shape, parse_off_loop
from watcher.sources.registry import register
from watcher.sources.validate import check_listing, compile_link_pattern

__all__ = ["ListingOptions", "ListingSource", "listing_links"]


def listing_links(page: Page, pattern: re.Pattern[str], scope: str = "") -> list[str]:
    """Absolute http(s) URLs of the links matching `pattern`, in page order, each once."""
    return _links_in(BeautifulSoup(page.text, "lxml"), page.url, pattern, scope)


def _links_in(soup: BeautifulSoup, base: str, pattern: re.Pattern[str], scope: str) -> list[str]:
    roots = soup.select(scope) if scope else [soup]
    seen: dict[str, None] = {}
    for root in roots:
        for anchor in root.find_all("a", href=True):
            url = urljoin(base, str(anchor["href"]).strip()).split("#")[0]
            if urlsplit(url).scheme in ("http", "https") and pattern.search(url):
                seen.setdefault(url, None)
    return list(seen)


def _links_and_next(
    page: Page, pattern: re.Pattern[str], scope: str, next_page: str
) -> tuple[list[str], str | None]:
    """listing_links and the next-page link's href, from one parse (run off the event loop),
    after the page guards every item page goes through (tags, nesting)."""
    check_page_shape(page.text, page.url)
    soup = BeautifulSoup(page.text, "lxml")
    node = soup.select_one(next_page) if next_page else None
    href = node.get("href") if node is not None else None
    return _links_in(soup, page.url, pattern, scope), (str(href) if href else None)


@dataclass(frozen=True)
class ListingOptions:
    link_pattern: str = required("regex an item link's absolute URL matches")
    max_pages: int = setting(5, "listing pages followed in one cycle")
    list_selector: str = setting(
        "", "CSS selector of the page's own list of items (empty: the whole page)"
    )
    baseline_items: int = setting(20, "newest items a first cycle stores (never alerted)")

    def check(self, source: SourceConfig) -> None:
        if self.max_pages < 1:
            raise ValueError("max_pages: must be at least 1")
        check_listing(self, source)  # URL, link_pattern (no hang), selectors, bounds


@register("listing")
class ListingSource(SourceKind):
    Options = ListingOptions
    options: ListingOptions

    async def discover(self) -> AsyncGenerator[Found, None]:
        memory = self.context.memory
        for key in await self.load_pending():
            found = await self._read(key)
            if found is not None:
                yield found
        first_url = self._page_url(1, None) or self.config.url
        first = await self._fetch_listing(first_url, await memory.validators(first_url))
        if first.not_modified:
            return
        new_links = await self._new_links(first)
        history = self.context.first_cycle
        if history:
            new_links = await self.baseline(new_links)
        failures = len(self.stats.skipped)
        for url in reversed(new_links):
            found = await self._read(url, history=history)
            if found is not None:
                yield found
        if len(self.stats.skipped) == failures:
            await memory.save_validators(first_url, first.etag, first.last_modified)

    async def _read(self, url: str, *, history: bool = False) -> Found | None:
        try:
            _page, item = await self.read_item(url)
        except Exception as error:
            await self.skip_failed(url, error)
            return None
        await self.read_succeeded(url)
        return Found(item, item.source_id, history=history) if item is not None else None

    async def _new_links(self, first: Page) -> list[str]:
        """New links, page by page, until a page holds a link known before this cycle.

        A known link that the next page shows too is a box repeated on every page ("latest",
        "popular"), not the place where the list reaches known items: without list_selector,
        an old item in a sidebar ended the walk on page 1 and the new items of page 2 were
        never read. So a page with known links costs a look at the next page (one request, in
        a cycle with news), and the walk ends at the first page whose known links the next
        page does not repeat.
        """
        memory = self.context.memory
        self._pattern = compile_link_pattern(self.options.link_pattern)  # searches time out
        page, number = first, 1
        links, next_href = await self._parse_listing(page)
        if not links:
            raise ParseError(
                f"{page.url}: listing has no link matching {self.options.link_pattern!r}"
            )
        new: dict[str, None] = {}
        while True:
            known = []
            for url in links:
                if url in new or url in self._pending:
                    continue
                if await memory.known(url):
                    known.append(url)
                else:
                    new[url] = None
            next_url = self._page_url(number + 1, page, next_href)
            if number >= self.options.max_pages or not next_url:
                break
            try:
                following = await self._fetch_listing(next_url)
            except ParseError:
                if known:  # only a look for repeated links: the walk has its end anyway
                    break
                raise
            following_links, following_next = await self._parse_listing(following)
            repeated = set(following_links)
            if any(url not in repeated for url in known):
                break
            page, links, next_href = following, following_links, following_next
            number += 1
        return list(new)

    async def _parse_listing(self, page: Page) -> tuple[list[str], str | None]:
        return await parse_off_loop(
            _links_and_next, page, self._pattern,
            self.options.list_selector, self.config.selectors.next_page,
            budget=self.context.limits.parse_budget_seconds, what=page.url,
            stop=self.context.stop,
        )  # fmt: skip

    def _page_url(self, number: int, page: Page | None, next_href: str | None = None
                  ) -> str | None:  # fmt: skip
        if "{page}" in self.config.url:
            return self.config.url.replace("{page}", str(number))
        if page is None:
            return self.config.url
        return urljoin(page.url, next_href) if next_href else None

    async def _fetch_listing(
        self, url: str | None, validators: tuple[str | None, str | None] = (None, None)
    ) -> Page:
        assert url is not None
        page = await self.context.fetcher.get(url, self.context.scope, validators=validators)
        if page.status in (404, 410):
            raise ParseError(f"{url}: listing page answers {page.status}")
        return page
