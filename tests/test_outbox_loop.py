"""The outbox sender records outcomes off the event loop: another writer holding SQLite's lock
(an import, a backup) delays the record, never the loop the bot and the poller share."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

from watcher.corpus import Item
from watcher.digest import Digest
from watcher.notify.outbox import OutboxSender
from watcher.store import OutboxRow, Store, StoredItem
from watcher.subscriptions import Subscription


class AcceptingChannel:
    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_alert(self, row: OutboxRow, item: StoredItem) -> None:
        self.sent.append(item.hash)

    async def send_digest(self, row: OutboxRow, digest: Digest) -> None:
        raise AssertionError("no digest queued")


def test_a_locked_database_does_not_stall_the_loop(tmp_path: Path, now: dt.datetime) -> None:
    path = tmp_path / "watcher.db"
    store = Store.open(path, timeout=5)
    subscriber = store.add_subscriber("telegram", "42", at=now)
    store.add_subscription(subscriber.id, Subscription(everything=True))
    labels = {"countries": ["JP"], "blocs": [], "ministries": []}
    store.add_item(Item("หัวข้อ", "เนื้อหา"), origin="poll", seen_at=now, labels=labels, alert=True)
    channel = AcceptingChannel()
    sender = OutboxSender(store, channel, tz=ZoneInfo("Asia/Bangkok"), clock=lambda: now)
    blocker = sqlite3.connect(path, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.6, blocker.rollback)

    async def scenario() -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        beat = asyncio.create_task(ticker())
        release.start()
        report = await sender.drain()
        beat.cancel()
        assert report.counts == {"sent": 1}
        return ticks

    try:
        ticks = asyncio.run(scenario())
    finally:
        release.join()
        blocker.close()
    assert channel.sent and store.outbox_counts() == {"sent": 1}
    assert ticks >= 20  # the loop kept turning while mark_sent waited ~0.6 s for the lock
