"""The fetcher and page parser against the hostile HTTP server on 127.0.0.1 (tests/hostile.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import zlib
from typing import Any

import pytest

from tests.hostile import compressed_zeros
from tests.site import LocalSite, local_site
from watcher.core.config import FetchSettings, SelectorSettings
from watcher.core.corpus import Item
from watcher.core.errors import FetchError, ParseError
from watcher.demo.site import render_item_page
from watcher.fetch.client import Fetcher, FetchScope, Page, make_client
from watcher.sources.thaigov_page import parse_item_page

__all__ = ["FAST", "fetch_pages", "local_site"]

FAST = FetchSettings(
    per_host_interval=0.0, backoff_seconds=0.01, max_backoff_seconds=0.05, retries=2,
    read_timeout=0.3, connect_timeout=1.0, total_timeout=3.0,
)  # fmt: skip
ITEM = Item(
    title="นายกรัฐมนตรีหารือกับเอกอัครราชทูตญี่ปุ่น",
    body="นายกรัฐมนตรีให้การต้อนรับเอกอัครราชทูตญี่ปุ่นประจำประเทศไทย\nทั้งสองฝ่ายหารือความร่วมมือ",
    category="ด้านต่างประเทศ",
    published="2023-07-25",
)


def fetch_pages(
    site: LocalSite, paths: list[str], settings: FetchSettings = FAST, **kwargs: Any
) -> tuple[list[Page | Exception], FetchScope]:
    """GET each path in turn on one fetcher; a FetchError is returned in its place."""

    async def go() -> tuple[list[Page | Exception], FetchScope]:
        async with make_client(settings) as client:
            fetcher = Fetcher(client, settings)
            scope = await fetcher.scope_for(site.base_url)
            results: list[Page | Exception] = []
            for path in paths:
                try:
                    results.append(await fetcher.get(site.base_url + path, scope, **kwargs))
                except FetchError as error:
                    results.append(error)
            return results, scope

    return asyncio.run(go())


def one(site: LocalSite, path: str, settings: FetchSettings = FAST) -> Page | Exception:
    return fetch_pages(site, [path], settings)[0][0]


PATH = "/news/contents/details/7"


@pytest.fixture
def site(local_site: LocalSite) -> LocalSite:
    local_site.publish(7, ITEM)
    return local_site


def test_item_page_is_fetched_and_parsed(site: LocalSite) -> None:
    page = one(site, PATH)
    assert isinstance(page, Page)
    item = parse_item_page(page.text, page.url, SelectorSettings())
    assert item is not None and item.hash == ITEM.hash
    assert (item.category, item.published, item.source_id) == (ITEM.category, "2023-07-25", 7)
    assert site.log[-1].headers["user-agent"].startswith("thaigov-watcher/")


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retried_then_the_page_is_read(site: LocalSite, status: int) -> None:
    site.fail(PATH, status, times=2)
    page = one(site, PATH)
    assert isinstance(page, Page) and page.status == 200
    assert site.count(PATH) == 3


def test_persistent_500_is_one_fetch_error_after_the_retries(site: LocalSite) -> None:
    site.fail(PATH, 500)
    error = one(site, PATH)
    assert isinstance(error, FetchError) and "HTTP 500 (after 3 attempts)" in str(error)
    assert site.count(PATH) == 3


def test_429_with_retry_after_waits_then_reads(site: LocalSite) -> None:
    site.fail(PATH, 429, headers={"Retry-After": "0"}, times=1)
    settings = dataclasses.replace(FAST, backoff_seconds=30.0)  # Retry-After, not backoff, rules
    assert isinstance(one(site, PATH, settings), Page)
    assert site.count(PATH) == 2


@pytest.mark.parametrize("before_headers", [False, True])
def test_a_stalled_server_times_out(site: LocalSite, before_headers: bool) -> None:
    site.stall(PATH, before_headers=before_headers)
    error = one(site, PATH, dataclasses.replace(FAST, retries=0))
    assert isinstance(error, FetchError) and "timed out" in str(error)


@pytest.mark.parametrize("declare_length", [False, True])
def test_a_20_mb_body_is_cut_at_the_cap(site: LocalSite, declare_length: bool) -> None:
    site.huge(PATH, 20_000_000, declare_length=declare_length)
    settings = dataclasses.replace(FAST, max_bytes=1_000_000)
    (result,), scope = fetch_pages(site, [PATH], settings)
    assert isinstance(result, FetchError) and "1,000,000 byte cap" in str(result)
    assert scope.stats.bytes < 1_200_000


@pytest.mark.parametrize("declare", ["header", "meta", "none", "wrong"])
def test_a_tis620_page_is_decoded(site: LocalSite, declare: str) -> None:
    site.encode(PATH, "tis-620", declare=declare)
    page = one(site, PATH)
    assert isinstance(page, Page)
    item = parse_item_page(page.text, page.url, SelectorSettings())
    assert item is not None and item.hash == ITEM.hash


def test_truncated_html_is_a_parse_error_not_a_partial_item(site: LocalSite) -> None:
    site.truncate(PATH, keep=0.8)
    page = one(site, PATH)
    assert isinstance(page, Page)
    with pytest.raises(ParseError, match="cut short"):
        parse_item_page(page.text, page.url, SelectorSettings())


def test_random_bytes_are_a_parse_error(site: LocalSite) -> None:
    site.garbage(PATH, size=3000)
    page = one(site, PATH)
    assert isinstance(page, Page)
    settings = dataclasses.replace(SelectorSettings(), page_end="")
    with pytest.raises(ParseError, match="matched nothing"):
        parse_item_page(page.text, page.url, settings)


def test_a_redirect_loop_ends_in_a_fetch_error(site: LocalSite) -> None:
    site.redirect(PATH, "/news/contents/details/8")
    site.redirect("/news/contents/details/8", PATH)
    error = one(site, PATH)
    assert isinstance(error, FetchError) and "redirect loop" in str(error)
    assert site.count(PATH) + site.count("/news/contents/details/8") == 6


@pytest.mark.parametrize("allowed", [[], ["169.254.169.254"]])
def test_a_redirect_to_the_metadata_address_is_refused(site: LocalSite, allowed: list[str]) -> None:
    site.redirect(PATH, "http://169.254.169.254/latest/meta-data/")
    settings = dataclasses.replace(FAST, allowed_hosts=allowed)
    error = one(site, PATH, settings)
    assert isinstance(error, FetchError) and "refused" in str(error)
    assert "link-local" in str(error) if allowed else "outside the source's hosts" in str(error)


def test_the_empty_item_page_parses_as_no_item(site: LocalSite) -> None:
    page = one(site, "/news/contents/details/9999")
    assert isinstance(page, Page) and page.status == 200
    assert parse_item_page(page.text, page.url, SelectorSettings()) is None


def test_unchanged_page_is_a_304_with_no_body(site: LocalSite) -> None:
    first = one(site, PATH)
    assert isinstance(first, Page) and first.etag
    settings = dataclasses.replace(FAST, respect_robots=False)
    (second,), scope = fetch_pages(site, [PATH], settings, validators=(first.etag, None))
    assert isinstance(second, Page) and second.not_modified and scope.stats.bytes < 400


def test_robots_txt_is_fetched_once_and_honoured(site: LocalSite) -> None:
    site.robots_txt = "User-agent: *\nDisallow: /news/contents/details/8\n"
    results, _scope = fetch_pages(site, [PATH, "/news/contents/details/8", PATH])
    assert isinstance(results[0], Page) and isinstance(results[2], Page)
    assert isinstance(results[1], FetchError) and "robots.txt" in str(results[1])
    assert site.count("/robots.txt") == 1 and site.count("/news/contents/details/8") == 0


def test_a_slow_drip_ends_at_the_total_budget(site: LocalSite) -> None:
    site.drip(PATH, every=0.05)  # each gap far under read_timeout: only the budget ends it
    settings = dataclasses.replace(FAST, retries=0, total_timeout=0.5)
    error = one(site, PATH, settings)
    assert isinstance(error, FetchError)
    assert str(error).endswith("no complete answer within 0.5s (after 1 attempts)")


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compression_bomb_is_cut_at_the_cap_before_it_expands(
    site: LocalSite, encoding: str
) -> None:
    site.bomb(PATH, encoding, size=200_000_000)
    settings = dataclasses.replace(FAST, max_bytes=1_000_000)
    (result,), scope = fetch_pages(site, [PATH], settings)
    assert isinstance(result, FetchError) and "1,000,000 byte cap; rest not read" in str(result)
    assert scope.stats.bytes < len(compressed_zeros(encoding, 200_000_000))  # never all read


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
def test_a_compressed_page_is_decoded(site: LocalSite, encoding: str) -> None:
    html = render_item_page(ITEM).encode()
    if encoding == "gzip":
        body = gzip.compress(html)
    else:
        packer = zlib.compressobj(6, zlib.DEFLATED, 15 if encoding == "deflate" else -15)
        body = packer.compress(html) + packer.flush()
    header = "gzip" if encoding == "gzip" else "deflate"
    site.serve(PATH, body, headers={"Content-Encoding": header})
    page = one(site, PATH)
    assert isinstance(page, Page)
    item = parse_item_page(page.text, page.url, SelectorSettings())
    assert item is not None and item.hash == ITEM.hash
    assert site.log[-1].headers["accept-encoding"] == "gzip, deflate"


def test_an_unknown_or_corrupt_encoding_is_one_fetch_error(site: LocalSite) -> None:
    site.serve(PATH, b"\x00" * 100, headers={"Content-Encoding": "br"}, times=1)
    site.serve(PATH, b"\x1f\x8b not gzip at all", headers={"Content-Encoding": "gzip"}, times=1)
    site.serve(PATH, b"\xff" * 64, headers={"Content-Encoding": "deflate"}, times=1)
    unknown, corrupt, neither = fetch_pages(site, [PATH, PATH, PATH])[0]
    assert isinstance(unknown, FetchError) and "unsupported Content-Encoding 'br'" in str(unknown)
    for error in (corrupt, neither):  # neither zlib nor raw deflate
        assert isinstance(error, FetchError) and "the compressed body is corrupt" in str(error)


@pytest.mark.parametrize("after_headers", [False, True])
def test_a_connection_reset_is_retried_then_named(site: LocalSite, after_headers: bool) -> None:
    site.reset(PATH, after_headers=after_headers, times=2)
    assert isinstance(one(site, PATH), Page)  # the third attempt gets the page
    site.reset(PATH, after_headers=after_headers)
    error = one(site, PATH)
    assert isinstance(error, FetchError)
    assert "connection failed: ReadError (after 3 attempts)" in str(error)
