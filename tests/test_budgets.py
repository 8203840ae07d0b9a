"""Discovery and every cycle end at their [limits] budgets and say so; a redirect to another
path is never an item (issue 27, item 2). The sites answer every id: a catch-all page, a
soft 404 with the id in it, a login redirect."""

from __future__ import annotations

import dataclasses
import datetime as dt

from tests.site import LocalSite, local_site
from tests.test_sources import FAST, cycles, news_item, sequence_config
from watcher.core.config import Config, LimitSettings, source_from_table
from watcher.daemon.health import check_health, state_line
from watcher.demo.site import ITEM_PATH
from watcher.store import Store

__all__ = ["local_site"]


def answers_every_id(site: LocalSite) -> None:
    site.item_for = news_item  # a page with an item, its id in it, at any id


def test_discovery_on_a_site_that_answers_every_id_ends_and_says_no_frontier(
    local_site: LocalSite, store: Store
) -> None:
    answers_every_id(local_site)
    source = source_from_table(
        {"name": "news", "kind": "sequence", "url": local_site.item_url_template}
    )  # no start_id: the frontier is discovered
    config = Config(fetch=FAST, limits=LimitSettings(discovery_requests=60, id_range=10**6))
    [[report]] = cycles(store, [source], config=config)
    assert report.error is not None and "the site answers every id: no frontier" in report.error
    assert report.fetch.requests <= 61 + 1 and store.count_items() == 0  # + robots.txt
    state = store.source_state("news")
    assert "no frontier" in state_line(state)
    config = dataclasses.replace(config, sources=(source,))
    [source_check] = [c for c in check_health(store, config, dt.datetime.now(dt.UTC))
                      if c.name == "source news"]  # fmt: skip
    assert not source_check.ok and "no frontier" in source_check.detail


def test_the_gallop_stops_at_the_id_range_before_ids_grow_without_end(
    local_site: LocalSite, store: Store
) -> None:
    answers_every_id(local_site)
    source = source_from_table(
        {"name": "news", "kind": "sequence", "url": local_site.item_url_template}
    )
    config = Config(fetch=FAST, limits=LimitSettings(id_range=100_000))
    [[report]] = cycles(store, [source], config=config)
    assert report.error is not None and "id_range 100,000" in report.error
    asked = [int(p.rsplit("/", 1)[1]) for p in local_site.requests if "/details/" in p]
    assert max(asked) <= 1 + 100_000 and len(asked) < 40


def test_every_cycle_ends_at_its_budget_of_items_then_of_requests_and_says_so(
    local_site: LocalSite, store: Store
) -> None:
    answers_every_id(local_site)
    source = sequence_config(local_site)  # start_id 100; the first cycle a baseline
    limits = LimitSettings(cycle_new_items=5, cycle_requests=30, discovery_requests=20,
                           id_range=1000)  # fmt: skip
    config = Config(fetch=FAST, watcher=dataclasses.replace(Config().watcher,
                    baseline_first_cycle=False), limits=limits)  # fmt: skip
    store.record_cycle("news", at=dt.datetime.now(dt.UTC), error=None, last_id=99, new_items=0)
    [first], [second] = cycles(store, [source], 2, config=config)
    for report in (first, second):
        assert report.error is None and len(report.items) == 5
        assert "cycle ended at its budget (5 items" in (report.detail or "")
    assert [i.source_id for i in second.items] == list(range(105, 110))  # goes on from there
    assert "cycle ended at its budget" in state_line(store.source_state("news"))

    duplicates = dataclasses.replace(limits, cycle_new_items=1000)
    local_site.item_for = lambda source_id: news_item(1)  # one catch-all page: duplicates
    [[third]] = cycles(store, [source], config=dataclasses.replace(config, limits=duplicates))
    assert third.error is None and third.fetch.requests <= 30
    assert "30 requests, the [limits] cycle_requests budget" in (third.detail or "")


def test_ids_redirected_to_a_login_page_are_never_stored(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(n) for n in range(2)], start_id=100)
    login = "/news/contents/details/1"  # a page that parses as an item: the login page
    local_site.publish(1, news_item(999))
    for source_id in range(102, 112):
        local_site.redirect(ITEM_PATH.format(id=source_id), login)
    store.record_cycle("news", at=dt.datetime.now(dt.UTC), last_id=99)  # an ordinary walk
    [[report]] = cycles(store, [sequence_config(local_site)])
    assert store.count_items() == 2 and [i.source_id for i in report.items] == [100, 101]
    assert report.error is not None and "redirected to" in report.error
    skips = store.source_skips("news")
    assert skips and all("another page" in skip.reason for skip in skips)
