"""Polling figures against the local replay site (printed, not asserted).

    python bench/poll.py [--cycles 1000] [--interval 2] [--items 8]

1. Cost of an idle cycle: requests, 304s and bytes, for the sequence source (goal: at most 3
   requests, all conditional, at most 20 KB) and a listing source, beside the baseline of a
   naive walk that fetches max_gap ids unconditionally every cycle.
2. Latency: time from an item appearing on the site to it being stored, with the real daemon
   polling every --interval seconds (goal: at most interval + 2 s); median and worst.
3. Memory: RSS before and after --cycles cycles against the local site (goal: flat, <= 250 MB);
   the site runs in this process too (its request log off), so its memory is counted.
4. From an empty database to live, with the site's frontier 5,000, 50,000 and 100,000 ids
   past start_id (2025-like gaps, tests/site.py GrowingSite): requests and seconds of the first
   cycle (frontier discovery + baseline), beside today's walk of every id (measured for 5,000;
   for the others its request count is the distance, by construction). Seconds at the polite
   rate are requests × 1 s, the default per_host_interval.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.readme_block import recorded
from tests.site import GrowingSite
from watcher.core.config import Config, FetchSettings, SourceConfig
from watcher.daemon.scheduler import run_daemon
from watcher.demo.run import load_sample
from watcher.demo.server import SiteServer
from watcher.sources.cycle import CycleReport, ItemReport, open_poller
from watcher.sources.settings import source_from_table
from watcher.store import Store

FAST = FetchSettings(per_host_interval=0.0, backoff_seconds=0.05, retries=1)
PUBLISHED = 20  # items at ids 1000… before the latency and memory runs publish more


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def sources(site: SiteServer) -> tuple[SourceConfig, SourceConfig]:
    sequence = source_from_table(
        {"name": "news", "kind": "sequence", "url": site.item_url_template, "start_id": 1000,
         "interval_seconds": 1, "jitter_seconds": 0}
    )  # fmt: skip
    listing = source_from_table(
        {"name": "listing", "kind": "listing", "url": site.listing_url(),
         "link_pattern": r"/news/contents/details/\d+$", "interval_seconds": 1}
    )  # fmt: skip
    return sequence, listing


def with_options(source: SourceConfig, name: str, **options: object) -> SourceConfig:
    return dataclasses.replace(
        source, name=name, options=dataclasses.replace(source.options, **options)
    )


async def idle_costs(site: SiteServer, store: Store) -> None:
    sequence, listing = sources(site)
    naive = with_options(sequence, "naive", probe_width=20, deep_probe_every=1)
    config = Config(fetch=FAST, sources=(sequence, listing))
    async with open_poller(config, store, None) as poller:
        for source in (sequence, listing):
            await poller.cycle(source)  # first cycle: reads what is there
        print("1. idle cycle (site unchanged since the previous cycle)")
        for source in (sequence, listing):
            reports = [await poller.cycle(source) for _ in range(9)]
            every = getattr(source.options, "deep_probe_every", None)  # sequence sources only
            ordinary = [r for i, r in enumerate(reports) if not every or (i + 1) % every]
            _print_cost(f"{source.name} ({source.kind}), ordinary cycle", ordinary)
            if source.kind == "sequence":
                deep = [r for i, r in enumerate(reports) if not (i + 1) % every]
                _print_cost(f"{source.name} deep cycle (1 in {every})", deep)
    naive_config = Config(fetch=dataclasses.replace(FAST, respect_robots=False), sources=(naive,))
    async with open_poller(naive_config, store, None) as poller:
        await poller.cycle(naive)
        store.db.execute("DELETE FROM http_cache")  # the naive walk sends no validators
        reports = []
        for _ in range(5):
            reports.append(await poller.cycle(naive))
            store.db.execute("DELETE FROM http_cache")
        _print_cost("baseline: naive walk of max_gap ids, unconditional", reports)


def _print_cost(label: str, reports: list[CycleReport]) -> None:
    requests = statistics.median(r.fetch.requests for r in reports)
    conditional = statistics.median(r.fetch.not_modified for r in reports)
    kb = statistics.median(r.fetch.bytes for r in reports) / 1024
    print(f"   {label:<55} {requests:5.0f} requests, {conditional:3.0f} answered 304, {kb:6.1f} KB")


async def latency(site: SiteServer, store: Store, interval: int, count: int) -> None:
    sequence, _listing = sources(site)
    sequence = dataclasses.replace(sequence, name="latency", interval_seconds=interval)
    sample = load_sample(count + 1)
    next_id = 1000 + PUBLISHED
    appeared: dict[int, float] = {}
    delays: list[float] = []
    stop = asyncio.Event()

    def on_item(report: ItemReport) -> None:
        if report.source_id in appeared:
            delays.append(time.monotonic() - appeared[report.source_id])
            if len(delays) == count:
                stop.set()

    async def publisher() -> None:
        for index in range(count):
            await asyncio.sleep(random.uniform(0.3, interval * 1.5))
            appeared[next_id + index] = time.monotonic()
            site.publish(next_id + index, sample[index])

    config = Config(fetch=FAST, sources=(sequence,))
    task = asyncio.create_task(publisher())
    await run_daemon(config, store, None, stop=stop, on_item=on_item)
    await task
    print(f"2. latency, item on the site → stored, polling every {interval}s ({count} items)")
    print(
        f"   median {statistics.median(delays):.2f}s, worst {max(delays):.2f}s"
        f" (goal: ≤ interval + 2 s = {interval + 2}s)"
    )


async def memory(site: SiteServer, store: Store, cycles: int) -> None:
    sequence, listing = sources(site)
    config = Config(fetch=FAST, sources=(sequence, listing))
    sample = load_sample(50)
    next_id = 1000 + PUBLISHED + 100
    marks: list[tuple[int, float]] = [(0, rss_mb())]
    started = time.monotonic()
    async with open_poller(config, store, None) as poller:
        for cycle in range(1, cycles + 1):
            if cycle % 25 == 0:  # now and then, news
                site.publish(next_id, sample[cycle // 25 % len(sample)])
                next_id += 1
            await poller.cycle(sequence if cycle % 2 else listing)
            if cycle in (100, cycles // 2, cycles):
                marks.append((cycle, rss_mb()))
    seconds = time.monotonic() - started
    print(
        f"3. memory over {cycles} cycles ({seconds:.0f}s, {seconds / cycles * 1000:.0f} ms/cycle)"
    )
    print("   " + ", ".join(f"after {n}: {mb:.0f} MB" for n, mb in marks))
    print(f"   growth from cycle 100 to {cycles}: {marks[-1][1] - marks[1][1]:+.1f} MB")


async def to_live(distance: int, walk: bool) -> tuple[int, float, int | None]:
    """(item-page requests, seconds, frontier found) of a first cycle from an empty DB."""
    start = 98_900
    with tempfile.TemporaryDirectory() as tmp, SiteServer(log_size=0) as site:
        growing = GrowingSite(site, start + distance)
        store = Store.open(Path(tmp) / "live.db")
        source = source_from_table(
            {"name": "news", "kind": "sequence", "url": site.item_url_template,
             "start_id": start}
        )  # fmt: skip
        config = Config(fetch=dataclasses.replace(FAST, respect_robots=False), sources=(source,))
        if walk:  # today's rule: a source with progress walks every id from its frontier
            store.record_cycle("news", at=dt.datetime.now(dt.UTC), last_id=start - 1)
        started = time.monotonic()
        async with open_poller(config, store, None) as poller:
            report = await poller.cycle(source)
        seconds = time.monotonic() - started
        store.close()
        return growing.item_requests(), seconds, report.last_id


async def frontier_figures() -> None:
    print("4. empty database → live (start_id 98,900; frontier D ids ahead)")
    for distance in (5_000, 50_000, 100_000):
        requests, seconds, found = await to_live(distance, walk=False)
        line = (
            f"   D = {distance:>7,}: discovery {requests:4d} requests, {seconds:5.2f}s here,"
            f" {requests:4d} s polite; found {found:,}"
        )
        if distance == 5_000:
            walked, walk_seconds, _ = await to_live(distance, walk=True)
            line += f" | walk {walked:,} requests, {walk_seconds:.1f}s here, {walked:,} s polite"
        else:
            hours = distance / 3600
            line += f" | walk {distance:,} requests, {distance:,} s polite ({hours:.0f} h)"
        print(line + f"; ratio {distance / requests:.0f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--interval", type=int, default=2)
    parser.add_argument("--items", type=int, default=8)
    parser.add_argument("--only-frontier", action="store_true", help="Only section 4.")
    parser.add_argument(
        "--readme", action="store_true", help="write the figures into docs/benchmarks.md"
    )
    args = parser.parse_args()
    if args.only_frontier:
        asyncio.run(frontier_figures())
        return
    random.seed(7)
    with recorded("poll" if args.readme else None):
        with tempfile.TemporaryDirectory() as tmp, SiteServer(log_size=0) as site:
            for index, item in enumerate(load_sample(PUBLISHED)):
                site.publish(1000 + index, item)
            store = Store.open(Path(tmp) / "bench.db")
            asyncio.run(idle_costs(site, store))
            asyncio.run(latency(site, store, args.interval, args.items))
            asyncio.run(memory(site, store, args.cycles))
            store.close()
        asyncio.run(frontier_figures())


if __name__ == "__main__":
    main()
