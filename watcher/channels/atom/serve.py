"""`watcher serve`: the history over read-only HTTP, for feed readers and scripts.

    GET /feed.atom?country=JP&ministry=industry   Atom (atom/feed.py), newest 50 by default
    GET /items.json?…                             {"limit", "count", "items": [...]}, the same
    GET /                                         a short plain-text index of the two
    POST /unsubscribe?token=…                     one-click unsubscribe (RFC 8058); a GET
                                                  shows a page whose button POSTs

Unsubscribing is served only when [serve] public_url and WATCHER_SECRET are set (the links
e-mails carry are signed with the secret: watcher/channels/email/unsubscribe.py). It is the one
write: the database is opened for writing for that operation and closed after it. A GET never
unsubscribes (mail scanners fetch links), a forged or altered token changes nothing (403), a
second POST of the same link says it is already done. Tokens are never written to the log.

Query parameters are the CLI's filters, parsed by the function the CLI hands in (its own), so
a value the CLI refuses gets 400 with the same one line; `q` is a search in the query language
of `watcher search` (docs/search.md), its matches newest first. `limit` is at most MAX_LIMIT: asking
for more serves MAX_LIMIT and says so (an X-Limit-Capped header, "capped" in the JSON).
Every answer carries an ETag, a hash of its body, and a request whose If-None-Match names it
gets 304 without a body, so a reader polling every few minutes transfers nothing new.

The store is opened read-only by the caller (SQLite mode=ro). Requests run in threads and take
turns on its one connection, so one query's rows never interleave with another's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
import signal
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from watcher.channels.atom.feed import atom_feed
from watcher.channels.email.unsubscribe import (
    OneClick,
    SubscriberRemoval,
    is_subscribed,
    unsubscribe,
    unsubscribe_page,
)
from watcher.channels.telegram.render import Names
from watcher.core.errors import WatcherError
from watcher.match.language import parse_query
from watcher.query import search as query
from watcher.store import ItemFilter, Store

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "FeedServer",
    "ParseFilter",
    "Unsubscribes",
    "serve_until_stopped",
]

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000  # items per answer; a reader wants the newest, a script can page by --until
MAX_QUERY_FIELDS = 64
MAX_BODY = 65_536  # a one-click POST body is 26 bytes; more is refused unread
_TOKEN_IN_LOG = re.compile(r"token=[^&\s\"]*")
REMOVED = "ยกเลิกแล้ว / Unsubscribed: {address} will get no more e-mail from this thaigov-watcher."
GONE = "ยกเลิกไปแล้ว / Already unsubscribed: {address} gets no e-mail from this thaigov-watcher."
FORGED = (
    "ลิงก์ยกเลิกไม่ถูกต้อง / This unsubscribe link is not valid (altered, or not signed by this"
    " watcher); nothing was changed."
)
ParseFilter = Callable[..., ItemFilter]  # (params, *, default_limit) -> ItemFilter
INDEX = """thaigov-watcher: items of thaigov.go.th, read-only

/feed.atom   Atom feed, newest {default} first
/items.json  the same items as JSON

