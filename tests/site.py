"""A local thaigov-shaped site with programmable faults, for tests that need real HTTP.

A real HTTP/1.1 server on 127.0.0.1 (random free port) in a thread, serving the same pages as the
demo's replay site (watcher/demo/site.py renders both). Reusable by any test that needs the
site: polling, Telegram, crash tests.

    from tests.site import LocalSite, local_site   # `local_site` is a pytest fixture

    with LocalSite() as site:                      # or use the `local_site` fixture
        site.publish(1001, item)                   # an Item at /news/contents/details/1001
        site.add_items(items, start_id=1001)       # several, at consecutive ids
        site.item_url(1001), site.item_url_template, site.listing_url(), site.base_url
        site.count("/news/contents/details/1001")  # requests to a path (query ignored)
        site.requests, site.log, site.bytes_sent   # per-path Counter, latest requests, body bytes
        site.robots_txt = "User-agent: *\\nDisallow: /news/\\n"   # None → robots.txt is 404

What it answers by default: item pages for published ids; the empty-item page (200, empty
title, dated 1 มกราคม 2513) for any other id; a listing at /news/contents/listing?page=N (newest
first, `listing_page_size` per page, `a[rel=next]` to the next page); robots.txt; an ETag on
every 200 and 304 to a matching If-None-Match.

Faults, per path (exact path; for a path with a query the full path+query matches first). Each
takes `times=N` (the fault answers the next N requests, then the path is normal again) or
`times=None` (for good). Later calls for the same path queue behind earlier ones.

    site.fail(path, 503, headers={"Retry-After": "1"}, times=2)   # any status, extra headers
    site.stall(path, seconds=30)          # headers and a little body, then silence
    site.stall(path, before_headers=True) # silence before the status line
    site.huge(path, size=20_000_000, declare_length=False)   # streamed junk, no Content-Length
    site.encode(path, "tis-620", declare="meta")   # declare: header | meta | none | wrong
    site.truncate(path, keep=0.5)         # the normal page cut (valid HTTP, broken HTML)
    site.garbage(path, size=4096)         # random bytes served as text/html
    site.redirect(path, location)         # 302 to location (absolute or relative)
    site.challenge(path, 403)             # bot protection: 403/503 + cf-mitigated, or 200 page
    site.serve(path, body, content_type)  # any document (a feed: see tests/feeds.py)
    site.clear_faults()                   # back to normal everywhere

Stalls end when the site stops (stop() wakes them), so tests never hang on teardown.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

import pytest

from watcher.corpus import Item
from watcher.demo.server import DEFAULT_ROBOTS, SiteRequest, SiteServer

__all__ = ["GrowingSite", "LocalSite", "SiteRequest", "local_site"]

Action = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class _Fault:
    action: Action
    remaining: int | None


class LocalSite(SiteServer):
    def __init__(self, *, listing_page_size: int = 10, robots_txt: str | None = DEFAULT_ROBOTS):
        super().__init__(listing_page_size=listing_page_size, robots_txt=robots_txt)
        self._faults: dict[str, list[_Fault]] = {}
        self.intercept = self._intercept

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

    # -- faults ---------------------------------------------------------------------------
    def fail(
        self, path: str, status: int, *, headers: dict[str, str] | None = None,
        body: str = "", times: int | None = None,
    ) -> None:  # fmt: skip
        def act(handler: Any) -> None:
            handler.send_body(status, "text/html; charset=utf-8", body.encode(), headers)

        self._add(path, act, times)

    def stall(
        self, path: str, seconds: float = 30.0, *, before_headers: bool = False,
        times: int | None = None,
    ) -> None:  # fmt: skip
        def act(handler: Any) -> None:
            if not before_headers:
                handler.send_response(200)
                handler.send_header("Content-Type", "text/html; charset=utf-8")
                handler.send_header("Content-Length", "100000")
                handler.end_headers()
                handler.wfile.write(b"<html><head>")
                handler.wfile.flush()
            self.closing.wait(seconds)
            handler.close_connection = True

        self._add(path, act, times)

    def huge(
        self, path: str, size: int = 20_000_000, *, declare_length: bool = False,
        times: int | None = None,
    ) -> None:  # fmt: skip
        def act(handler: Any) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            if declare_length:
                handler.send_header("Content-Length", str(size))
            else:
                handler.send_header("Connection", "close")
            handler.end_headers()
            handler.close_connection = True
            chunk = b"<p>" + b"x" * 65_530 + b"</p>"
            sent = 0
            try:
                while sent < size and not self.closing.is_set():
                    handler.wfile.write(chunk[: size - sent])
                    sent += len(chunk)
                    with self._lock:
                        self.bytes_sent += len(chunk)
            except OSError:
                pass  # the client stopped reading: what the cap is for

        self._add(path, act, times)

    def encode(
        self, path: str, encoding: str = "tis-620", *, declare: str = "meta",
        times: int | None = None,
    ) -> None:  # fmt: skip
        def act(handler: Any) -> None:
            status, _type, text = self.answer(handler.path)
            meta = f'<meta charset="{encoding}">' if declare == "meta" else ""
            text = text.replace('<meta charset="utf-8">', meta)
            content_type = {
                "header": f"text/html; charset={encoding}",
                "wrong": "text/html; charset=utf-8",
            }.get(declare, "text/html")
            handler.send_body(status, content_type, text.encode(encoding))

        self._add(path, act, times)

    def truncate(self, path: str, *, keep: float = 0.5, times: int | None = None) -> None:
        def act(handler: Any) -> None:
            status, content_type, text = self.answer(handler.path)
            handler.send_body(status, content_type, text[: int(len(text) * keep)].encode())

        self._add(path, act, times)

    def garbage(
        self, path: str, *, size: int = 4096, seed: int = 0, times: int | None = None
    ) -> None:
        junk = random.Random(seed).randbytes(size)

        def act(handler: Any) -> None:
            handler.send_body(200, "text/html", junk)

        self._add(path, act, times)

    def redirect(
        self, path: str, location: str, *, status: int = 302, times: int | None = None
    ) -> None:
        def act(handler: Any) -> None:
            handler.send_body(status, "text/html", b"", {"Location": location})

        self._add(path, act, times)

    def challenge(self, path: str, status: int = 403, *, times: int | None = None) -> None:
        """A bot-protection answer: 403/503 with `cf-mitigated: challenge`, or for status 200
        a "Just a moment…" page without the header (as some protections serve it)."""
        page = (
            b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
            b"<div id='challenge-running'>Checking your browser before accessing.</div>"
            b"<script src='/cdn-cgi/challenge-platform/h/g/orchestrate/jsch/v1'></script>"
            b"</body></html>"
        )
        headers = {} if status == 200 else {"cf-mitigated": "challenge"}

        def act(handler: Any) -> None:
            handler.send_body(status, "text/html; charset=UTF-8", page, headers)

        self._add(path, act, times)

    def serve(
        self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8",
        *, times: int | None = None,
    ) -> None:  # fmt: skip
        """Any document at `path` (a feed, a page of another layout), with an ETag."""
        data = body.encode() if isinstance(body, str) else body

        def act(handler: Any) -> None:
            handler.send_body(200, content_type, data)

        self._add(path, act, times)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _add(self, path: str, action: Action, times: int | None) -> None:
        with self._lock:
            self._faults.setdefault(path, []).append(_Fault(action, times))

    def _intercept(self, handler: BaseHTTPRequestHandler) -> bool:
        with self._lock:
            queue = self._faults.get(handler.path) or self._faults.get(urlsplit(handler.path).path)
            while queue and queue[0].remaining == 0:
                queue.pop(0)
            if not queue:
                return False
            fault = queue[0]
            if fault.remaining is not None:
                fault.remaining -= 1
        fault.action(handler)
        return True


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
