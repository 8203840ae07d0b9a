"""Source kinds against the local site: the sequence probing rule and the listing walk."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from typing import Any

from tests.site import LocalSite, local_site
from watcher.core.config import Config, FetchSettings, SourceConfig
from watcher.core.corpus import Item
from watcher.sources import REGISTRY
from watcher.sources.cycle import CycleReport, ItemReport, open_poller
from watcher.sources.sequence import RECHECK_LIMIT
from watcher.sources.settings import source_from_table
from watcher.store import ItemFilter, Store

__all__ = ["FAST", "cycles", "local_site", "news_item", "sequence_config"]

FAST = FetchSettings(
    per_host_interval=0.0, backoff_seconds=0.01, max_backoff_seconds=0.05, retries=1,
    read_timeout=0.3, connect_timeout=1.0, total_timeout=3.0,
)  # fmt: skip


def news_item(n: int, country: str = "ญี่ปุ่น") -> Item:
    return Item(
        title=f"ข่าวที่ {n}: นายกรัฐมนตรีหารือกับ{country}",
        body=f"รายละเอียดข่าวที่ {n} เรื่องความร่วมมือกับ{country}\nย่อหน้าที่สองของข่าว {n}",
        category="ด้านเศรษฐกิจ",
        published="2023-07-25",
    )


def sequence_config(site: LocalSite, **overrides: Any) -> SourceConfig:
    values: dict[str, Any] = {
        "name": "news", "kind": "sequence", "url": site.item_url_template, "start_id": 100,
        "max_gap": 6, "probe_width": 3, "deep_probe_every": 3,
    }  # fmt: skip
    return source_from_table(values | overrides)


def cycles(
    store: Store, sources: Sequence[SourceConfig], count: int = 1, *,
    config: Config | None = None, classifier: Any = None, between: Any = None,
) -> list[list[CycleReport]]:  # fmt: skip
    """Run `count` poll cycles over `sources` on one poller; `between(i)` runs before cycle i."""
    config = dataclasses.replace(config or Config(fetch=FAST), sources=tuple(sources))

    async def go() -> list[list[CycleReport]]:
        rounds = []
        async with open_poller(config, store, classifier) as poller:
            for index in range(count):
                if between is not None:
                    between(index)
                rounds.append(await poller.cycle_all())
        return rounds

    return asyncio.run(go())


def item_urls(report: CycleReport) -> list[int | None]:
    return [item.source_id for item in report.items]


def test_every_kind_declares_its_keys_and_config_checks_them() -> None:
    assert set(REGISTRY) == {"sequence", "listing", "feed"}
    for kind, cls in REGISTRY.items():
        fields = {f.name for f in dataclasses.fields(cls.Options)}
        assert "baseline_items" in fields, kind
        source = source_from_table(
            {"name": "s", "kind": kind, "url": "https://x.org/{id}", "link_pattern": "x"}
            if kind == "listing" else {"name": "s", "kind": kind, "url": "https://x.org/{id}"}
        )  # fmt: skip
        assert isinstance(source.options, cls.Options)


# -- sequence -------------------------------------------------------------------------------


def test_first_cycle_reads_every_item_across_gaps_and_stores_no_empty_page(
    local_site: LocalSite, store: Store
) -> None:
    ids = [100, 101, 103, 106, 107]  # gaps of one and two ids
    for source_id in ids:
        local_site.publish(source_id, news_item(source_id))
    [[report]] = cycles(store, [sequence_config(local_site)])
    assert report.error is None and item_urls(report) == ids
    assert report.counts == {"new": 5} and report.last_id == 107
    assert len(store.list_items(ItemFilter())) == 5
    assert set(store.empty_ids("news", above=0)) >= {102, 104, 105, *range(108, 114)}
    assert all(item.history for item in report.items) and report.baseline


def test_idle_cycle_costs_probe_width_conditional_requests(
    local_site: LocalSite, store: Store
) -> None:
    local_site.publish(100, news_item(100))
    rounds = cycles(store, [sequence_config(local_site)], 2)
    before = len(local_site.log)
    idle = rounds[1][0]
    assert idle.fetch.requests == 3 and idle.fetch.not_modified == 3
    probes = list(local_site.log)[before - 3 :]
    assert [p.path for p in probes] == [f"/news/contents/details/{i}" for i in (101, 102, 103)]
    assert all("if-none-match" in p.headers for p in probes)


def test_an_item_after_a_two_id_gap_is_found_in_an_ordinary_cycle(
    local_site: LocalSite, store: Store
) -> None:
    local_site.publish(100, news_item(100))

    def publish(index: int) -> None:
        if index == 1:
            local_site.publish(103, news_item(103))

    rounds = cycles(store, [sequence_config(local_site)], 2, between=publish)
    assert item_urls(rounds[1][0]) == [103]


def test_an_item_after_a_wide_gap_is_found_by_the_next_deep_cycle(
    local_site: LocalSite, store: Store
) -> None:
    local_site.publish(100, news_item(100))

    def publish(index: int) -> None:
        if index == 1:
            local_site.publish(105, news_item(105))

    rounds = cycles(store, [sequence_config(local_site)], 4, between=publish)
    found = [item_urls(r[0]) for r in rounds]
    assert found == [[100], [], [], [105]]  # cycles 0 and 3 are deep (deep_probe_every=3)


def test_an_id_published_late_behind_the_frontier_is_picked_up(
    local_site: LocalSite, store: Store
) -> None:
    local_site.publish(100, news_item(100))
    local_site.publish(102, news_item(102))

    def publish(index: int) -> None:
        if index == 2:
            local_site.publish(101, news_item(101))

    rounds = cycles(store, [sequence_config(local_site)], 4, between=publish)
    assert [item_urls(r[0]) for r in rounds] == [[100, 102], [], [], [101]]


def test_gaps_behind_the_frontier_are_rechecked_a_limited_number_of_times(
    local_site: LocalSite, store: Store
) -> None:
    local_site.publish(100, news_item(100))
    local_site.publish(102, news_item(102))
    cycles(store, [sequence_config(local_site, deep_probe_every=1)], 6)
    assert local_site.count("/news/contents/details/101") == RECHECK_LIMIT


# -- listing --------------------------------------------------------------------------------


def listing_config(site: LocalSite, **overrides: Any) -> SourceConfig:
    values: dict[str, Any] = {
        "name": "listing", "kind": "listing", "url": site.listing_url(),
        "link_pattern": r"/news/contents/details/\d+$", "max_pages": 5,
    }  # fmt: skip
    return source_from_table(values | overrides)


def test_listing_follows_pages_and_reads_new_items_oldest_first(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(n) for n in range(25)], start_id=200)
    [[report]] = cycles(store, [listing_config(local_site, baseline_items=30)])
    assert report.error is None
    assert item_urls(report) == list(range(200, 225))
    assert local_site.count("/news/contents/listing") == 3


def test_a_listings_first_cycle_keeps_the_newest_baseline_items_and_never_reads_the_rest(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(n) for n in range(25)], start_id=200)
    rounds = cycles(store, [listing_config(local_site)], 2)
    assert item_urls(rounds[0][0]) == list(range(205, 225))
    assert all(item.history for item in rounds[0][0].items)
    assert rounds[1][0].items == ()
    assert local_site.count("/news/contents/details/204") == 0


def test_unchanged_listing_costs_one_conditional_request(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(n) for n in range(5)], start_id=200)
    rounds = cycles(store, [listing_config(local_site)], 2)
    idle = rounds[1][0]
    assert idle.fetch.requests == 1 and idle.fetch.not_modified == 1 and not idle.items


def test_listing_stops_at_the_first_page_holding_a_seen_item(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(n) for n in range(25)], start_id=200)

    def publish(index: int) -> None:
        if index == 1:
            local_site.add_items([news_item(n) for n in (25, 26)], start_id=225)

    rounds = cycles(store, [listing_config(local_site)], 2, between=publish)
    second = rounds[1][0]
    assert item_urls(second) == [225, 226]
    # page 1, page 2 (are page 1's known links a box repeated on every page? no) and the items
    assert second.fetch.requests == 4


def test_listing_with_page_placeholder(local_site: LocalSite, store: Store) -> None:
    local_site.add_items([news_item(n) for n in range(15)], start_id=200)
    config = listing_config(local_site, url=local_site.listing_url() + "?page={page}")
    [[report]] = cycles(store, [config])
    assert len(report.items) == 15


def test_listing_without_matching_links_is_a_health_problem(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(n) for n in range(3)], start_id=200)
    config = listing_config(local_site, link_pattern=r"/news/contents/ministry_details/\d+")
    [[report]] = cycles(store, [config])
    assert report.error is not None and "no link matching" in report.error
    assert store.source_state("listing").consecutive_failures == 1


def test_listing_links_to_empty_pages_store_nothing(local_site: LocalSite, store: Store) -> None:
    local_site.add_items([news_item(n) for n in range(3)], start_id=200)
    local_site.publish(203, Item(title="", body=""))  # listed, but the page is the empty one
    [[report]] = cycles(store, [listing_config(local_site)])
    assert report.counts == {"new": 3} and report.empty == 1
    assert not any(isinstance(i, ItemReport) and i.title == "" for i in report.items)