Both take the CLI's filters as query parameters: {names}
(repeat one for several codes: ?country=JP&country=KR). limit is at most {most}.
q is a search, as `watcher search` reads it: ?q=EV%20OR%20ยานยนต์ไฟฟ้า
Example: /feed.atom?country=JP&ministry=industry
"""


@dataclass(frozen=True)
class Unsubscribes:
    """One-click unsubscribe: the signer, and the database opened for writing for one
    removal (closed after it)."""

    one_click: OneClick
    open_writer: Callable[[], AbstractContextManager[SubscriberRemoval]]

    @property
    def paths(self) -> tuple[str, ...]:
        """/unsubscribe, and the public URL's path + /unsubscribe (a proxy that keeps it)."""
        prefix = urlsplit(self.one_click.public_url).path.rstrip("/")
        return tuple(dict.fromkeys(("/unsubscribe", f"{prefix}/unsubscribe")))


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # listen backlog (the kernel caps it at somaxconn): socketserver's
    # 5 reset 41 of a burst of 200 connections (issue 27)

    def __init__(
        self,
        address: tuple[str, int],
        store: Store,
        parse_filter: ParseFilter,
        names: Names,
        parameters: Sequence[str] = (),
        unsubscribes: Unsubscribes | None = None,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.host = address[0]
        self.store, self.parse_filter, self.names = store, parse_filter, names
        self.parameters = tuple(parameters)
        self.unsubscribes = unsubscribes
        self.lock = threading.Lock()
        super().__init__(address, FeedRequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up is no error of ours: one debug line, not a traceback."""
        log.debug("request from %s ended early", client_address, exc_info=True)

    @property
    def url(self) -> str:
        host, port = self.host, self.server_address[1]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/"

    def answer(self, path: str, params: Mapping[str, list[str]]) -> Answer:
        """The answer to GET `path` (no ETag handling: the request handler does that)."""
        if path == "/":
            text = INDEX.format(
                default=DEFAULT_LIMIT, most=MAX_LIMIT, names=", ".join(self.parameters)
            )
            return Answer(200, text.encode(), "text/plain; charset=utf-8")
        if self.unsubscribes is not None and path in self.unsubscribes.paths:
            return self.unsubscribe(params, act=False)
        if path not in ("/feed.atom", "/items.json"):
            return _text(404, f"no such page {path[:80]!r}; try /feed.atom or /items.json")
        try:
            where = self.parse_filter(
                {k: v for k, v in params.items() if k != "q"}, default_limit=DEFAULT_LIMIT
            )
            searched = [parse_query(text) for text in params.get("q", [])[:1]]
        except WatcherError as error:
            return _text(400, str(error))
        asked = where.limit if where.limit is not None else DEFAULT_LIMIT
        where = dataclasses.replace(where, limit=min(asked, MAX_LIMIT))
        headers = (
            {"X-Limit-Capped": f"asked {asked}, at most {MAX_LIMIT}"} if asked > MAX_LIMIT else {}
        )
        with self.lock:
            if searched:
                hits = self.store.search_items(searched[0], where, newest_first=True)
                items = [hit.item for hit in hits]
            else:
                items = list(query.items(self.store, where))
        if path == "/feed.atom":
            body = atom_feed(items, where, names=self.names)
            return Answer(200, body, "application/atom+xml; charset=utf-8", headers)
        record: dict[str, Any] = {"limit": where.limit, "count": len(items)}
        if headers:
            record["capped"] = headers["X-Limit-Capped"]
        record["items"] = [item.to_json() | {"evidence": list(item.evidence)} for item in items]
        body = json.dumps(record, ensure_ascii=False, indent=1).encode()
        return Answer(200, body, "application/json; charset=utf-8", headers)

    def is_unsubscribe(self, path: str) -> bool:
        return self.unsubscribes is not None and path in self.unsubscribes.paths

    def unsubscribe(self, params: Mapping[str, list[str]], *, act: bool) -> Answer:
        """A GET (`act` False): the page with the button; a POST: the removal itself."""
        assert self.unsubscribes is not None
        tokens = params.get("token", [])
        if len(tokens) != 1 or not tokens[0]:
            return _text(400, "no token: open the unsubscribe link exactly as the e-mail gave it")
        signed = self.unsubscribes.one_click.verify(tokens[0])
        if signed is None:
            return _text(403, FORGED)
        if act:
            try:
                with self.lock, self.unsubscribes.open_writer() as store:
                    outcome = unsubscribe(store, signed)
            except WatcherError as error:
                log.error("unsubscribe of subscriber %s failed: %s", signed.subscriber_id, error)
                return _text(503, "cannot unsubscribe right now; please try again in a few minutes")
            if outcome == "removed":
                log.info("subscriber %s unsubscribed (one-click)", signed.subscriber_id)
                return _text(200, REMOVED.format(address=signed.address))
            return _text(200, GONE.format(address=signed.address))
        with self.lock:
            subscribed = is_subscribed(self.store, signed)
        if not subscribed:
            return _text(200, GONE.format(address=signed.address))
        page = unsubscribe_page(signed.address, action="?token=" + quote(tokens[0]))
        return Answer(
            200, page.encode(), "text/html; charset=utf-8", {"Referrer-Policy": "no-referrer"}
        )


def _text(status: int, line: str) -> Answer:
    return Answer(status, (" ".join(line.split()) + "\n").encode(), "text/plain; charset=utf-8")


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _raw_utf8(path: str) -> str:
    """The request target as the client wrote it: http.server reads the request line as
    Latin-1, so a query string sent as raw UTF-8 (`?country=ญี่ปุ่น`, as curl sends it) is put back
    together; a percent-encoded one is ASCII and comes through as it was."""
    try:
        return path.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return path


def _names_etag(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


class FeedRequestHandler(BaseHTTPRequestHandler):
    server: FeedServer
    server_version = "thaigov-watcher"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        """Answer one GET."""
        self._reply(with_body=True)

    def do_HEAD(self) -> None:
        """Answer one HEAD: the GET's headers."""
        self._reply(with_body=False)

    def do_POST(self) -> None:
        """Answer one POST: only a one-click unsubscribe takes one."""
        url = urlsplit(_raw_utf8(self.path))
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            self.close_connection = True
            self._send(_text(413, f"at most {MAX_BODY} bytes of body"), with_body=True)
            return
        self.rfile.read(int(length))  # "List-Unsubscribe=One-Click"; the token is what counts
        if not self.server.is_unsubscribe(url.path):  # read-only: as for any other method
            self._send(_text(501, "read-only: GET and HEAD only"), with_body=True)
            return
        self._send(self._answer(url.query, lambda p: self.server.unsubscribe(p, act=True)), True)

    def _answer(self, query: str, answer: Callable[[Mapping[str, list[str]]], Answer]) -> Answer:
        try:
            params = parse_qs(query, keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS)
        except ValueError:  # more fields than MAX_QUERY_FIELDS: the only ValueError parse_qs has
            return _text(400, f"at most {MAX_QUERY_FIELDS} query parameters")
        try:
            return answer(params)
        except Exception:  # a bug or a broken database: said in one line, logged in full
            log.exception("%s %s failed", self.command, _hide_tokens(self.path[:200]))
            return _text(500, "internal error; the server log says more")

    def _reply(self, *, with_body: bool) -> None:
        url = urlsplit(_raw_utf8(self.path))
        answer = self._answer(url.query, lambda params: self.server.answer(url.path, params))
        cached = not self.server.is_unsubscribe(url.path)
        self._send(answer, with_body, cached=cached)

    def _send(self, answer: Answer, with_body: bool, *, cached: bool = False) -> None:
        """Send `answer`; a `cached` one carries an ETag, and a 304 when the client has it."""
        status = answer.status
        etag = etag_of(answer.body)
        if cached and status == 200 and _names_etag(self.headers.get("If-None-Match"), etag):
            status, with_body = 304, False
        self.send_response(status)
        self.send_header("Content-Type", answer.content_type)
        if not cached:
            self.send_header("Cache-Control", "no-store")
        elif status in (200, 304):
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", "no-cache")  # keep it, but ask again each time
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if with_body:
            self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        """One access line; an unsubscribe token (who may be unsubscribed) shows as ***."""
        log.info("%s %s", self.address_string(), _hide_tokens(format % args))


def _hide_tokens(text: str) -> str:
    return _TOKEN_IN_LOG.sub("token=***", text)


def serve_until_stopped(server: FeedServer, ready: Callable[[], None] | None = None) -> None:
    """Serve until SIGTERM or SIGINT, then stop cleanly (answers under way finish).

    `ready` runs once the signals are ours (it announces the address): a supervisor that
    stops the server as soon as it is announced must not kill it before it can stop cleanly."""
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    worker = threading.Thread(target=server.serve_forever, args=(0.1,), name="serve", daemon=True)
    worker.start()
    try:
        if ready is not None:
            ready()
        stop.wait()
    finally:
        server.shutdown()
        worker.join()
        server.server_close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
