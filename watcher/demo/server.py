"""A thaigov-shaped site on 127.0.0.1, served from a thread: the demo's replay site.

It answers like the real site where the watcher can tell: item pages at
/news/contents/details/{id}, the empty-item page (200) for unknown ids, a listing newest first
with a next-page link, robots.txt, and ETag validators answered with 304. tests/site.py builds
its fault-injecting test site on this class.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from watcher.core.corpus import Item
from watcher.demo.site import (
    ITEM_PATH,
    LISTING_PATH,
    render_empty_page,
    render_item_page,
    render_listing,
)

__all__ = ["DEFAULT_ROBOTS", "SiteRequest", "SiteServer"]

DEFAULT_ROBOTS = "User-agent: *\nDisallow: /private/\n"
_ITEM_PREFIX = ITEM_PATH.split("{id}")[0]


@dataclass(frozen=True)
class SiteRequest:
    path: str  # with the query string
    headers: dict[str, str]  # lower-case names


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-request (a killed watcher) is normal here, not an error."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SiteServer:
    """Serve Items as thaigov pages; `publish` makes an id appear, as the site does."""

    def __init__(
        self, *, listing_page_size: int = 10, robots_txt: str | None = DEFAULT_ROBOTS,
        log_size: int = 1000,
    ) -> None:  # fmt: skip
        self.listing_page_size = listing_page_size
        self.robots_txt = robots_txt
        self.requests: Counter[str] = Counter()  # path (no query) → count
        self.log: deque[SiteRequest] = deque(maxlen=log_size)  # the latest requests
        self.bytes_sent = 0
        self.closing = threading.Event()  # wakes stalled handlers on stop()
        self.intercept: Callable[[BaseHTTPRequestHandler], bool] | None = None
        self.item_for: Callable[[int], Item | None] | None = None  # ids not published one by one
        self._items: dict[int, Item] = {}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- content -------------------------------------------------------------------------
    def publish(self, source_id: int, item: Item) -> None:
        with self._lock:
            self._items[source_id] = item

    # -- addresses ------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the site is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def item_url_template(self) -> str:
        return self.base_url + ITEM_PATH

    def item_url(self, source_id: int) -> str:
        return self.base_url + ITEM_PATH.format(id=source_id)

    def listing_url(self, page: int | None = None) -> str:
        return self.base_url + LISTING_PATH + (f"?page={page}" if page else "")

    # -- life cycle -----------------------------------------------------------------------
    def start(self) -> Self:
        httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        httpd.site = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name="site", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.closing.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- answers --------------------------------------------------------------------------
    def answer(self, path: str) -> tuple[int, str, str]:
        """(status, content type, text) of a path, as the site would answer it."""
        parts = urlsplit(path)
        html = "text/html; charset=utf-8"
        if parts.path == "/robots.txt":
            if self.robots_txt is None:
                return 404, "text/plain", "not found"
            return 200, "text/plain; charset=utf-8", self.robots_txt
        if parts.path.startswith(_ITEM_PREFIX) and parts.path[len(_ITEM_PREFIX) :].isdigit():
            source_id = int(parts.path[len(_ITEM_PREFIX) :])
            with self._lock:
                item = self._items.get(source_id)
            if item is None and self.item_for is not None:
                item = self.item_for(source_id)
            return 200, html, render_item_page(item) if item else render_empty_page()
        if parts.path == LISTING_PATH:
            page = int((parse_qs(parts.query).get("page") or ["1"])[0] or 1)
            return 200, html, self._listing(page)
        return 404, "text/plain", "not found"

    def _listing(self, page: int) -> str:
        with self._lock:
            newest = sorted(self._items.items(), reverse=True)
        size = self.listing_page_size
        chunk = newest[(page - 1) * size : page * size]
        links = [(ITEM_PATH.format(id=i), item.title) for i, item in chunk]
        more = len(newest) > page * size
        return render_listing(links, next_url=f"{LISTING_PATH}?page={page + 1}" if more else None)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "thaigov-replay/1.0"

    def do_GET(self) -> None:
        site: SiteServer = self.server.site  # type: ignore[attr-defined]
        path = urlsplit(self.path).path
        with site._lock:
            site.requests[path] += 1
            site.log.append(SiteRequest(self.path, {k.lower(): v for k, v in self.headers.items()}))
        if site.intercept is not None and site.intercept(self):
            return
        status, content_type, text = site.answer(self.path)
        self.send_body(status, content_type, text.encode("utf-8"))

    def send_body(
        self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        """Send a whole answer with an ETag; a matching If-None-Match gets 304."""
        site: SiteServer = self.server.site  # type: ignore[attr-defined]
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        if status == 200 and self.headers.get("If-None-Match") == etag:
            status, body = 304, b""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if status in (200, 304):
            self.send_header("ETag", etag)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        with site._lock:
            site.bytes_sent += len(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests and the demo print what matters themselves."""
