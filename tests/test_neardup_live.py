"""Near-duplicates live: `watcher run` against the local site and the Bot API stand-in.

A story, then the same story republished at a new id with a paragraph added: the subscriber gets
one alert. And the daemon killed (SIGKILL) between storing the variant and anything after it,
inside the item's transaction or just after its commit: after a restart the variant is stored
once, linked to its story, and never alerted; the original was alerted once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.botapi import TOKEN, FakeBotApi
from tests.conftest import ROOT
from tests.site import LocalSite, local_site
from tests.telegram_kit import bot_api
from tests.test_crash import Watcher, write_config
from tests.test_neardup import story
from tests.test_sources import news_item
from tests.test_telegram_run import run_config
from watcher.channels.telegram.service import telegram_hooks
from watcher.classify import Classifier, default_gazetteer_dir
from watcher.core.config import Environment
from watcher.daemon.scheduler import run_daemon
from watcher.match.subscriptions import Subscription
from watcher.store import Store

__all__ = ["bot_api", "local_site"]

CHAT = 100
ORIGINAL_ID, VARIANT_ID = 102, 103
ADDED = "ทั้งสองฝ่ายจะประชุมกันอีกครั้ง"  # a line added: Jaccard 0.88 to the original
TITLE = "นายกรัฐมนตรีหารือกับญี่ปุ่นเรื่องยานยนต์ไฟฟ้า"


def subscribe_everything(store: Store, chat: int = CHAT) -> None:
    subscriber = store.add_subscriber("telegram", str(chat), at=dt.datetime.now(dt.UTC))
    store.add_subscription(subscriber.id, Subscription(everything=True))


def test_a_republication_at_a_new_id_alerts_the_subscriber_once(
    local_site: LocalSite, bot_api: FakeBotApi, tmp_path: Path
) -> None:
    local_site.add_items([news_item(n) for n in range(2)], start_id=100)
    store = Store.open(tmp_path / "watcher.db")
    subscribe_everything(store)
    config = run_config(local_site)
    env = Environment(tmp_path / "w.toml", tmp_path / "watcher.db", TOKEN, bot_api.base_url)
    classifier = Classifier.from_dir(default_gazetteer_dir())
    extra_jobs, services = telegram_hooks(store, config, env, classifier)
    cycles: list[Any] = []
    stop = asyncio.Event()
    stored: dict[str, str] = {}

    def variant_stored() -> bool:
        variant = store.get_item(local_site.item_url(VARIANT_ID))
        if variant is not None:
            stored["variant"] = variant.hash
        return variant is not None

    async def scenario() -> None:
        daemon = asyncio.create_task(
            run_daemon(config, store, classifier, extra_jobs=extra_jobs, services=services,
                       on_report=cycles.append, stop=stop)
        )  # fmt: skip
        try:
            assert await bot_api.until(lambda: len(cycles) >= 1)  # the baseline cycle
            local_site.publish(ORIGINAL_ID, story())
            assert await bot_api.until_messages(1, chat_id=CHAT)
            original = store.get_item(local_site.item_url(ORIGINAL_ID))
            assert original is not None
            stored["original"] = original.hash
            local_site.publish(VARIANT_ID, story(ADDED))
            assert await bot_api.until(variant_stored)
            seen = len(cycles)
            assert await bot_api.until(lambda: len(cycles) >= seen + 2)  # nothing more comes
        finally:
            stop.set()
            await daemon

    asyncio.run(scenario())
    [alert] = bot_api.texts(CHAT)
    assert TITLE in alert and ADDED not in alert
    variant = store.get_item(stored["variant"])
    assert variant is not None and variant.near_duplicate_of == stored["original"]
    assert ADDED in variant.body
    assert store.outbox_counts() == {"sent": 1}
    store.close()


def wait_until(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.1)  # polling a condition, with a deadline


def alerts_sent(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        return int(conn.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0])


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["writing", "stored"])
def test_killed_while_storing_a_variant_it_is_never_alerted_after_a_restart(
    moment: str, tmp_path: Path
) -> None:
    with LocalSite() as site, FakeBotApi() as api:
        config, db = tmp_path / "watcher.toml", tmp_path / "state" / "watcher.db"
        write_config(config, site)  # the crash test's: every new item alerts, no baseline
        store = Store.open(db)
        subscribe_everything(store)
        store.close()
        env = {**os.environ, "WATCHER_DB": str(db), "WATCHER_CONFIG": str(config),
               "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url,
               "PYTHONPATH": str(ROOT)}  # fmt: skip
        log = tmp_path / "watcher.log"
        site.publish(100, story())
        with log.open("ab") as out:
            dying = subprocess.Popen(
                [sys.executable, "-m", "tests.die_at_variant", moment], env=env, cwd=ROOT,
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            wait_until(lambda: alerts_sent(db) == 1)  # the original, alerted and marked sent
            site.publish(101, story(ADDED))
            assert dying.wait(timeout=60) == -9, log.read_text()
        finally:
            if dying.poll() is None:
                dying.kill()
        store = Store.open(db)
        killed_with = store.get_item(site.item_url(101))
        store.close()
        assert (killed_with is not None) == (moment == "stored")  # written, or rolled back

        site.publish(102, news_item(102))  # a story after the variant: its alert shows the
        watcher = Watcher(env, log)  # restarted daemon has been past the variant
        watcher.start()
        try:
            wait_until(lambda: alerts_sent(db) == 2)
        finally:
            watcher.terminate()

    store = Store.open(db)
    original, variant = store.get_item(site.item_url(100)), store.get_item(site.item_url(101))
    assert original is not None and variant is not None
    assert variant.near_duplicate_of == original.hash and ADDED in variant.body
    assert [v["hash"] for v in store.variants(original.hash)] == [variant.hash]
    later = store.get_item(site.item_url(102))
    assert later is not None
    queued_for = [row["item_hash"] for row in store.db.query("SELECT item_hash FROM outbox")]
    assert sorted(queued_for) == sorted([original.hash, later.hash])  # none for the variant
    assert store.outbox_counts() == {"sent": 2}
    store.close()
    texts = [m.text for m in api.messages()]
    assert sum(TITLE in text for text in texts) == 1 and len(texts) == 2
