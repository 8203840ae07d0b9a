"""Every parse of outside text runs off the event loop, within [limits] parse_budget_seconds,
in linear time; past the budget the id or link is a failed try (given up after give_up_after),
and a stop never waits for a parse in hand (issue 27, items 1 and 6).

The slow parsers here block on an Event the test releases at the end: budgets and counters
decide, never a stopwatch (bench/bombs.py --parse times the real hostile inputs).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from tests.conftest import ROOT
from tests.feeds import rss_feed
from tests.site import LocalSite, local_site
from tests.test_crash import write_config
from tests.test_sources import FAST, cycles, news_item, sequence_config
from watcher.core.config import Config, LimitSettings, SelectorSettings, source_from_table
from watcher.core.errors import ParseError
from watcher.demo.site import render_item_page
from watcher.sources import feed as feed_kind
from watcher.sources import pages
from watcher.sources.cycle import STOPPED, open_poller
from watcher.sources.pages import check_page_shape, parse_page
from watcher.sources.thaigov_page import page_lines
from watcher.store import ItemFilter, Store

__all__ = ["local_site"]

FEED = "/rss/news.xml"
SHORT = Config(fetch=FAST, limits=LimitSettings(parse_budget_seconds=2.0, give_up_after=2))


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at the end of the test: the abandoned parse threads finish then."""
    event = threading.Event()
    yield event
    event.set()


def stuck_on(ids: set[int], release: threading.Event) -> Callable[..., Any]:
    """The thaigov parser, except that it never finishes a page of one of `ids`."""
    parse = pages.PARSERS["thaigov"]

    def parser(html: str, url: str, selectors: SelectorSettings) -> Any:
        if int(url.rsplit("/", 1)[1]) in ids:
            release.wait()
        return parse(html, url, selectors)

    return parser


