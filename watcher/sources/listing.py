"""A source that is a page of links (a category listing), newest first, with more pages.

Links whose absolute URL matches `link_pattern` are items. Pages are followed (`{page}` in the
url, else the `selectors.next_page` link) until a page holds an item already seen, or
`max_pages`. New links are read oldest first, so a cycle cut short leaves the newest unread
and the next cycle, stopping at the first seen item, still reaches them. The first page is
fetched conditionally; its validators are saved only once the whole cycle went through, so an
unchanged listing costs one 304 and a failed cycle is repeated in full.

A listing in which no link matches is a health problem (the site changed its markup or the
pattern is wrong), reported as a ParseError, never taken for "no news".
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncGenerator
from urllib.parse import urljoin

from bs4 import BeautifulSoup

from watcher.errors import ParseError
from watcher.fetch import Page
from watcher.sources import register
from watcher.sources.base import Found, SourceKind

__all__ = ["ListingSource", "listing_links"]


def listing_links(page: Page, pattern: re.Pattern[str]) -> list[str]:
    """Absolute URLs of the links matching `pattern`, in page order, each once."""
    soup = BeautifulSoup(page.text, "lxml")
    seen: dict[str, None] = {}
    for anchor in soup.find_all("a", href=True):
        url = urljoin(page.url, str(anchor["href"]).strip()).split("#")[0]
        if pattern.search(url):
            seen.setdefault(url, None)
    return list(seen)


@register("listing")
class ListingSource(SourceKind):
    required_keys = ("url", "link_pattern")
    optional_keys = ("max_pages",)

    async def discover(self) -> AsyncGenerator[Found, None]:
        store = self.context.store
        first_url = self._page_url(1, None) or self.config.url
        first = await self._fetch_listing(first_url, store.http_validators(first_url))
        if first.not_modified:
            return
        new_links = await self._new_links(first)
        for url in reversed(new_links):
            _page, item = await self.read_item(url)
            if item is not None:
                yield Found(item, item.source_id)
        now = self.context.clock()
        await asyncio.to_thread(
            store.set_http_validators, first_url, first.etag, first.last_modified, now
        )

    async def _new_links(self, first: Page) -> list[str]:
        pattern = re.compile(self.config.link_pattern or "")
        store = self.context.store
        page: Page | None = first
        new: list[str] = []
        for number in range(1, self.config.max_pages + 1):
            if page is None:
                break
            links = listing_links(page, pattern)
            if number == 1 and not links:
                raise ParseError(
                    f"{page.url}: listing has no link matching {self.config.link_pattern!r}"
                )
            fresh = [url for url in links if url not in new and not store.url_seen(url)]
            new += fresh
            if len(fresh) < len(links):
                break  # reached items already seen
            next_url = self._page_url(number + 1, page)
            page = await self._fetch_listing(next_url) if next_url else None
        return new

    def _page_url(self, number: int, page: Page | None) -> str | None:
        if "{page}" in self.config.url:
            return self.config.url.replace("{page}", str(number))
        if page is None:
            return self.config.url
        node = BeautifulSoup(page.text, "lxml").select_one(self.context.selectors.next_page)
        href = node.get("href") if node is not None else None
        return urljoin(page.url, str(href)) if href else None

    async def _fetch_listing(
        self, url: str | None, validators: tuple[str | None, str | None] = (None, None)
    ) -> Page:
        assert url is not None
        page = await self.context.fetcher.get(url, self.context.scope, validators=validators)
        if page.status in (404, 410):
            raise ParseError(f"{url}: listing page answers {page.status}")
        return page
