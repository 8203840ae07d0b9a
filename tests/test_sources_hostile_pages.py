"""Listings that repeat links, links that must not be followed, pages built to freeze a parser
(tests/hostile.py builds them; its FAULTS, nesting included, run per page in tests/test_poll.py)."""

from __future__ import annotations

import time

import pytest

from tests.hostile import nested_page, tag_flood_page, with_bad_links
from tests.site import LocalSite, local_site
from tests.test_sources import cycles, listing_config, news_item
from watcher.core.config import SelectorSettings
from watcher.core.errors import ParseError
from watcher.demo.site import ITEM_PATH, LISTING_PATH, render_item_page, render_listing
from watcher.sources.pages import check_page_shape, parse_page
from watcher.store import Store

__all__ = ["local_site"]


def serve_listing(site: LocalSite, ids: list[int], *, sidebar: list[int], size: int = 10) -> None:
    """Listing pages newest first, each with a "latest news" box linking `sidebar` ids."""
    newest = sorted(ids, reverse=True)
    pages = [newest[i : i + size] for i in range(0, len(newest), size)]
    box = "".join(f'<li><a href="{ITEM_PATH.format(id=i)}">ล่าสุด {i}</a></li>' for i in sidebar)
    for number, chunk in enumerate(pages, start=1):
        more = f"{LISTING_PATH}?page={number + 1}" if number < len(pages) else None
        html = render_listing([(ITEM_PATH.format(id=i), f"ข่าว {i}") for i in chunk], next_url=more)
        html = html.replace("<body>", f'<body><ul class="latest">{box}</ul>')
        path = LISTING_PATH + (f"?page={number}" if number > 1 else "")
        site.serve(path, html)
        if number == 1:
            site.serve(f"{LISTING_PATH}?page=1", html)


def test_a_box_of_links_repeated_on_every_page_never_stops_the_walk(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(n) for n in range(5)], start_id=200)
    serve_listing(local_site, list(range(200, 205)), sidebar=[204, 203])
    cycles(store, [listing_config(local_site)])  # the baseline: 200–204

    local_site.clear_faults()
    local_site.add_items([news_item(n) for n in range(5, 30)], start_id=205)
    serve_listing(local_site, list(range(200, 230)), sidebar=[229, 228, 227])
    [[burst]] = cycles(store, [listing_config(local_site)])
    assert [i.source_id for i in burst.items] == list(range(205, 230))  # pages 1–3, all of them


def test_list_selector_keeps_an_old_item_in_a_sidebar_from_ending_the_walk(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(n) for n in range(5)], start_id=200)
    serve_listing(local_site, list(range(200, 205)), sidebar=[])
    source = listing_config(local_site, list_selector="div.news-2")
    cycles(store, [source])
    local_site.clear_faults()
    local_site.add_items([news_item(n) for n in range(5, 30)], start_id=205)
    serve_listing(local_site, list(range(200, 230)), sidebar=[201])  # a "popular" old item
    [[burst]] = cycles(store, [source])
    assert [i.source_id for i in burst.items] == list(range(205, 230))


def test_an_old_item_in_a_sidebar_on_every_page_never_ends_the_walk_without_list_selector(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(n) for n in range(10)], start_id=200)
    serve_listing(local_site, list(range(200, 210)), sidebar=[])
    cycles(store, [listing_config(local_site)])  # the baseline: 200–209
    local_site.clear_faults()
    local_site.add_items([news_item(n) for n in range(10, 25)], start_id=210)
    serve_listing(local_site, list(range(200, 225)), sidebar=[201, 203])  # old, "popular"
    [[burst]] = cycles(store, [listing_config(local_site)])
    assert [i.source_id for i in burst.items] == list(range(210, 225))  # pages 1 and 2


def test_links_that_are_not_http_or_lead_elsewhere_never_block_the_items_after_them(
    local_site: LocalSite, store: Store
) -> None:
    source = listing_config(local_site, link_pattern=r"/details/\d+$")
    local_site.add_items([news_item(n) for n in range(2)], start_id=200)
    cycles(store, [source])  # the baseline
    local_site.add_items([news_item(n) for n in range(2, 4)], start_id=202)
    links = [(ITEM_PATH.format(id=i), "x") for i in (203, 202, 201, 200)]
    local_site.serve(LISTING_PATH, with_bad_links(render_listing(links)))
    [first, *later] = [r[0] for r in cycles(store, [source], 4)]
    assert [i.source_id for i in first.items] == [202, 203] and first.error is None
    assert all(not r.items for r in later)
    [skip] = store.source_skips("listing")
    assert skip.key.startswith("http://other.invalid/") and skip.given_up
    assert "outside the source's hosts" in skip.reason


def test_a_page_of_100000_nested_divs_is_refused_at_once() -> None:
    html = nested_page(100_000)
    started = time.monotonic()
    with pytest.raises(ParseError, match="nested over"):
        parse_page(html, "https://x/1", "thaigov", SelectorSettings())
    assert time.monotonic() - started < 60  # a guard, not a benchmark: minutes before it


def test_a_page_of_too_many_tags_is_refused() -> None:
    with pytest.raises(ParseError, match="more than"):
        check_page_shape(tag_flood_page(60_000), "https://x/1")


def test_an_ordinary_page_passes_the_guards() -> None:
    check_page_shape(render_item_page(news_item(1)), "https://x/1")


def test_a_listing_page_built_to_freeze_a_parser_is_refused_in_one_line(
    local_site: LocalSite, store: Store
) -> None:
    local_site.serve(LISTING_PATH, nested_page(100_000))
    [[report]] = cycles(store, [listing_config(local_site)])
    assert report.state == "failing" and "nested over" in (report.error or "")
