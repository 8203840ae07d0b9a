"""A poll cycle end to end against the local site: pipeline, baseline, failures, the CLI."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.hostile import FAULT_FETCH, FAULTS
from tests.site import LocalSite, local_site
from tests.test_sources import FAST, cycles, news_item, sequence_config
from watcher.classify import Classifier, default_gazetteer_dir
from watcher.core.config import Config
from watcher.ingest.pipeline import Pipeline
from watcher.match.subscriptions import Subscription
from watcher.sources.cycle import STOPPED, open_poller
from watcher.sources.settings import parse_config
from watcher.store import ItemFilter, Store

__all__ = ["local_site"]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.from_dir(default_gazetteer_dir())


def subscribe_to_japan(store: Store, now: Any) -> None:
    subscriber = store.add_subscriber("telegram", "42", at=now)
    store.add_subscription(subscriber.id, Subscription(countries=("JP",)))


def test_first_cycle_is_a_baseline_later_items_alert(
    local_site: LocalSite, store: Store, classifier: Classifier, now: Any
) -> None:
    subscribe_to_japan(store, now)
    local_site.add_items([news_item(n) for n in range(3)], start_id=100)

    def publish(index: int) -> None:
        if index == 1:
            local_site.publish(103, news_item(103))
            local_site.publish(104, news_item(104, country="ฝรั่งเศส"))

    rounds = cycles(store, [sequence_config(local_site)], 2, classifier=classifier, between=publish)
    first, second = rounds[0][0], rounds[1][0]
    assert first.baseline and first.counts == {"new": 3}
    assert all(i.result.queued == 0 for i in first.items)
    assert not second.baseline
    assert [(i.source_id, i.result.queued) for i in second.items] == [(103, 1), (104, 0)]
    assert second.items[0].result.labels is not None
    assert "JP" in second.items[0].result.labels["countries"]
    assert store.outbox_counts() == {"pending": 1}


def test_a_baseline_cut_short_stays_a_baseline(local_site: LocalSite, store: Store) -> None:
    local_site.add_items([news_item(n) for n in range(4)], start_id=100)
    config = Config(fetch=FAST, sources=(sequence_config(local_site),))

    async def go() -> list[Any]:
        stop = asyncio.Event()
        async with open_poller(
            config, store, None, stop=stop, on_item=lambda _: stop.set()
        ) as poller:
            first = await poller.cycle(config.sources[0])
            stop.clear()
            poller.on_item = None
            return [first, await poller.cycle(config.sources[0])]

    first, second = asyncio.run(go())
    assert first.error == STOPPED and [i.source_id for i in first.items] == [100]
    assert second.baseline and [i.source_id for i in second.items] == [101, 102, 103]


def test_an_item_imported_earlier_dedupes_when_fetched_live(
    local_site: LocalSite, store: Store
) -> None:
    item = news_item(7)
    Pipeline(store).process(dataclasses.replace(item, url="https://www.thaigov.go.th/news/contents/details/100"),
                            origin="import", alert=False)  # fmt: skip
    local_site.publish(100, item)
    [[report]] = cycles(store, [sequence_config(local_site)])
    assert report.counts == {"duplicate": 1}
    assert len(store.list_items(ItemFilter())) == 1


@pytest.mark.parametrize("fault", FAULTS)
def test_a_failing_page_is_walked_past_recorded_and_the_next_cycle_gets_it(
    local_site: LocalSite, store: Store, fault: str
) -> None:
    local_site.add_items([news_item(n) for n in range(3)], start_id=100)
    FAULTS[fault](local_site, "/news/contents/details/101")
    config = Config(fetch=FAULT_FETCH)

    def heal(index: int) -> None:
        if index == 1:
            local_site.clear_faults()

    rounds = cycles(store, [sequence_config(local_site)], 2, config=config, between=heal)
    first, retried = rounds[0][0], rounds[1][0]
    assert first.error is None and [i.source_id for i in first.items] == [100, 102]
    assert len(first.skipped) == 1 and first.skipped[0].startswith("101: ")
    assert "/details/101" in first.skipped[0] and "try 1 of 3" in first.skipped[0]
    assert "skipped 101: " in first.line()
    assert [i.source_id for i in retried.items] == [101]
    assert store.source_skips("news") == []  # read at last: forgotten


def test_a_page_that_never_reads_is_given_up_after_three_tries_and_blocks_nothing(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(n) for n in range(3)], start_id=100)
    local_site.huge("/news/contents/details/101", 2_000_000)
    config = Config(fetch=dataclasses.replace(FAST, max_bytes=1_000_000))

    def publish(index: int) -> None:
        local_site.publish(103 + index, news_item(103 + index))

    rounds = cycles(store, [sequence_config(local_site)], 4, config=config, between=publish)
    stored = [i.source_id for r in rounds for i in r[0].items]
    assert stored == [100, 102, 103, 104, 105, 106]  # nothing after 101 waited for it
    [skip] = store.source_skips("news")
    assert skip.key == "101" and skip.given_up and skip.tries == 3
    assert "byte cap" in skip.reason
    assert local_site.count("/news/contents/details/101") == 3


def test_stale_selectors_still_store_the_item_and_flag_the_source(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(n) for n in range(2)], start_id=100)
    source = sequence_config(local_site, selectors={"title": "div.headline h1"})
    rounds = cycles(store, [source], 2)
    [first] = rounds[0]
    assert first.error is None and [i.source_id for i in first.items] == [100, 101]
    assert first.state == "stale" and "'div.headline h1' matched nothing" in (first.detail or "")
    assert "WARNING: selectors stale" in first.line()
    stored = store.list_items(ItemFilter())
    assert {item.title for item in stored} == {news_item(0).title, news_item(1).title}
    assert all("รายละเอียดข่าว" in (store.get_item(i.hash).body) for i in stored)  # type: ignore[union-attr]
    state = store.source_state("news")
    assert state.state == "stale" and state.consecutive_failures == 0


def test_per_source_selectors_override_the_global_table(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(n) for n in range(1)], start_id=100)
    config = parse_config(
        {
            "selectors": {"title": "div.headline h1"},
            "sources": [
                {"name": "global", "kind": "sequence", "url": local_site.item_url_template,
                 "start_id": 100},
                {"name": "own", "kind": "sequence", "url": local_site.item_url_template,
                 "start_id": 100,
                 "selectors": {"title": "div.news-2 h3.news-1"}},
            ],
        }
    )  # fmt: skip
    assert config.sources[1].selectors.body == config.sources[0].selectors.body
    [[report]] = cycles(store, [config.sources[1]])
    assert report.state == "ok" and [i.source_id for i in report.items] == [100]
    [[report]] = cycles(Store.memory(), [config.sources[0]])
    assert report.state == "stale"


# -- the CLI --------------------------------------------------------------------------------


def write_config(tmp_path: Path, site: LocalSite, extra: str = "") -> Path:
    path = tmp_path / "watcher.toml"
    path.write_text(
        "[fetch]\nper_host_interval = 0.0\nbackoff_seconds = 0.01\nretries = 1\n"
        "read_timeout = 0.3\ntotal_timeout = 3.0\n\n"
        f'[[sources]]\nname = "news"\nkind = "sequence"\nurl = "{site.item_url_template}"\n'
        "start_id = 100\nmax_gap = 4\n\n"
        f'[[sources]]\nname = "listing"\nkind = "listing"\nurl = "{site.listing_url()}"\n'
        'link_pattern = "/nothing-matches/"\n' + extra,
        encoding="utf-8",
    )
    return path


@pytest.fixture
def poll_cli(
    run_cli: Callable[..., Result], tmp_path: Path, local_site: LocalSite,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., Result]:  # fmt: skip
    monkeypatch.setenv("WATCHER_CONFIG", str(write_config(tmp_path, local_site)))
    return run_cli


def test_poll_once_prints_a_summary_per_source_and_exits_1_for_a_failed_source(
    poll_cli: Callable[..., Result], local_site: LocalSite
) -> None:
    local_site.add_items([news_item(n) for n in range(2)], start_id=100)
    result = poll_cli("poll", "--once")
    assert result.exit_code == 1, result.output
    assert "news: 2 new" in result.output and "baseline" in result.output
    assert "listing: FAILED" in result.output and "no link matching" in result.output
    assert "listing: 0 new" not in result.output  # a failure never opens with counts
    again = poll_cli("seen", "list", "--format", "json")
    assert again.output.count('"hash"') == 2


def test_poll_once_source_option(poll_cli: Callable[..., Result], local_site: LocalSite) -> None:
    result = poll_cli("poll", "--once", "--source", "news")
    assert result.exit_code == 0 and "news: 0 new" in result.output
    assert "listing" not in result.output
    unknown = poll_cli("poll", "--once", "--source", "nope")
    assert unknown.exit_code != 0 and "no source named 'nope'" in unknown.output


def test_poll_with_bad_config_exits_non_zero_naming_file_and_key(
    run_cli: Callable[..., Result], tmp_path: Path, local_site: LocalSite,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    path = write_config(tmp_path, local_site, extra="max_gapp = 3\n")
    monkeypatch.setenv("WATCHER_CONFIG", str(path))
    result = run_cli("poll", "--once")
    assert result.exit_code != 0
    assert f"{path}: sources[1].max_gapp: unknown key" in result.output


def test_poll_with_a_broken_database_exits_non_zero(
    poll_cli: Callable[..., Result], db_path: Path
) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db_path.write_bytes(b"this is not a database" * 100)
    result = poll_cli("poll", "--once")
    assert result.exit_code != 0 and "not a valid SQLite database" in result.output
