"""Telegram delivery figures against the fake Bot API server on 127.0.0.1 (tests/botapi.py).

1. Alerts/s drained with 50 subscribers under Telegram's limits (30/s overall, 1/s per chat),
   beside the same drain unpaced (the machine's ceiling) in the same run. Goal: at 30/s.
2. Seconds from an item stored (with its outbox rows) to sendMessage observed by the server,
   with `watcher run`'s jobs on one APScheduler (drain every 1 s). Goal: ≤ 1 s at rest.

Run: /work/venv/bin/python bench/notify.py [--alerts 300] [--samples 15]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bench.readme_block import recorded
from tests.botapi import TOKEN, FakeBotApi
from watcher.channels.outbox import OutboxSender
from watcher.channels.telegram.render import TelegramRenderer
from watcher.channels.telegram.send import ChatPacer, TelegramChannel, load_names, make_bot
from watcher.channels.telegram.service import TelegramService
from watcher.core.config import Config, Environment, TelegramSettings
from watcher.core.corpus import Item
from watcher.match.subscriptions import Subscription
from watcher.store import Store

TZ = ZoneInfo("Asia/Bangkok")
LABELS = {"countries": ["JP"], "primary": ["JP"], "blocs": [], "ministries": ["foreign"],
          "lead_ministry": "foreign", "evidence": [{"kind": "country", "code": "JP",
          "alias": "ญี่ปุ่น", "field": "title", "offset": 0}]}  # fmt: skip


def item(number: int) -> Item:
    return Item(
        title=f"นายกรัฐมนตรีหารือกับนายกรัฐมนตรีญี่ปุ่นเรื่องการลงทุน ครั้งที่ {number}",
        body="ความร่วมมือด้านเศรษฐกิจ การค้า และการลงทุนระหว่างไทยกับญี่ปุ่น " * 8,
        url=f"https://www.thaigov.go.th/news/contents/details/{50000 + number}",
        published="2026-11-19",
    )


def filled_store(path: Path, subscribers: int, items: int) -> Store:
    store = Store.open(path)
    now = dt.datetime.now(dt.UTC)
    for chat in range(1, subscribers + 1):
        subscriber = store.add_subscriber("telegram", str(chat), at=now)
        store.add_subscription(subscriber.id, Subscription(countries=("JP",)))
    for number in range(items):
        store.add_item(item(number), origin="poll", seen_at=now, labels=LABELS, alert=True)
    return store


async def drain_all(store: Store, server: FakeBotApi, pacer: ChatPacer) -> float:
    """Seconds to send every pending row, passes back to back as the daemon's job would."""
    bot = make_bot(TOKEN, server.base_url, pacer)
    async with TelegramChannel(bot, TelegramRenderer(load_names())) as channel:
        sender = OutboxSender(store, channel, tz=TZ, concurrency=channel.concurrency)
        start = time.perf_counter()
        while store.outbox_counts().get("pending"):
            await sender.drain(300, per_subscriber=max(1, round(1 / pacer.per_chat_interval))
                               if pacer.per_chat_interval else None)  # fmt: skip
        return time.perf_counter() - start


def throughput(alerts: int, subscribers: int = 50) -> None:
    items = max(1, alerts // subscribers)
    total = items * subscribers
    print(f"1. drain {total} alerts to {subscribers} chats ({items} items each)")
    for label, pacer in (
        ("unpaced (ceiling)", lambda: ChatPacer(1e9, 0.0)),
        ("paced 30/s, 1/s per chat", lambda: ChatPacer(30.0, 1.0)),
    ):
        rates = []
        for _ in range(1 if "paced 30" in label else 3):
            with tempfile.TemporaryDirectory() as tmp, FakeBotApi() as server:
                store = filled_store(Path(tmp) / "w.db", subscribers, items)
                seconds = asyncio.run(drain_all(store, server, pacer()))
                assert len(server.messages()) == total
                rates.append(total / seconds)
                store.close()
        print(f"   {label:28s} median {statistics.median(rates):7.1f} alerts/s  (runs: "
              + ", ".join(f"{r:.1f}" for r in rates) + ")")  # fmt: skip


async def latency_run(server: FakeBotApi, path: Path, samples: int) -> list[float]:
    store = filled_store(path, 5, 0)
    config = Config(telegram=TelegramSettings())  # the defaults: drain every 1 s
    env = Environment(path.parent / "w.toml", path, TOKEN, server.base_url)
    service = TelegramService(store, config, env, terms=load_names())
    scheduler = AsyncIOScheduler(timezone="Asia/Bangkok")
    service.add_jobs(scheduler)
    scheduler.start()
    await service.start()
    delays = []
    try:
        for number in range(samples):
            await asyncio.sleep(random.uniform(1.0, 2.5))  # at rest: items arrive one by one
            seen = len(server.messages())
            stored = time.monotonic()
            store.add_item(item(number), origin="poll", seen_at=dt.datetime.now(dt.UTC),
                           labels=LABELS, alert=True)  # fmt: skip
            assert await server.until(lambda s=seen: len(server.messages()) >= s + 5, 10)
            first = min(m.at for m in server.messages()[seen:])
            delays.append(first - stored)
    finally:
        await service.stop()
        scheduler.shutdown(wait=False)
        store.close()
    return delays


def latency(samples: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeBotApi() as server:
        delays = asyncio.run(latency_run(server, Path(tmp) / "w.db", samples))
    print(f"2. item stored → first sendMessage seen ({samples} items, 5 chats, drain every 1 s)")
    print(f"   median {statistics.median(delays):.3f} s, max {max(delays):.3f} s, "
          f"min {min(delays):.3f} s (baseline: the drain interval, 1.000 s)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=300)
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument(
        "--readme", action="store_true", help="write the figures into docs/benchmarks.md"
    )
    args = parser.parse_args()
    with recorded("notify" if args.readme else None):
        throughput(args.alerts)
        latency(args.samples)


if __name__ == "__main__":
    main()
