"""The hostile HTTP server that the fetch and source tests share: every way a site can be
slow, huge, malformed or unfriendly, on a real server on 127.0.0.1 (tests/site.py's LocalSite is
this server serving thaigov-shaped pages), plus pages built to hurt a parser.

Faults, per path (exact path; for a path with a query the full path+query matches first). Each
takes `times=N` (the fault answers the next N requests, then the path is normal again) or
`times=None` (for good). Later calls for the same path queue behind earlier ones.

    site.fail(path, 503, headers={"Retry-After": "1"}, times=2)   # any status (429, 5xx…)
    site.stall(path, seconds=30)          # headers and a little body, then silence
    site.stall(path, before_headers=True) # silence before the status line
    site.drip(path, every=0.05)           # a few bytes at a time, forever under read_timeout
    site.huge(path, size=20_000_000, declare_length=False)   # streamed junk, no Content-Length
    site.bomb(path, "gzip", size=200_000_000)  # or "deflate": tiny on the wire, huge decoded
    site.reset(path, after_headers=False) # connection reset (RST)
    site.encode(path, "tis-620", declare="meta")   # declare: header | meta | none | wrong
    site.truncate(path, keep=0.5)         # the normal page cut (valid HTTP, broken HTML)
    site.garbage(path, size=4096)         # random bytes served as text/html
    site.redirect(path, location)         # 302 to location (absolute or relative)
    site.challenge(path, 403)             # bot protection: 403/503 + cf-mitigated, or 200 page
    site.serve(path, body, content_type, headers={...})  # any document (a feed: tests/feeds.py)
    site.clear_faults()                   # back to normal everywhere

`FAULTS` names one of each that makes a single page unreadable (for a source test to check
the page is walked past, recorded and read once healed), with `FAULT_FETCH` settings that
end each within a second or so: 1 MB cap, short timeouts, fast retries.

Pages: `nested_page(depth)`, `tag_flood_page(tags)`, `BAD_LINKS` (javascript:, mailto:, file:,
data:, another host) and `with_bad_links(html)` to put them before a listing's links.

Stalls and drips end when the server stops (stop() wakes them), so tests never hang on teardown.
"""

from __future__ import annotations

import contextlib
import functools
import random
import socket
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from watcher.core.config import FetchSettings
from watcher.demo.server import SiteServer

__all__ = [
    "BAD_LINKS",
    "FAULTS",
    "FAULT_FETCH",
    "HostileServer",
    "compressed_zeros",
    "nested_page",
    "tag_flood_page",
    "with_bad_links",
]

Action = Callable[[BaseHTTPRequestHandler], None]

BAD_LINKS = (
    "javascript:void(0)",
    "mailto:a@b.c",
    "file:///etc/passwd",
    "data:text/html,x",
    "http://other.invalid/news/contents/details/9",
)


def with_bad_links(html: str) -> str:
    """`html` with a paragraph per hostile link before its first paragraph."""
    bad = "".join(f'<p><a href="{link}">bad</a></p>' for link in BAD_LINKS)
    return html.replace("<p>", bad + "<p>", 1)


def nested_page(depth: int) -> str:
    """A page of `depth` nested <div>s: what freezes a parser that is not guarded."""
    return "<html><body>" + "<div>" * depth + "x" + "</div>" * depth + "</body></html>"


def tag_flood_page(tags: int) -> str:
    return "<html>" + "<br>" * tags + "</html>"


