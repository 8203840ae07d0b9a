"""Crash safety, proven: `watcher run` killed with SIGKILL at 20 random moments while 300 items
appear on the local site, restarted each time, then stopped with SIGTERM.

At the end every item is stored once, every subscriber's every matching alert is marked sent
exactly once, none is missing at the Bot API server, and the duplicates the at-least-once window
allows (accepted by Telegram, killed before marking sent) are counted and reported.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.botapi import TOKEN, FakeBotApi
from tests.conftest import ROOT
from tests.site import LocalSite
from watcher.core.corpus import Item
from watcher.match.subscriptions import Subscription
from watcher.store import ItemFilter, Store

ITEMS = 300
KILLS = 20
START_ID = 100
PARTNERS = ("ญี่ปุ่น", "เกาหลีใต้", "")  # JP, KR, domestic, in turn
CHATS = {1001: Subscription(everything=True), 1002: Subscription(countries=("JP",)),
         1003: Subscription(countries=("KR",))}  # fmt: skip
EXPECTED = {1001: ITEMS, 1002: ITEMS // 3, 1003: ITEMS // 3}
REPORT = Path(os.environ.get("WATCHER_CRASH_REPORT", "/dev/null"))


WORDS = [
    "การลงทุน",
    "เกษตรกร",
    "ยานยนต์ไฟฟ้า",
    "พลังงาน",
    "ท่องเที่ยว",
    "การศึกษา",
    "สาธารณสุข",
    "ชายแดน",
    "แรงงาน",
    "ดิจิทัล",
    "ข้าว",
    "ยางพารา",
    "ประมง",
    "น้ำท่วม",
    "ภัยแล้ง",
    "ถนน",
    "รถไฟ",
    "สนามบิน",
    "ท่าเรือ",
    "วิสาหกิจ",
    "นวัตกรรม",
    "อาหาร",
    "สิ่งแวดล้อม",
    "ป่าไม้",
    "ชุมชน",
    "ผู้สูงอายุ",
    "เยาวชน",
    "กีฬา",
    "วัฒนธรรม",
    "ภาษี",
]


def crash_item(n: int) -> Item:
    """Distinct stories (not near-duplicates of each other): each has its own topic words."""
    partner = PARTNERS[n % 3]
    about = f"หารือความร่วมมือกับ{partner}" if partner else "ลงพื้นที่ตรวจราชการจังหวัดน่าน"
    topics = " ".join(random.Random(n).sample(WORDS, 12))
    return Item(
        title=f"ข่าวทดสอบที่ {n}: กระทรวงอุตสาหกรรม{about}",
        body=f"เมื่อวันที่ 25 กรกฎาคม 2566 รัฐมนตรีว่าการกระทรวงอุตสาหกรรม{about} ข่าวที่ {n}\n"
        f"ประเด็นที่หารือ: {topics}\nย่อหน้าที่สองของข่าวทดสอบหมายเลข {n}",
        category="ด้านเศรษฐกิจ",
        published="2023-07-25",
    )


def write_config(path: Path, site: LocalSite) -> None:
    path.write_text(
        f"""
[watcher]
baseline_first_cycle = false
stop_grace_seconds = 5.0
[fetch]
per_host_interval = 0.0
backoff_seconds = 0.01
max_backoff_seconds = 0.05
retries = 1
read_timeout = 2.0
[telegram]
per_chat_interval = 0.001
messages_per_second = 1000.0
drain_interval = 0.2
[[sources]]
name = "news"
kind = "sequence"
url = "{site.item_url_template}"
start_id = {START_ID}
interval_seconds = 1
jitter_seconds = 0
max_gap = 20
""",
        encoding="utf-8",
    )


class Watcher:
    """`python -m watcher run` as a child process that can be killed like a real daemon."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "watcher", "run"], env=self.env, cwd=ROOT,
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def terminate(self) -> float:
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        return time.monotonic() - started


def counts(db: Path) -> tuple[int, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        sent = conn.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0]
    return items, sent


def second_daemon(first: Watcher, env: dict[str, str], db: Path, log: Path) -> int:
    """Start a second `watcher run` once the first holds the lock; its exit status."""
    lock, deadline = Path(f"{db}.lock"), time.monotonic() + 30
    assert first.process is not None
    while not (lock.exists() and lock.read_text().strip() == str(first.process.pid)):
        assert time.monotonic() < deadline, "the first daemon never took the lock"
        time.sleep(0.05)
    second = Watcher(env, log)
    second.start()
    assert second.process is not None
    return second.process.wait(timeout=60)


