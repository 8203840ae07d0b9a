"""The fetcher's logic (retries, backoff, Retry-After, validators, robots, pacing, charsets)
with httpx.MockTransport; the real-server boundary is in test_fetch_site.py."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from watcher.core.config import FetchSettings
from watcher.core.errors import FetchError
from watcher.fetch.addresses import forbidden_reason
from watcher.fetch.client import Fetcher, FetchScope, decode_html
from watcher.fetch.pacing import HostPacer

NOW = dt.datetime(2026, 11, 19, 3, 0, tzinfo=dt.UTC)
URL = "https://site.test/news/contents/details/5"
PAGE = "<html><head><title>t</title></head><body>ข่าว</body></html>"

Handler = Callable[[httpx.Request], httpx.Response]


async def _public(host: str) -> frozenset[str]:
    return frozenset({"203.0.113.7"} if host == "site.test" else {"198.51.100.9"})


class Harness:
    """A Fetcher on a MockTransport; records requests and the delays it slept."""

    def __init__(self, handler: Handler, **overrides: Any) -> None:
        defaults: dict[str, Any] = {"retries": 3, "backoff_seconds": 1.0, "respect_robots": False}
        self.settings = FetchSettings(**(defaults | overrides))
        self.requests: list[httpx.Request] = []
        self.slept: list[float] = []

        def record(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return handler(request)

        self.handler = record

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def get(self, url: str = URL, **kwargs: Any) -> Any:
        async def go() -> Any:
            transport = httpx.MockTransport(self.handler)
            async with httpx.AsyncClient(
                transport=transport, headers={"User-Agent": self.settings.user_agent}
            ) as client:
                fetcher = Fetcher(
                    client, self.settings, clock=lambda: NOW, sleep=self.sleep,
                    rng=random.Random(1), resolve=_public,
                    pacer=HostPacer(0.0, sleep=self.sleep),
                )  # fmt: skip
                scope = await fetcher.scope_for(URL)
                return await fetcher.get(url, scope, **kwargs), scope

        return asyncio.run(go())


def answers(*responses: httpx.Response) -> Handler:
    queue = list(responses)
    return lambda request: queue.pop(0) if len(queue) > 1 else queue[0]


def test_5xx_then_success_is_retried_with_growing_jittered_backoff() -> None:
    harness = Harness(
        answers(httpx.Response(500), httpx.Response(502), httpx.Response(200, text=PAGE))
    )
    page, scope = harness.get()
    assert page.status == 200 and "ข่าว" in page.text
    assert len(harness.requests) == 3 and scope.stats.retries == 2
    first, second = harness.slept
    assert 0.5 <= first <= 1.5 and 1.0 <= second <= 3.0
    assert first != 1.0 and second != 2.0  # jittered, not the bare schedule


def test_retries_exhausted_is_one_fetch_error_naming_status_and_attempts() -> None:
    harness = Harness(answers(httpx.Response(500)), retries=2)
    with pytest.raises(FetchError, match=r"HTTP 500 \(after 3 attempts\)"):
        harness.get()
    assert len(harness.requests) == 3


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds_is_honoured(status: int) -> None:
    harness = Harness(answers(httpx.Response(status, headers={"Retry-After": "7"}),
                              httpx.Response(200, text=PAGE)))  # fmt: skip
    page, _scope = harness.get()
    assert page.status == 200
    assert harness.slept == [pytest.approx(7.0, abs=0.1)]


def test_retry_after_http_date_is_relative_to_the_clock_and_capped() -> None:
    later = (NOW + dt.timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    harness = Harness(
        answers(
            httpx.Response(429, headers={"Retry-After": later}), httpx.Response(200, text=PAGE)
        ),
        max_backoff_seconds=20.0,
    )
    harness.get()
    assert harness.slept == [pytest.approx(20.0, abs=0.1)]


def test_timeouts_and_connection_errors_are_retried() -> None:
    calls = iter([httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), None])

    def handler(request: httpx.Request) -> httpx.Response:
        error = next(calls)
        if error is not None:
            raise error
        return httpx.Response(200, text=PAGE)

    harness = Harness(handler)
    page, scope = harness.get()
    assert page.status == 200 and scope.stats.requests == 3


def test_other_4xx_fails_at_once_and_404_is_a_gone_page() -> None:
    with pytest.raises(FetchError, match="HTTP 403"):
        Harness(answers(httpx.Response(403))).get()
    page, _scope = Harness(answers(httpx.Response(404))).get()
    assert page.status == 404 and page.text == ""


def test_conditional_get_sends_validators_and_304_is_not_modified() -> None:
    harness = Harness(answers(httpx.Response(304, headers={"ETag": '"v1"'})))
    page, scope = harness.get(validators=('"v1"', "Tue, 25 Jul 2023 00:00:00 GMT"))
    sent = harness.requests[0].headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Tue, 25 Jul 2023 00:00:00 GMT"
    assert page.not_modified and scope.stats.not_modified == 1


def test_validators_of_the_answer_are_returned_and_user_agent_sent() -> None:
    headers = {"ETag": '"v2"', "Last-Modified": "Wed, 26 Jul 2023 00:00:00 GMT"}
    harness = Harness(answers(httpx.Response(200, text=PAGE, headers=headers)))
    page, _scope = harness.get()
    assert (page.etag, page.last_modified) == ('"v2"', headers["Last-Modified"])
    assert harness.requests[0].headers["User-Agent"].startswith("thaigov-watcher/")


def test_robots_disallow_is_honoured_and_cached() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(200, text="User-agent: thaigov-watcher\nDisallow: /private/\n")
        return httpx.Response(200, text=PAGE)

    harness = Harness(handler, respect_robots=True)
    harness.get()
    refused = r"refused by https://site\.test/robots\.txt: Disallow: /private/"
    with pytest.raises(FetchError, match=refused):
        harness.get("https://site.test/private/1")
    paths = [r.url.path for r in harness.requests]
    assert paths.count("/news/contents/details/5") == 1 and "/private/1" not in paths


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (503, False)])
def test_robots_missing_allows_and_unreachable_disallows(status: int, allowed: bool) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(status)
        return httpx.Response(200, text=PAGE)

    harness = Harness(handler, respect_robots=True, retries=0)
    if allowed:
        assert harness.get()[0].status == 200
    else:
        with pytest.raises(FetchError, match=r"robots\.txt"):
            harness.get()


def test_redirect_to_another_host_is_refused_before_any_request_there() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "https://elsewhere.test/x"})

    harness = Harness(handler)
    with pytest.raises(
        FetchError,
        match=r"redirect to https://elsewhere\.test/x: refused: elsewhere\.test is outside",
    ):
        harness.get()
    assert [r.url.host for r in harness.requests] == ["site.test"]


def test_redirect_within_the_source_is_followed_without_validators() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/5"):
            return httpx.Response(301, headers={"Location": "/news/contents/details/6"})
        return httpx.Response(200, text=PAGE)

    harness = Harness(handler)
    page, _scope = harness.get(validators=('"v"', None))
    assert page.url.endswith("/details/6")
    assert "If-None-Match" not in harness.requests[1].headers


def test_size_cap_declared_by_content_length_reads_nothing() -> None:
    harness = Harness(answers(httpx.Response(200, content=b"x" * 2000)), max_bytes=1000)
    with pytest.raises(FetchError, match="exceeds the 1,000 byte cap"):
        harness.get()


@pytest.mark.parametrize(
    ("address", "own", "reason"),
    [
        ("169.254.169.254", frozenset(), "link-local"),
        ("10.1.2.3", frozenset(), "private"),
        ("127.0.0.1", frozenset(), "loopback"),
        ("127.0.0.1", frozenset({"127.0.0.1"}), None),
        ("169.254.169.254", frozenset({"127.0.0.1"}), "link-local"),
        ("8.8.8.8", frozenset(), None),
    ],
)
def test_forbidden_addresses(address: str, own: frozenset[str], reason: str | None) -> None:
    result = forbidden_reason(address, own)
    assert (result is None) if reason is None else (reason in (result or ""))


def test_pacer_spaces_requests_to_one_host_and_honours_holds() -> None:
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = HostPacer(1.0, monotonic=lambda: now[0], sleep=sleep)

    async def go() -> None:
        await pacer.wait("a")
        await pacer.wait("b")  # another host: no wait
        await pacer.wait("a")
        pacer.hold("a", 5.0)
        await pacer.wait("a")

    asyncio.run(go())
    assert slept == [1.0, 5.0]


TEXT = "<html><head>{meta}</head><body>ข่าวไทย</body></html>"


@pytest.mark.parametrize(
    ("content_type", "encoding", "meta", "expected"),
    [
        ("text/html; charset=utf-8", "utf-8", "", "utf-8"),
        ("text/html; charset=TIS-620", "tis-620", "", "tis-620"),
        ("text/html", "tis-620", '<meta charset="tis-620">', "tis-620"),
        ("text/html", "cp874", "", "cp874"),
        ("text/html; charset=utf-8", "tis-620", "", "cp874"),  # mislabelled
        ("text/html; charset=nonsense", "utf-8", "", "utf-8"),
    ],
)
def test_decode_html(content_type: str, encoding: str, meta: str, expected: str) -> None:
    body = TEXT.format(meta=meta).encode(encoding)
    text, used = decode_html(body, content_type)
    assert "ข่าวไทย" in text and used == expected


def test_decode_html_of_random_bytes_does_not_fail() -> None:
    text, used = decode_html(random.Random(3).randbytes(2000), "text/html")
    assert used == "utf-8" and "\ufffd" in text


def test_scope_holds_the_configured_extra_hosts() -> None:
    async def go() -> FetchScope:
        async with httpx.AsyncClient() as client:
            settings = dataclasses.replace(FetchSettings(), allowed_hosts=["cdn.site.test"])
            return await Fetcher(client, settings, resolve=_public).scope_for(URL)

    scope = asyncio.run(go())
    assert scope.hosts == {"site.test", "cdn.site.test"}
    assert scope.own_addresses == {"203.0.113.7"}
