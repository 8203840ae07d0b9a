"""`watcher demo`: the whole pipeline offline, against a replay of the site on 127.0.0.1.

The replay site serves a sample of the public-domain corpus that ships in the package
(watcher/data/demo-sample.jsonl.xz, built by scripts/make_demo_sample.py), publishing a new id
every few seconds, with an occasional gap as the real site has. The real daemon (scheduler.py)
polls it with a temporary database and prints each item the pipeline stores, with its labels.
The publisher is an extra job on the daemon's scheduler: the same hook the outbox sender and the
digests use. With `telegram`, the real bot joins it on a local Bot API (watcher/demo/chat.py) and
the user talks to it from the terminal.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from watcher.classify import Classifies
from watcher.core.config import Config, FetchSettings
from watcher.core.corpus import Item
from watcher.daemon.scheduler import run_daemon
from watcher.demo.server import SiteServer
from watcher.ingest.reader import read_items
from watcher.sources.cycle import CycleReport, ItemReport
from watcher.sources.settings import source_from_table
from watcher.store import Store

if TYPE_CHECKING:
    from watcher.demo.chat import DemoChat

__all__ = ["DemoOptions", "DemoSummary", "load_sample", "run_demo"]

FIRST_ID = 90001
GAP_EVERY = 7  # every 7th id is left unpublished, like a deleted item on the real site


@dataclass(frozen=True)
class DemoOptions:
    duration: float | None = None
    interval: float = 2.0
    items: int = 40
    publish_every: float = 3.0
    initial: int = 5
    telegram: bool = False  # the bot on a local Bot API, talked to from the terminal


@dataclass
class DemoSummary:
    published: list[int] = field(default_factory=list)
    stored: dict[int, str] = field(default_factory=dict)  # id → status
    cycles: int = 0
    failed_cycles: int = 0
    requests: int = 0
    seconds: float = 0.0

    @property
    def missed(self) -> list[int]:
        return [i for i in self.published if i not in self.stored]

    def line(self) -> str:
        return (
            f"demo: {len(self.published)} items published, {len(self.stored)} picked up,"
            f" {len(self.missed)} not yet polled; {self.cycles} cycles"
            f" ({self.failed_cycles} failed), {self.requests} requests in {self.seconds:.1f}s"
        )


def sample_path() -> Path:
    return Path(str(resources.files("watcher") / "data" / "demo-sample.jsonl.xz"))


def load_sample(count: int) -> list[Item]:
    """`count` items spread over the whole sample, so countries and ministries vary."""
    items = [record.item for record in read_items([sample_path()]) if record.item is not None]
    if count >= len(items):
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def demo_ids(count: int) -> list[int]:
    ids: list[int] = []
    source_id = FIRST_ID
    while len(ids) < count:
        if (source_id - FIRST_ID) % GAP_EVERY != GAP_EVERY - 1:
            ids.append(source_id)
        source_id += 1
    return ids


def run_demo(
    options: DemoOptions,
    classifier: Classifies | None,
    console: Console | None = None,
    lines: IO[str] | None = None,
) -> DemoSummary:
    """`lines`: what the user types to the bot with `telegram` (default: stdin, a prompt when
    it is a terminal)."""
    console = console or Console(highlight=False)
    with tempfile.TemporaryDirectory(prefix="watcher-demo-") as tmp, SiteServer() as site:
        store = Store.open(Path(tmp) / "watcher.db")
        try:
            config = _demo_config(site, options)
            if not options.telegram:
                return asyncio.run(_demo(options, classifier, console, site, store, config))
            from watcher.demo.chat import DemoChat

            config = replace(config, telegram=DemoChat.settings())
            source = lines or sys.stdin
            terms = getattr(classifier, "gazetteer", None)
            with DemoChat(
                console, store, config, terms, source, interactive=source.isatty()
            ) as chat:
                return asyncio.run(_demo(options, classifier, console, site, store, config, chat))
        finally:
            store.close()


async def _demo(
    options: DemoOptions, classifier: Classifies | None, console: Console,
    site: SiteServer, store: Store, config: Config, chat: DemoChat | None = None,
) -> DemoSummary:  # fmt: skip
    items = load_sample(options.items)
    pending = list(zip(demo_ids(len(items)), items, strict=True))
    summary = DemoSummary()
    started = time.monotonic()
    stop = asyncio.Event()

    def publish() -> None:
        if pending:
            source_id, item = pending.pop(0)
            site.publish(source_id, item)
            summary.published.append(source_id)
            console.print(Text.assemble(("site  ", "dim"), (f"published id {source_id}", "cyan")))

    schedulers: list[Any] = []  # the daemon's, once it has added the demo's jobs
    last_published = [0.0]  # time.monotonic() of the latest publication

    def publish_due() -> None:
        """The first time, `initial` items at once; then one every `publish_every` seconds;
        nothing while the chat holds the replay (checked often, so a release shows at once)."""
        if chat is not None and not chat.may_publish(store):
            return
        first = not summary.published
        if not first and time.monotonic() - last_published[0] < options.publish_every - 0.01:
            return
        last_published[0] = time.monotonic()
        for _ in range(min(options.initial, len(pending)) if first else 1):
            publish()
        if first and chat is not None and schedulers:  # the chat waited: poll them now
            job = schedulers[0].get_job(f"source:{config.sources[0].name}")
            if job is not None:
                job.modify(next_run_time=dt.datetime.now(dt.UTC))

    def end_when_over() -> None:
        """A script's demo ends once its replay is over and its alerts have gone out."""
        over = not pending and set(summary.published) <= set(summary.stored)
        if chat is not None and not chat.interactive and over and chat.done(store):
            stop.set()

    console.print(
        f"[bold]thaigov-watcher demo[/]: replay site {site.base_url}, {len(items)} sample items,"
        f" a new one every {options.publish_every:g}s, polled every {options.interval:g}s"
        + (f", for {options.duration:g}s" if options.duration else _how_it_ends(chat))
    )
    publish_due()
    if classifier is None:
        console.print("[yellow]no classifier installed: items are shown without labels[/]")

    def on_item(report: ItemReport) -> None:
        if report.source_id is not None:
            summary.stored[report.source_id] = report.result.status
        console.print(
            _item_line(report, time.monotonic() - started), no_wrap=True, overflow="ellipsis"
        )

    def on_report(report: CycleReport) -> None:
        summary.cycles += 1
        summary.failed_cycles += not report.ok
        summary.requests += report.fetch.requests
        if report.error:
            console.print(f"[red]cycle failed[/]: {report.error}")

    def add_publisher(scheduler: Any) -> None:
        schedulers.append(scheduler)
        every = options.publish_every if chat is None else min(options.publish_every, 0.25)
        scheduler.add_job(publish_due, "interval", seconds=every, id="demo:publish")
        if chat is not None and not chat.interactive:
            scheduler.add_job(end_when_over, "interval", seconds=0.25, id="demo:end")

    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    if options.duration is not None:
        asyncio.get_running_loop().call_later(options.duration, stop.set)
    jobs: list[Any] = [add_publisher]
    if chat is not None:
        chat.attach(stop)
        jobs.append(chat.add_jobs)
    await run_daemon(
        config, store, classifier, extra_jobs=jobs, services=[chat] if chat else [],
        on_item=on_item, on_report=on_report, stop=stop,
    )  # fmt: skip
    summary.seconds = time.monotonic() - started
    console.print(f"[bold]{summary.line()}[/]")
    return summary


