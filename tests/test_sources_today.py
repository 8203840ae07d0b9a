"""The site as it is today: ids past 100,000 with real gaps, robots.txt refusals, bot protection.

The local site answers every id up to its frontier (`item_for`), except the gaps, as the live
site does; a first cycle must find the frontier without walking there.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import httpx
import pytest
from click.testing import CliRunner

from tests.site import GrowingSite, LocalSite, local_site
from tests.test_sources import FAST, cycles, news_item
from watcher.channels.telegram.service import HealthWatch
from watcher.cli import cli
from watcher.core.config import Config, SourceConfig, TelegramSettings
from watcher.fetch.client import Fetcher
from watcher.sources import SourceContext, make_source
from watcher.sources.cycle import open_poller
from watcher.sources.settings import source_from_table
from watcher.store import ItemFilter, SourceSkip, Store

__all__ = ["local_site"]

ITEM_PATH = "/news/contents/details/"


def news_source(site: LocalSite, **keys: object) -> SourceConfig:
    return source_from_table(
        {"name": "news", "kind": "sequence", "url": site.item_url_template, **keys}
    )


@pytest.mark.parametrize("start", [None, 98_900])
def test_first_cycle_finds_a_frontier_past_100000_in_few_requests_and_alerts_nothing(
    local_site: LocalSite, store: Store, start: int | None
) -> None:
    site = GrowingSite(local_site, 112_345)
    keys = {} if start is None else {"start_id": start}
    [[report]] = cycles(store, [news_source(local_site, **keys)])
    assert report.error is None and report.last_id == 112_345
    assert site.item_requests() < 150  # not 112,345 (or 13,445) walked ids
    stored = [i.source_id for i in report.items]
    assert len(stored) == 20 and stored[-1] == 112_345 and stored == sorted(stored)
    assert all(i not in site.gaps for i in stored)
    assert store.outbox_counts() == {}  # a baseline: nothing alerted
    assert {i.origin for i in store.list_items(ItemFilter())} == {"baseline"}
    # the next cycle is an ordinary one: a new id is read and alerted
    site.frontier = 112_346
    [[second]] = cycles(store, [news_source(local_site, **keys)])
    assert [i.source_id for i in second.items] == [112_346] and not second.baseline


def test_a_frontier_behind_a_gap_narrower_than_max_gap_is_found(
    local_site: LocalSite, store: Store
) -> None:
    site = GrowingSite(local_site, 50_000, seed=3)
    site.gaps.update(range(49_990, 50_000))  # the newest item sits after a 10-wide gap
    [[report]] = cycles(store, [news_source(local_site, start_id=40_000)])
    assert report.last_id == 50_000


class DictMemory:
    """A SourceMemory without a database: a kind is testable alone."""

    def __init__(self) -> None:
        self.empty: dict[int, int] = {}
        self.skips: dict[str, SourceSkip] = {}
        self.saved: dict[str, tuple[str | None, str | None]] = {}

    async def highest_id(self) -> int | None:
        return None

    async def cycles(self) -> int:
        return 0

    async def empty_ids(self, above: int) -> dict[int, int]:
        return {k: v for k, v in self.empty.items() if k > above}

    async def mark_empty(self, source_id: int) -> None:
        self.empty[source_id] = self.empty.get(source_id, 0) + 1

    async def clear_empty(self, source_id: int, url: str) -> None:
        self.empty.pop(source_id, None)

    async def validators(self, url: str) -> tuple[str | None, str | None]:
        return self.saved.get(url, (None, None))

    async def save_validators(self, url: str, etag: str | None, last_modified: str | None
                              ) -> None:  # fmt: skip
        self.saved[url] = (etag, last_modified)

    async def known(self, url: str) -> bool:
        return False

    async def record_skip(self, key: str, reason: str, *, give_up: bool = False) -> SourceSkip:
        tries = self.skips[key].tries + 1 if key in self.skips else 1
        self.skips[key] = SourceSkip("s", key, reason, tries, give_up or tries >= 3, "")
        return self.skips[key]

    async def pending_skips(self) -> list[SourceSkip]:
        return [s for s in self.skips.values() if not s.given_up]

    async def clear_skip(self, key: str) -> None:
        self.skips.pop(key, None)


def test_a_sequence_kind_runs_on_a_dict_memory_and_a_mock_transport() -> None:
    published = set(range(1, 5000)) - {4990, 4991}
    asked: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        from watcher.demo.site import render_empty_page, render_item_page

        source_id = int(request.url.path.rsplit("/", 1)[1]) if "details" in request.url.path else 0
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        asked.append(source_id)
        page = render_item_page(news_item(source_id)) if source_id in published else (
            render_empty_page())  # fmt: skip
        return httpx.Response(200, text=page, headers={"content-type": "text/html"})

    async def resolve(host: str) -> frozenset[str]:
        return frozenset({"93.184.216.34"})

    async def go() -> list[int | None]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
            fetcher = Fetcher(client, FAST, resolve=resolve)
            source = source_from_table(
                {"name": "s", "kind": "sequence", "url": "https://site.test/news/contents/details/{id}",
                 "baseline_items": 3}
            )  # fmt: skip
            scope = await fetcher.scope_for(source.url.replace("{id}", "0"))
            context = SourceContext(fetcher, scope, DictMemory(), lambda: dt.datetime.now(dt.UTC),
                                    first_cycle=True)  # fmt: skip
            kind = make_source(source, context)
            return [found.source_id async for found in kind.discover()]

    assert asyncio.run(go()) == [4997, 4998, 4999]
    assert len(asked) < 100


# -- robots.txt --------------------------------------------------------------------------------


def test_a_robots_refusal_sends_nothing_more_and_is_told_plainly(
    local_site: LocalSite, store: Store, tmp_path: object
) -> None:
    local_site.add_items([news_item(n) for n in range(3)], start_id=100)
    local_site.robots_txt = "User-agent: *\nDisallow: /news/\n"
    rounds = cycles(store, [news_source(local_site, start_id=100)], 2)
    for [report] in rounds:
        assert report.state == "refused" and not report.items
        assert report.detail == "refused by robots.txt: Disallow: /news/ (User-agent: *)"
        assert "FAILED: refused by robots.txt: Disallow: /news/" in report.line()
        assert "official feed" in report.line()
    assert set(local_site.requests) == {"/robots.txt"}  # one robots.txt, not one item page
    assert store.empty_ids("news", above=0) == {}
    state = store.source_state("news")
    assert state.state == "refused" and "Disallow: /news/" in (state.state_detail or "")
    watch = HealthWatch(TelegramSettings(health_failures=99))
    now = dt.datetime.now(dt.UTC)
    told = watch.news([state], now) + watch.news([state], now) + watch.news([state], now)
    assert len(told) == 1 and "refused by robots.txt: Disallow: /news/" in told[0][1]


def test_health_and_sources_name_the_refusal_and_what_to_do(
    local_site: LocalSite, tmp_path: object
) -> None:
    from pathlib import Path

    root = Path(str(tmp_path))
    local_site.robots_txt = "User-agent: *\nDisallow: /news/\n"
    config = root / "watcher.toml"
    config.write_text(
        f'[fetch]\nper_host_interval = 0.0\nretries = 0\n\n[[sources]]\nname = "news"\n'
        f'kind = "sequence"\nurl = "{local_site.item_url_template}"\nstart_id = 100\n'
    )
    env = {"WATCHER_CONFIG": str(config), "WATCHER_DB": str(root / "w.db")}
    runner = CliRunner()
    poll = runner.invoke(cli, ["poll", "--once"], env=env)
    assert poll.exit_code == 1 and "refused by robots.txt: Disallow: /news/" in poll.output
    health = runner.invoke(cli, ["health"], env=env)
    assert health.exit_code == 1
    line = next(x for x in health.output.splitlines() if "source news" in x)
    assert line.startswith("FAIL source news: refused by robots.txt: Disallow: /news/")
    assert "official feed" in line
    sources = runner.invoke(cli, ["sources", "--format", "json"], env=env)
    assert sources.exit_code == 0, sources.output
    import json

    [row] = json.loads(sources.output)
    assert row["state"].startswith("refused by robots.txt: Disallow: /news/")
    assert (row["kind"], row["parser"], row["robots"]) == ("sequence", "thaigov", "honoured")


@pytest.mark.parametrize("fault", ["500", "timeout"])
def test_an_unreadable_robots_txt_reads_nothing_and_says_so(
    local_site: LocalSite, store: Store, fault: str
) -> None:
    local_site.add_items([news_item(0)], start_id=100)
    if fault == "500":
        local_site.fail("/robots.txt", 500)
    else:
        local_site.stall("/robots.txt", before_headers=True)
    [[report]] = cycles(store, [news_source(local_site, start_id=100)])
    assert report.state == "failing" and not report.items
    assert "robots.txt" in (report.error or "") and "nothing is read" in (report.error or "")
    assert set(local_site.requests) == {"/robots.txt"}


def test_an_operator_override_reads_a_refused_source_and_is_logged(
    local_site: LocalSite, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    local_site.add_items([news_item(n) for n in range(2)], start_id=100)
    local_site.robots_txt = "User-agent: *\nDisallow: /news/\n"
    with caplog.at_level("WARNING"):
        [[report]] = cycles(store, [news_source(local_site, start_id=100, ignore_robots=True)])
    assert report.state == "ok" and [i.source_id for i in report.items] == [100, 101]
    assert "ignore_robots = true: robots.txt is NOT honoured" in caplog.text


# -- bot protection -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [403, 503, 200])
def test_a_challenge_is_a_block_never_an_item_nor_an_empty_id(
    local_site: LocalSite, store: Store, status: int
) -> None:
    local_site.add_items([news_item(n) for n in range(3)], start_id=100)
    local_site.challenge("/news/contents/details/100", status, times=1)
    [[blocked]] = cycles(store, [news_source(local_site, start_id=100)])
    assert blocked.state == "blocked" and not blocked.items
    assert "bot protection" in (blocked.detail or "") and "next try after" in (blocked.detail or "")
    assert local_site.count("/news/contents/details/100") == 1  # no retries against a challenge
    assert store.empty_ids("news", above=0) == {} and store.count_items() == 0
    state = store.source_state("news")
    assert state.state == "blocked" and state.blocked_until is not None
    wait = dt.datetime.fromisoformat(state.blocked_until) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=50) < wait <= dt.timedelta(hours=1)


def test_the_schedule_waits_out_a_block_and_then_everything_arrives(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(n) for n in range(2)], start_id=100)
    source = news_source(local_site, start_id=100)
    config = Config(fetch=FAST, sources=(source,))
    local_site.challenge("/news/contents/details/100", 403, times=1)

    async def go() -> list[object]:
        async with open_poller(config, store, None) as poller:
            blocked = await poller.cycle(source, respect_backoff=True)
            local_site.add_items([news_item(n) for n in range(2, 4)], start_id=102)
            waiting = await poller.cycle(source, respect_backoff=True)  # still in back-off
            requests = sum(local_site.requests.values())
            forced = await poller.cycle(source)  # poll --once: always tries
            return [blocked, waiting, requests, forced]

    blocked, waiting, requests_before, forced = asyncio.run(go())
    assert blocked.state == "blocked"  # type: ignore[attr-defined]
    assert waiting.waiting and "not polled" in waiting.line()  # type: ignore[attr-defined]
    assert sum(local_site.requests.values()) > requests_before
    assert [i.source_id for i in forced.items] == [100, 101, 102, 103]  # type: ignore[attr-defined]
    assert store.source_state("news").state == "ok"


def test_blocks_in_a_row_back_off_longer_up_to_a_day(local_site: LocalSite, store: Store) -> None:
    local_site.challenge("/news/contents/details/100", 403)
    source = news_source(local_site, start_id=100)
    waits = []
    for _ in range(7):
        cycles(store, [source])
        until = dt.datetime.fromisoformat(store.source_state("news").blocked_until or "")
        waits.append(round((until - dt.datetime.now(dt.UTC)).total_seconds() / 3600))
    assert waits == [1, 2, 4, 8, 16, 24, 24]


def test_fetch_settings_keep_their_challenge_markers_in_config() -> None:
    assert "Just a moment" in dataclasses.replace(FAST).challenge_markers
