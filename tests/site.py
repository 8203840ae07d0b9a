"""A local thaigov-shaped site with programmable faults, for tests that need real HTTP.

A real HTTP/1.1 server on 127.0.0.1 (random free port) in a thread, serving the same pages as the
demo's replay site (watcher/demo/site.py renders both). Reusable by any test that needs the
site: polling, Telegram, crash tests. Its faults (slow, huge, bombs, resets, challenges, bad
charsets…) are tests/hostile.py's `HostileServer`; hostile pages (nesting, bad links) too.

    from tests.site import LocalSite, local_site   # `local_site` is a pytest fixture

    with LocalSite() as site:                      # or use the `local_site` fixture
        site.publish(1001, item)                   # an Item at /news/contents/details/1001
        site.add_items(items, start_id=1001)       # several, at consecutive ids
        site.item_url(1001), site.item_url_template, site.listing_url(), site.base_url
        site.count("/news/contents/details/1001")  # requests to a path (query ignored)
        site.requests, site.log, site.bytes_sent   # per-path Counter, latest requests, body bytes
        site.robots_txt = "User-agent: *\\nDisallow: /news/\\n"   # None → robots.txt is 404
        site.fail(path, 503, headers={"Retry-After": "1"}, times=2)   # tests/hostile.py

What it answers by default: item pages for published ids; the empty-item page (200, empty
title, dated 1 มกราคม 2513) for any other id; a listing at /news/contents/listing?page=N (newest
first, `listing_page_size` per page, `a[rel=next]` to the next page); robots.txt; an ETag on
every 200 and 304 to a matching If-None-Match.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import urlsplit

import pytest

from tests.hostile import HostileServer
from watcher.core.corpus import Item
from watcher.demo.server import DEFAULT_ROBOTS, SiteRequest, SiteServer

__all__ = ["GrowingSite", "LocalSite", "SiteRequest", "local_site"]


class LocalSite(HostileServer):
    def __init__(self, *, listing_page_size: int = 10, robots_txt: str | None = DEFAULT_ROBOTS):
        super().__init__(listing_page_size=listing_page_size, robots_txt=robots_txt)

    # -- content -------------------------------------------------------------------------
    def add_items(self, items: Iterable[Item], *, start_id: int, step: int = 1) -> list[int]:
        ids = []
        for offset, item in enumerate(items):
            self.publish(start_id + offset * step, item)
            ids.append(start_id + offset * step)
        return ids

    def count(self, path: str) -> int:
        with self._lock:
            return self.requests[urlsplit(path).path]


class GrowingSite:
    """Ids 1 … frontier hold items except the gaps (2025-like: most 1–3 wide, 1 in 137 of
    them 17), one gap every 3–60 ids."""

    def __init__(
        self, site: SiteServer, frontier: int, *, seed: int = 7,
        make_item: Callable[[int], Item] | None = None,
    ) -> None:  # fmt: skip
        self.site, self.frontier = site, frontier
        rng = random.Random(seed)
        self.gaps: set[int] = set()
        source_id = 1
        while source_id < frontier - 80:
            [width] = rng.choices([1, 2, 3, 5, 9, 17], weights=[90, 28, 10, 5, 3, 1])
            self.gaps.update(range(source_id, source_id + width))
            source_id += width + rng.randint(3, 60)
        self.gaps.update(range(frontier - 30, frontier - 13))  # a 17-wide gap near the end
        self.make_item = make_item or _numbered_item
        site.item_for = self.item

    def item(self, source_id: int) -> Item | None:
        if source_id > self.frontier or source_id in self.gaps:
            return None
        return self.make_item(source_id)

    def item_requests(self) -> int:
        return sum(n for path, n in self.site.requests.items() if path.startswith(_ITEM_PREFIX))


def _numbered_item(n: int) -> Item:
    return Item(
        title=f"ข่าวที่ {n}: นายกรัฐมนตรีหารือกับญี่ปุ่น",
        body=f"รายละเอียดข่าวที่ {n} เรื่องความร่วมมือกับญี่ปุ่น\nย่อหน้าที่สองของข่าว {n}",
        category="ด้านเศรษฐกิจ", published="2023-07-25",
    )  # fmt: skip


_ITEM_PREFIX = "/news/contents/details/"


@pytest.fixture
def local_site() -> Iterator[LocalSite]:
    with LocalSite() as site:
        yield site