def _how_it_ends(chat: DemoChat | None) -> str:
    if chat is not None and not chat.interactive:
        return ", until the script's alerts are out"
    return ", Ctrl-D or Ctrl-C to stop" if chat is not None else ", Ctrl-C to stop"


def _demo_config(site: SiteServer, options: DemoOptions) -> Config:
    source = source_from_table(
        {
            "name": "demo", "kind": "sequence", "url": site.item_url_template,
            "start_id": FIRST_ID, "interval_seconds": max(1, round(options.interval)),
            "jitter_seconds": 0, "max_gap": 5, "deep_probe_every": 4,
        }
    )  # fmt: skip
    fetch = FetchSettings(per_host_interval=0.05, backoff_seconds=0.2, max_backoff_seconds=2.0)
    return Config(fetch=fetch, sources=(source,))


def _item_line(report: ItemReport, elapsed: float) -> Text:
    """Two lines: when, status, id, hash and title; then the labels."""
    result = report.result
    status_style = {"new": "green", "duplicate": "yellow", "revision": "magenta"}
    line = Text.assemble(
        (f"{elapsed:6.1f}s ", "dim"),
        (f"{result.status:<9}", status_style.get(result.status, "red")),
        (f"#{report.source_id} ", "cyan"),
        (f"{result.hash or '-'}  ", "dim"),
        report.title,
    )
    if result.labels is not None:
        labels = result.labels
        line.append("\n" + " " * 17)
        line.append("countries ", "dim")
        line.append(" ".join(labels.get("countries", [])) or "-", "bold blue")
        line.append("  blocs ", "dim")
        line.append(" ".join(labels.get("blocs", [])) or "-", "bold blue")
        line.append("  ministries ", "dim")
        line.append(" ".join(labels.get("ministries", [])) or "-", "bold")
    return line
