"""Polite HTTP for the sources: one GET that never hangs, never floods and never wanders.

What one `Fetcher.get` does, in order: check the URL's host belongs to the source and resolves
to an address the source may reach (addresses.py); honour robots.txt (robots.py); wait for the
host's pacing slot, shared by every source (pacing.py); send a conditional GET when validators
are known; read at most `max_bytes` (streamed, gzip/deflate inflated within the cap by
inflate.py; the rest is never read) within connect, read and total timeouts; follow redirects
itself, each hop checked like the first; retry timeouts, connection errors, 429 and 5xx with
exponential backoff and jitter, honouring Retry-After; decode the body (charset from the
header, then <meta>, then UTF-8, then TIS-620/cp874 for Thai pages).

The client, the clock, the sleep and the random source are passed in, so tests drive it with
httpx.MockTransport or a real server on 127.0.0.1 and never wait for real backoff.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from watcher.core.config import FetchSettings
from watcher.core.errors import BlockedByBotProtection, FetchError
from watcher.fetch.addresses import Resolver, forbidden_reason, resolve_host
from watcher.fetch.inflate import Inflater
from watcher.fetch.pacing import HostPacer
from watcher.fetch.robots import RobotsCache, RobotsText

__all__ = ["FetchScope", "FetchStats", "Fetcher", "Page", "decode_html", "make_client"]

MAX_REDIRECTS = 5
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)


@dataclass
class FetchStats:
    """What a cycle cost the site: requests sent, bytes received (with headers), 304s, retries."""

    requests: int = 0
    bytes: int = 0
    not_modified: int = 0
    retries: int = 0


@dataclass
class FetchScope:
    """Where one source may go: its hosts and ports, and its own (possibly private) addresses.

    `origins` are (host, port) pairs: the same host on another port is another server (an admin
    panel, another service), never the source's. A host named without a port is reachable on the
    default ports, 80 and 443 (a redirect from http to https stays in scope).
    """

    hosts: frozenset[str]
    own_addresses: frozenset[str] = frozenset()
    stats: FetchStats = field(default_factory=FetchStats)
    respect_robots: bool = True  # False only by an operator's explicit per-source override
    origins: frozenset[tuple[str, int]] = frozenset()

    def __post_init__(self) -> None:
        if not self.origins:
            self.origins = frozenset((host, port) for host in self.hosts for port in DEFAULT_PORTS)

    def allows(self, url: str) -> bool:
        return _origin(url) in self.origins


@dataclass(frozen=True)
class Page:
    url: str  # after redirects
    status: int  # 200, 304 (not modified) or 404/410 (gone)
    text: str = ""
    etag: str | None = None
    last_modified: str | None = None
    encoding: str | None = None
    body: bytes = b""  # the bytes as received (a feed is parsed from these, not from text)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def make_client(settings: FetchSettings) -> httpx.AsyncClient:
    """The one AsyncClient for all sources: timeouts, User-Agent, no automatic redirects."""
    timeout = httpx.Timeout(
        settings.read_timeout, connect=settings.connect_timeout, pool=settings.total_timeout
    )
    return httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=False,
        headers={
            "User-Agent": settings.user_agent,
            "Accept-Language": "th,en;q=0.5",
            "Accept-Encoding": "gzip, deflate",  # what Inflater decodes, whatever is installed
        },
        limits=httpx.Limits(max_connections=8, max_keepalive_connections=4),
    )


class Fetcher:
    def __init__(
        self,
        client: httpx.AsyncClient,
        settings: FetchSettings,
        *,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        pacer: HostPacer | None = None,
        robots: RobotsCache | None = None,
        resolve: Resolver = resolve_host,
    ) -> None:
        self.client = client
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.pacer = pacer or HostPacer(settings.per_host_interval, sleep=sleep)
        self.robots = robots or RobotsCache(settings.user_agent, settings.robots_ttl_seconds)
        self.resolve = resolve

    async def scope_for(
        self, url: str, extra_hosts: tuple[str, ...] = (), *, respect_robots: bool = True
    ) -> FetchScope:
        """The scope of a source configured at `url` (its host and its own addresses)."""
        host, port = _origin(url)
        try:
            own = await self.resolve(host)
        except OSError as error:
            raise FetchError(f"cannot resolve {host}: {error}") from error
        origins = {(host, p) for p in (DEFAULT_PORTS if port in DEFAULT_PORTS else (port,))}
        names = {host}
        for extra in (*self.settings.allowed_hosts, *extra_hosts):
            name, _colon, number = extra.lower().rpartition(":")
            if name and number.isdigit() and "]" not in number:
                origins.add((name.strip("[]"), int(number)))
                names.add(name.strip("[]"))
            else:
                origins.update((extra.lower(), p) for p in DEFAULT_PORTS)
                names.add(extra.lower())
        return FetchScope(
            hosts=frozenset(names), own_addresses=own, respect_robots=respect_robots,
            origins=frozenset(origins),
        )  # fmt: skip

    async def get(
        self,
        url: str,
        scope: FetchScope,
        *,
        validators: tuple[str | None, str | None] = (None, None),
    ) -> Page:
        """GET `url` politely; FetchError (one line) when it cannot be had, after retries."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise FetchError(f"{url}: refused: not HTTP")
        if not scope.allows(url):  # before robots.txt: another host or port is never asked
            raise FetchError(f"{url}: refused: {_where(url)} is outside the source's hosts")
        if self.settings.respect_robots and scope.respect_robots:
            await self.robots.check(url, lambda robots_url: self._robots_text(robots_url, scope))
        return await self._with_retries(url, scope, validators)

    async def _robots_text(self, url: str, scope: FetchScope) -> RobotsText:
        try:
            page = await self._with_retries(url, scope, (None, None), robots=True)
        except _HttpStatus as answer:
            return RobotsText(answer.status, "")
        return RobotsText(page.status, page.text)

    async def _with_retries(
        self, url: str, scope: FetchScope, validators: tuple[str | None, str | None],
        *, robots: bool = False,
    ) -> Page:  # fmt: skip
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            try:
                return await self._follow(url, scope, validators, robots=robots)
            except _Retryable as problem:
                if attempt + 1 == attempts:
                    raise FetchError(f"{url}: {problem} (after {attempts} attempts)") from None
                delay = self._backoff(attempt, problem.retry_after)
                scope.stats.retries += 1
                if problem.retry_after is None:
                    await self.sleep(delay)
                else:  # the host asked every client to wait: hold all sources back
                    self.pacer.hold(_host(url), delay)
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        ceiling = self.settings.max_backoff_seconds
        if retry_after is not None:
            return min(max(retry_after, 0.0), ceiling)
        base = self.settings.backoff_seconds * (2**attempt)
        return min(base * (0.5 + self.rng.random()), ceiling)

    async def _follow(
        self, url: str, scope: FetchScope, validators: tuple[str | None, str | None],
        *, robots: bool,
    ) -> Page:  # fmt: skip
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            await self._check_target(current, scope, origin=url)
            response, body = await self._request(current, scope, validators)
            location = response.headers.get("location")
            if response.status_code in (301, 302, 303, 307, 308) and location:
                current = urljoin(current, location)
                validators = (None, None)
                continue
            page = self._page(current, response, body, robots=robots)
            scope.stats.not_modified += page.not_modified
            return page
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects (a redirect loop?)")

    async def _check_target(self, url: str, scope: FetchScope, *, origin: str) -> None:
        """Refuse a URL (the first, or a redirect's target) outside the source's reach."""
        where = f"{origin}: " + ("" if url == origin else f"redirect to {url}: ")
        if urlsplit(url).scheme not in ("http", "https"):
            raise FetchError(f"{where}refused: not HTTP")
        host = _host(url)
        if not scope.allows(url):
            raise FetchError(f"{where}refused: {_where(url)} is outside the source's hosts")
        try:
            addresses = await self.resolve(host)
        except OSError as error:
            raise _Retryable(f"cannot resolve {host}: {error}") from error
        for address in sorted(addresses):
            reason = forbidden_reason(address, scope.own_addresses)
            if reason:
                raise FetchError(f"{where}refused: {reason}")

    async def _request(
        self, url: str, scope: FetchScope, validators: tuple[str | None, str | None]
    ) -> tuple[httpx.Response, bytes]:
        headers = {"Accept": "text/html,application/xhtml+xml,text/plain;q=0.8,*/*;q=0.5"}
        etag, last_modified = validators
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        await self.pacer.wait(_host(url))
        scope.stats.requests += 1
        try:
            async with asyncio.timeout(self.settings.total_timeout):
                async with self.client.stream("GET", url, headers=headers) as response:
                    try:
                        body = await self._read_capped(url, response)
                    finally:
                        scope.stats.bytes += response.num_bytes_downloaded + _head_size(response)
        except TimeoutError:
            raise _Retryable(
                f"no complete answer within {self.settings.total_timeout:g}s"
            ) from None
        except httpx.TimeoutException as error:
            raise _Retryable(f"timed out ({type(error).__name__})") from None
        except httpx.TransportError as error:
            raise _Retryable(f"connection failed: {str(error) or type(error).__name__}") from None
        return response, body

    async def _read_capped(self, url: str, response: httpx.Response) -> bytes:
        cap = self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(
                f"{url}: response of {int(declared):,} bytes exceeds the {cap:,} byte cap"
            )
        if response.is_stream_consumed:  # an answer built in memory (httpx.MockTransport)
            if len(response.content) > cap:
                raise FetchError(f"{url}: response exceeds the {cap:,} byte cap; rest not read")
            return response.content
        inflate = Inflater.for_encoding(url, response.headers.get("content-encoding", ""))
        chunks: list[bytes] = []
        size = 0
        async for raw in response.aiter_raw():
            chunk = inflate(raw, cap + 1 - size) if inflate else raw
            size += len(chunk)
            if size > cap:
                raise FetchError(f"{url}: response exceeds the {cap:,} byte cap; rest not read")
            chunks.append(chunk)
        return b"".join(chunks)

    def _page(self, url: str, response: httpx.Response, body: bytes, *, robots: bool) -> Page:
        status = response.status_code
        etag = response.headers.get("etag")
        last_modified = response.headers.get("last-modified")
        if status == 304:
            return Page(url, 304, etag=etag, last_modified=last_modified)
        evidence = self._challenge(response, body)
        if evidence:
            raise BlockedByBotProtection(f"{url}: blocked by bot protection ({evidence})", evidence)
        if status == 429 or status >= 500:
            raise _Retryable(f"HTTP {status}", _retry_after(response, self.clock()))
        if robots and status >= 400:
            raise _HttpStatus(status)
        if status in (404, 410):
            return Page(url, status)
        if status != 200:
            raise FetchError(f"{url}: HTTP {status} {response.reason_phrase}".rstrip())
        text, encoding = decode_html(body, response.headers.get("content-type"))
        return Page(url, 200, text, etag, last_modified, encoding, body)

    def _challenge(self, response: httpx.Response, body: bytes) -> str | None:
        """What marks this answer as a bot-protection challenge, or None for an ordinary one."""
        status = response.status_code
        mitigated = response.headers.get("cf-mitigated", "")
        if "challenge" in mitigated.lower():
            return f"HTTP {status}, cf-mitigated: {mitigated}"
        if status not in (200, 403, 429, 503):
            return None
        head = body[:16384].decode("utf-8", "replace")
        if status == 200:
            match = _TITLE.search(head)
            head = match.group(1) if match else ""
        for marker in self.settings.challenge_markers:
            if marker and marker.lower() in head.lower():
                return f"HTTP {status}, a challenge page ({marker!r})"
        return None


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


