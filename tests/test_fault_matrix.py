"""The fault matrix in ONE cycle: every site fault at once, each on its own source, then a
cycle after the faults heal picks everything up; and a database locked by another writer.

Each fault (tests/hostile.py's FAULTS) alone has its own test (tests/test_fetch_site.py,
tests/test_poll.py); this one shows
they do not interfere: one bad source never stops the others, nothing is lost, nothing crashes.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import pytest

from tests.hostile import FAULT_FETCH, FAULTS
from tests.site import LocalSite, local_site
from tests.test_sources import FAST, cycles, news_item, sequence_config
from watcher.core.config import Config, SourceConfig
from watcher.core.errors import StoreError
from watcher.sources.cycle import open_poller
from watcher.sources.settings import source_from_table
from watcher.store import Store

__all__ = ["local_site"]


def matrix_sources(
    stack: contextlib.ExitStack,
) -> tuple[list[SourceConfig], dict[str, int], list[LocalSite]]:
    """One site and one source per fault (a real source never shares another's sequence);
    the second item of each site carries its fault."""
    sources, faulty_ids, sites = [], {}, []
    for index, fault in enumerate(FAULTS):
        site = stack.enter_context(LocalSite())
        site.add_items([news_item(index * 10 + n) for n in range(3)], start_id=100)
        faulty_ids[fault] = 101
        FAULTS[fault](site, "/news/contents/details/101")
        name = "f-" + "".join(c if c.isalnum() else "-" for c in fault)
        sources.append(sequence_config(site, name=name, max_gap=3))
        sites.append(site)
    tis620 = stack.enter_context(LocalSite())
    tis620.add_items([news_item(1000 + n) for n in range(2)], start_id=100)
    tis620.encode("/news/contents/details/101", "tis-620", declare="meta")
    sources.append(sequence_config(tis620, name="tis620", max_gap=3))
    sources.append(source_from_table({"name": "listing", "kind": "listing",
                                      "url": tis620.listing_url(),
                                      "link_pattern": "/nothing-matches/"}))  # fmt: skip
    return sources, faulty_ids, [*sites, tis620]


def test_every_fault_in_one_cycle_then_all_items_after_healing(tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        sources, _faulty_ids, sites = matrix_sources(stack)
        store = Store.open(tmp_path / "watcher.db")
        config = Config(fetch=FAULT_FETCH)

        def heal(index: int) -> None:
            if index == 1:
                for site in sites:
                    site.clear_faults()

        first, second = cycles(store, sources, 2, config=config, between=heal)
    by_name = {report.source: report for report in first}
    for fault, source in zip(FAULTS, sources, strict=False):
        report = by_name[source.name]
        assert report.error is None, (fault, report.error)  # one bad page: walked past
        [skipped] = report.skipped
        assert skipped.startswith("101: ") and "/details/101" in skipped, (fault, skipped)
        assert [i.source_id for i in report.items] == [100, 102], fault
    assert by_name["tis620"].error is None and len(by_name["tis620"].items) == 2
    assert by_name["listing"].error is not None  # no matching link: a health problem
    healed = {report.source: report for report in second}
    for fault, source in zip(FAULTS, sources, strict=False):
        report = healed[source.name]
        assert report.error is None, (fault, report.error)
        assert [i.source_id for i in report.items] == [101], fault
    failing = [s.name for s in store.all_source_states() if s.consecutive_failures]
    assert failing == ["listing"]
    assert store.count_items() == len(FAULTS) * 3 + 2


def test_a_database_locked_by_another_writer_for_a_while(
    local_site: LocalSite, tmp_path: Path
) -> None:
    """Another writer holds the lock longer than the busy timeout: the cycle fails with one
    clear StoreError (the daemon logs it and tries again next interval); once the lock is
    released the next cycle stores every item."""
    local_site.add_items([news_item(n) for n in range(3)], start_id=100)
    path = tmp_path / "watcher.db"
    store = Store.open(path, timeout=0.3)
    config = Config(fetch=FAST, sources=(sequence_config(local_site),))
    blocker = sqlite3.connect(path)

    async def scenario() -> list[int | None]:
        async with open_poller(config, store, None) as poller:
            blocker.execute("BEGIN IMMEDIATE")
            with pytest.raises(StoreError, match="locked by another process"):
                await poller.cycle(config.sources[0])
            blocker.rollback()
            report = await poller.cycle(config.sources[0])
            assert report.error is None
            return [item.source_id for item in report.items]

    try:
        assert asyncio.run(scenario()) == [100, 101, 102]
    finally:
        blocker.close()
    assert store.count_items() == 3