@functools.lru_cache(maxsize=4)
def compressed_zeros(encoding: str, size: int) -> bytes:
    """`size` bytes of one repeated byte, gzip- or zlib(deflate)-compressed (~1000:1)."""
    wbits = {"gzip": 31, "deflate": 15}[encoding]
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = b"\0" * 1_000_000
    parts = [packer.compress(block) for _ in range(size // len(block))]
    parts.append(packer.compress(b"\0" * (size % len(block))))
    return b"".join([*parts, packer.flush()])


@dataclass
class _Fault:
    action: Action
    remaining: int | None


class HostileServer(SiteServer):
    """A SiteServer whose paths can be made to misbehave (see the module's list)."""

    def __init__(self, **site: Any) -> None:
        super().__init__(**site)
        self._faults: dict[str, list[_Fault]] = {}
        self.intercept = self._intercept

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
                _begin_unfinished_page(handler)
            self.closing.wait(seconds)
            handler.close_connection = True

        self._add(path, act, times)

    def huge(
        self, path: str, size: int = 20_000_000, *, declare_length: bool = False,
        times: int | None = None,
    ) -> None:  # fmt: skip
        def act(handler: Any) -> None:
            length = {"Content-Length": str(size)} if declare_length else {"Connection": "close"}
            _html_headers(handler, length)
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
        *, headers: dict[str, str] | None = None, times: int | None = None,
    ) -> None:  # fmt: skip
        """Any document at `path` (a feed, a page of another layout), with an ETag."""
        data = body.encode() if isinstance(body, str) else body

        def act(handler: Any) -> None:
            handler.send_body(200, content_type, data, headers)

        self._add(path, act, times)

    def drip(
        self, path: str, *, every: float = 0.05, chunk: int = 16, size: int = 100_000,
        times: int | None = None,
    ) -> None:  # fmt: skip
        """A slow drip: `chunk` bytes every `every` seconds, each gap well under any read
        timeout, so only a budget for the whole answer ends it."""

        def act(handler: Any) -> None:
            _html_headers(handler, {"Content-Length": str(size)})
            sent = 0
            try:
                while sent < size and not self.closing.wait(every):
                    handler.wfile.write(b"<" * min(chunk, size - sent))
                    handler.wfile.flush()
                    sent += chunk
            except OSError:
                pass  # the client gave up: what the budget is for
            handler.close_connection = True

        self._add(path, act, times)

    def bomb(
        self, path: str, encoding: str = "gzip", *, size: int = 200_000_000,
        times: int | None = None,
    ) -> None:  # fmt: skip
        """A compression bomb: a few hundred KB on the wire, `size` bytes once decoded
        (Content-Encoding gzip or deflate; Content-Length is the small, compressed size)."""
        data = compressed_zeros(encoding, size)

        def act(handler: Any) -> None:
            with contextlib.suppress(OSError):  # the client stopped reading
                handler.send_body(
                    200, "text/html; charset=utf-8", data, {"Content-Encoding": encoding}
                )

        self._add(path, act, times)

    def reset(self, path: str, *, after_headers: bool = False, times: int | None = None) -> None:
        """Connection reset (RST, not a clean close), before or after the status line."""

        def act(handler: Any) -> None:
            if after_headers:
                _begin_unfinished_page(handler)
            linger = struct.pack("ii", 1, 0)  # SO_LINGER 0: close() sends RST
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            handler.close_connection = True
            handler.connection.close()

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


FAULT_FETCH = FetchSettings(
    per_host_interval=0.0, backoff_seconds=0.01, max_backoff_seconds=0.05, retries=2,
    read_timeout=0.3, connect_timeout=1.0, total_timeout=1.0, max_bytes=1_000_000,
)  # fmt: skip

FAULTS: dict[str, Callable[[HostileServer, str], None]] = {
    "500": lambda site, path: site.fail(path, 500),
    "503": lambda site, path: site.fail(path, 503, headers={"Retry-After": "0"}),
    "429": lambda site, path: site.fail(path, 429, headers={"Retry-After": "0"}),
    "stall": lambda site, path: site.stall(path),
    "slow drip": lambda site, path: site.drip(path),
    "20 MB body": lambda site, path: site.huge(path, 20_000_000),
    "gzip bomb": lambda site, path: site.bomb(path, "gzip"),
    "deflate bomb": lambda site, path: site.bomb(path, "deflate"),
    "connection reset": lambda site, path: site.reset(path),
    "reset mid-body": lambda site, path: site.reset(path, after_headers=True),
    "truncated": lambda site, path: site.truncate(path, keep=0.7),
    "random bytes": lambda site, path: site.garbage(path),
    "nested 5,000 deep": lambda site, path: site.serve(path, nested_page(5_000)),
    "redirect loop": lambda site, path: site.redirect(path, path),
    "redirect to 169.254.169.254": lambda site, path: site.redirect(
        path, "http://169.254.169.254/latest/meta-data/"
    ),
}


def _html_headers(handler: Any, extra: dict[str, str]) -> None:
    """A 200 HTML answer's status line and headers, then the body is the fault's."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    for name, value in extra.items():
        handler.send_header(name, value)
    handler.end_headers()


def _begin_unfinished_page(handler: Any) -> None:
    """Headers promising 100,000 bytes and the first few of them: a page that never ends."""
    _html_headers(handler, {"Content-Length": "100000"})
    handler.wfile.write(b"<html><head>")
    handler.wfile.flush()