def publish_slowly(site: LocalSite, stop: threading.Event, seconds: float) -> None:
    for n in range(ITEMS):
        if stop.wait(seconds / ITEMS):
            return
        site.publish(START_ID + n, crash_item(n))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[LocalSite, FakeBotApi, dict[str, str], Path]]:
    with LocalSite() as site, FakeBotApi() as api:
        config = tmp_path / "watcher.toml"
        write_config(config, site)
        db = tmp_path / "state" / "watcher.db"
        store = Store.open(db)
        for chat, subscription in CHATS.items():
            subscriber = store.add_subscriber("telegram", str(chat), at=dt.datetime.now(dt.UTC))
            store.add_subscription(subscriber.id, subscription)
        store.close()
        env = {**os.environ, "WATCHER_DB": str(db), "WATCHER_CONFIG": str(config),
               "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url,
               "PYTHONPATH": str(ROOT)}  # fmt: skip
        yield site, api, env, db


@pytest.mark.slow
def test_sigkill_at_20_random_moments_loses_and_repeats_nothing(
    world: tuple[LocalSite, FakeBotApi, dict[str, str], Path], tmp_path: Path
) -> None:
    site, api, env, db = world
    chance = random.Random(int(os.environ.get("WATCHER_CRASH_SEED", "20261120")))
    watcher = Watcher(env, tmp_path / "watcher.log")
    stop_publishing = threading.Event()
    publisher = threading.Thread(target=publish_slowly, args=(site, stop_publishing, 40.0))
    publisher.start()
    try:
        for kill in range(KILLS):
            watcher.start()
            if kill == KILLS // 2:  # a second daemon on the same database must refuse to start
                second_exit = second_daemon(watcher, env, db, tmp_path / "second.log")
            time.sleep(chance.uniform(0.8, 3.0))  # a random moment, not a wait for a condition
            watcher.kill()
        publisher.join(timeout=120)
        watcher.start()
        deadline = time.monotonic() + 90
        while counts(db) != (ITEMS, sum(EXPECTED.values())) and time.monotonic() < deadline:
            time.sleep(0.2)
        shutdown_seconds = watcher.terminate()
    finally:
        stop_publishing.set()
        publisher.join(timeout=5)
        if watcher.process and watcher.process.poll() is None:
            watcher.kill()

    store = Store.open(db)
    urls = Counter(
        row["url"] for item in store.list_items(ItemFilter()) for row in store.item_urls(item.hash)
    )
    outbox = store.outbox_counts()
    sent_by_chat = {chat: 0 for chat in CHATS}
    for row in store.db.query(
        "SELECT s.address, count(*) AS n FROM outbox o JOIN subscribers s ON s.id = o.subscriber_id"
        " WHERE o.status = 'sent' GROUP BY s.address"
    ):
        sent_by_chat[int(row["address"])] = row["n"]
    store.close()

    received: dict[int, Counter[int]] = {chat: Counter() for chat in CHATS}
    for message in api.messages():
        found = re.search(r"ข่าวทดสอบที่ (\d+)", message.text)
        if found and message.chat_id in received:
            received[message.chat_id][int(found.group(1))] += 1
    missing = {chat: EXPECTED[chat] - len(received[chat]) for chat in CHATS}
    repeated = sum(n - 1 for chat in CHATS for n in received[chat].values())
    assert second_exit == 1 and "another `watcher run`" in (tmp_path / "second.log").read_text()
    figures = {
        "kills": KILLS,
        "second_daemon_exit": second_exit,
        "items_stored": len(urls),
        "items_stored_twice": sum(n > 1 for n in urls.values()),
        "alerts_expected": sum(EXPECTED.values()),
        "alerts_marked_sent": sum(sent_by_chat.values()),
        "alerts_missing": sum(missing.values()),
        "alerts_repeated_at_server": repeated,
        "outbox": outbox,
        "shutdown_seconds": round(shutdown_seconds, 2),
    }
    print(json.dumps(figures))
    REPORT.write_text(json.dumps(figures), encoding="utf-8")
    assert len(urls) == ITEMS and figures["items_stored_twice"] == 0
    assert sent_by_chat == EXPECTED
    assert outbox == {"sent": sum(EXPECTED.values())}
    assert missing == {chat: 0 for chat in CHATS}
    assert repeated <= KILLS * len(CHATS)  # at most the sends in flight at each kill
    assert shutdown_seconds <= 10