def test_a_feed_is_parsed_off_the_event_loop_and_its_br_flood_read_whole(
    local_site: LocalSite, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = []
    parse = feed_kind.parse_feed

    def watched(body: bytes, url: str, max_entries: int | None = None) -> Any:
        threads.append(threading.current_thread() is threading.main_thread())
        return parse(body, url, max_entries)

    monkeypatch.setattr(feed_kind, "parse_feed", watched)
    summary = "ต้น" + "&lt;br&gt;" * 50_000 + "ปลาย"
    feed = rss_feed(local_site, [100]).replace("&lt;p&gt;สรุปข่าวที่ 100 จากฟีด&lt;/p&gt;", summary)
    local_site.serve(FEED, feed, "application/rss+xml")
    local_site.fail("/news/contents/details/100", 404)  # stored from its summary
    source = source_from_table({"name": "prd", "kind": "feed", "url": local_site.base_url + FEED})
    [[report]] = cycles(store, [source])
    assert threads == [False]  # parsed in a worker thread, never on the loop
    assert report.error is None and report.counts == {"new": 1}
    [item] = store.list_items(ItemFilter())
    assert item.body == "ต้น\nปลาย"


def test_a_feed_over_the_budget_fails_the_cycle_in_one_line(
    local_site: LocalSite, store: Store, monkeypatch: pytest.MonkeyPatch,
    release: threading.Event,
) -> None:  # fmt: skip
    monkeypatch.setattr(feed_kind, "parse_feed", lambda *_args: release.wait())
    local_site.serve(FEED, rss_feed(local_site, [100]), "application/rss+xml")
    source = source_from_table({"name": "prd", "kind": "feed", "url": local_site.base_url + FEED})
    [[report]] = cycles(store, [source], config=SHORT)
    assert report.state == "failing" and "parsing took over 2s" in (report.error or "")


def test_a_page_over_the_budget_is_a_failed_try_and_given_up_after_the_configured_tries(
    local_site: LocalSite, store: Store, monkeypatch: pytest.MonkeyPatch,
    release: threading.Event,
) -> None:  # fmt: skip
    local_site.add_items([news_item(n) for n in range(3)], start_id=100)
    monkeypatch.setitem(pages.PARSERS, "thaigov", stuck_on({101}, release))
    rounds = cycles(store, [sequence_config(local_site)], 3, config=SHORT)
    first = rounds[0][0]
    assert [i.source_id for i in first.items] == [100, 102]  # walked past 101
    assert "parsing took over 2s" in first.skipped[0] and "try 1 of 2" in first.skipped[0]
    [skip] = store.source_skips("news")
    assert skip.key == "101" and skip.given_up and skip.tries == 2  # tried again once, no more
    assert local_site.count("/news/contents/details/101") == 2


def test_pages_that_fetch_but_never_parse_end_the_cycle_after_three_in_a_row(
    local_site: LocalSite, store: Store, monkeypatch: pytest.MonkeyPatch,
    release: threading.Event,
) -> None:  # fmt: skip
    local_site.add_items([news_item(n) for n in range(12)], start_id=100)
    monkeypatch.setitem(pages.PARSERS, "thaigov", stuck_on(set(range(101, 112)), release))
    [[report]] = cycles(store, [sequence_config(local_site)], config=SHORT)
    assert report.error is not None and "parsing took over" in report.error
    reads = [local_site.count(f"/news/contents/details/{i}") for i in range(101, 112)]
    assert sum(reads) == 3  # the third failure in a row ends the cycle


def test_a_stop_abandons_the_parse_in_hand_and_the_loop_exits_without_it(
    local_site: LocalSite, store: Store, monkeypatch: pytest.MonkeyPatch,
    release: threading.Event,
) -> None:  # fmt: skip
    local_site.add_items([news_item(n) for n in range(2)], start_id=100)
    started = threading.Event()
    parse = stuck_on({101}, release)

    def parser(html: str, url: str, selectors: SelectorSettings) -> Any:
        if url.endswith("/101"):
            started.set()
        return parse(html, url, selectors)

    monkeypatch.setitem(pages.PARSERS, "thaigov", parser)
    config = dataclasses.replace(Config(fetch=FAST), sources=(sequence_config(local_site),))
    reports: list[Any] = []

    async def go() -> None:
        stop = asyncio.Event()
        async with open_poller(config, store, None, stop=stop) as poller:
            cycle = asyncio.ensure_future(poller.cycle_all())
            while not started.is_set():
                await asyncio.sleep(0.01)
            stop.set()  # what SIGTERM does
            reports.extend(await cycle)

    runner = threading.Thread(target=asyncio.run, args=(go(),), daemon=True)
    runner.start()
    runner.join(timeout=60)  # a deadline for a loaded machine; the parse never ends by itself
    assert not runner.is_alive(), "the loop waited for an abandoned parse"
    [report] = reports
    assert report.error == STOPPED
    assert any(t.name == "parse" and t.daemon for t in threading.enumerate())  # still parsing
    assert store.source_skips("news") == []  # abandoned, not a failure of the id


def test_a_flood_of_self_closed_divs_is_nesting_and_refused() -> None:
    body = "<div/>" * 49_000
    html = render_item_page(news_item(1)).replace("<p>", body + "<p>", 1)
    with pytest.raises(ParseError, match="nested over"):
        parse_page(html, "https://x/1", "thaigov", SelectorSettings())
    icons = "<svg>" + '<path d="M0"/>' * 1000 + "</svg>"  # inside SVG, `/>` does close
    check_page_shape(render_item_page(news_item(1)).replace("<p>", icons + "<p>", 1), "u")


def test_page_lines_reads_the_tree_without_rewriting_it() -> None:
    paragraphs = "".join(f"<p>ย่อหน้า {n}<br>บรรทัด</p>" for n in range(20_000))
    node = BeautifulSoup(f"<div>{paragraphs}ท้าย</div>", "lxml").div
    assert node is not None
    before = sum(1 for _ in node.descendants)
    lines = page_lines(node)
    assert sum(1 for _ in node.descendants) == before  # no mark inserted: one linear walk
    assert lines[:3] == ["ย่อหน้า 0", "บรรทัด", "ย่อหน้า 1"] and lines[-1] == "ท้าย"
    assert len(lines) == 40_001


def test_sigterm_ends_watcher_run_without_waiting_for_a_parse_in_hand(
    local_site: LocalSite, tmp_path: Path
) -> None:
    local_site.add_items([news_item(0)], start_id=100)
    config, marker, log = tmp_path / "watcher.toml", tmp_path / "parsing", tmp_path / "run.log"
    write_config(config, local_site)
    env = {**os.environ, "WATCHER_DB": str(tmp_path / "watcher.db"),
           "WATCHER_CONFIG": str(config), "PYTHONPATH": str(ROOT)}  # fmt: skip
    with log.open("ab") as out:
        run = subprocess.Popen([sys.executable, "-m", "tests.stuck_parse", str(marker)],
                               env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        for _ in range(600):  # until the parse is in hand (a deadline, polled)
            if marker.exists() or run.poll() is not None:
                break
            time.sleep(0.1)
        assert marker.exists(), log.read_text()
        run.send_signal(signal.SIGTERM)
        # stop_grace_seconds is 5 and the parse never ends: exiting at all proves nobody waits
        assert run.wait(timeout=30) == 0, log.read_text()
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