class _HttpStatus(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _head_size(response: httpx.Response) -> int:
    """Bytes of the status line and headers, as sent (httpx counts only the body)."""
    return (
        17 + len(response.reason_phrase) + sum(len(k) + len(v) + 4 for k, v in response.headers.raw)
    )


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


DEFAULT_PORTS = (80, 443)


def _origin(url: str) -> tuple[str, int]:
    """(host, port) of `url`, the scheme's default port when none is written (-1: unreadable)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # a port out of range or not a number
        return _host(url), -1
    return _host(url), port if port is not None else (443 if parts.scheme == "https" else 80)


def _where(url: str) -> str:
    """The host, with the port when one is written (what the refusal names)."""
    host, port = _origin(url)
    written = urlsplit(url).netloc.rpartition("@")[2]
    return f"{host}:{port}" if written.rsplit("]", 1)[-1].count(":") else host


def _retry_after(response: httpx.Response, now: dt.datetime) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return max((moment - now).total_seconds(), 0.0)


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Text of an HTML page: declared charset (header, then <meta>), then UTF-8, then cp874.

    A declared charset that does not decode the bytes is ignored (sites mislabel TIS-620 pages
    as UTF-8); cp874 is the Windows superset of TIS-620 that Thai pages use. Bytes that fit
    nothing decode as UTF-8 with replacement characters, and the parser reports the page.
    """
    candidates: list[str] = []
    header = _HEADER_CHARSET.search(content_type or "")
    if header:
        candidates.append(header.group(1))
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "replace"))
    candidates += ["utf-8", "cp874"]
    for name in candidates:
        try:
            return body.decode(name), name.lower()
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace"), "utf-8"
