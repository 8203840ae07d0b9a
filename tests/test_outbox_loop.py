"""Store calls run off the event loop (watcher.store.off_loop): another writer holding SQLite's
lock (an import, a backup) delays the call that waits for it, never the loop the bot, the outbox
sender and the poller share."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.botapi import TOKEN, FakeBotApi
from tests.site import LocalSite, local_site
from tests.test_sources import news_item
from tests.test_telegram_run import run_config
from watcher.channels.digest import Digest
from watcher.channels.outbox import OutboxSender
from watcher.channels.telegram.service import telegram_hooks
from watcher.core.config import Environment
from watcher.core.corpus import Item
from watcher.daemon.scheduler import run_daemon
from watcher.match.subscriptions import Subscription
from watcher.sources.cycle import CycleReport
from watcher.store import OutboxRow, Store, StoredItem

__all__ = ["local_site"]

HOLD_SECONDS = 3.0  # how long another connection holds the write lock
BUSY_SECONDS = 60.0  # the daemon's busy timeout: a call on the loop would freeze it this long


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


class CountingBotApi(FakeBotApi):
    """The Bot API stand-in, counting the bot's getUpdates calls (its long polling)."""

    def __init__(self) -> None:
        super().__init__()
        self.polls = 0

    def intercept(self, method: str, params: dict[str, Any]) -> tuple[bool, Any]:
        if method == "getUpdates":
            self.polls += 1
        return super().intercept(method, params)


def test_a_3_second_write_lock_holds_up_neither_start_nor_the_sender_nor_a_poll_cycle(
    local_site: LocalSite, tmp_path: Path, now: dt.datetime, caplog: pytest.LogCaptureFixture
) -> None:
    """Another connection holds BEGIN IMMEDIATE for 3 s. Meanwhile the poll cycle fetches and
    the bot keeps polling; every store call (the cycle's items, the answers to /start and to a
    new chat's /subscribe, the queued alert's send and mark) waits in a thread and completes
    once the lock is released, none fails as "locked". The lock is released by a coroutine on
    the daemon's own loop: a store call made on the loop would freeze it, and the release,
    for the busy timeout, and the waits below would fail first."""
    local_site.add_items([news_item(n) for n in range(2)], start_id=100)
    path = tmp_path / "watcher.db"
    store = Store.open(path, timeout=BUSY_SECONDS)
    subscriber = store.add_subscriber("telegram", "100", at=now)
    store.add_subscription(subscriber.id, Subscription(everything=True))
    queued = Item("ข่าวเตือนเรื่องญี่ปุ่น", "เนื้อหาข่าวเตือน")
    store.add_item(queued, origin="poll", seen_at=now, labels={"countries": ["JP"]}, alert=True)
    config = run_config(local_site)
    cycles: list[CycleReport] = []
    stop = asyncio.Event()
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    watch = sqlite3.connect(path, check_same_thread=False)  # reads what has landed

    def outbox() -> list[tuple[str]]:
        return watch.execute("SELECT status FROM outbox").fetchall()

    async def scenario(api: CountingBotApi) -> None:
        env = Environment(tmp_path / "w.toml", path, TOKEN, api.base_url)
        extra_jobs, services = telegram_hooks(store, config, env)
        loop = asyncio.get_running_loop()
        blocker.execute("BEGIN IMMEDIATE")
        held_from = loop.time()
        daemon = asyncio.create_task(
            run_daemon(config, store, None, extra_jobs=extra_jobs, services=services,
                       on_report=cycles.append, stop=stop)
        )  # fmt: skip
        try:
            assert await api.until(lambda: local_site.count("/news/contents/details/100") >= 1)
            api.user_says(100, "/start")
            api.user_says(200, "/subscribe JP")  # a new chat: its subscriber is a write
            polls = api.polls
            assert await api.until(lambda: api.polls >= polls + 2)  # the bot goes on polling
            await asyncio.sleep(max(0.0, HOLD_SECONDS - (loop.time() - held_from)))
            # Still held: every write is waiting in its thread.
            assert outbox() == [("pending",)] and cycles == [] and api.texts(200) == []
            assert watch.execute("SELECT count(*) FROM items").fetchone() == (1,)
            blocker.rollback()
            assert await api.until(lambda: outbox() == [("sent",)] and bool(cycles))
            assert await api.until(lambda: len(api.texts(100)) == 2 and len(api.texts(200)) == 1)
        finally:
            if blocker.in_transaction:
                blocker.rollback()
            stop.set()
            await daemon

    try:
        with CountingBotApi() as api:
            asyncio.run(scenario(api))
            chat_100, chat_200 = api.texts(100), api.texts(200)
    finally:
        blocker.close()
        watch.close()
    assert chat_200 == ["รับข่าวแล้ว #1: JP ญี่ปุ่น (instant)"]
    assert sorted("ข่าวเตือนเรื่องญี่ปุ่น" in text for text in chat_100) == [False, True]
    assert any("watcher subscribers add --telegram 100" in text for text in chat_100)  # /start
    assert cycles[0].error is None and cycles[0].counts.get("new", 0) == 2
    assert store.count_items() == 3
    store.close()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
