"""Digests: grouped, numbered, split under 4096 characters at item boundaries, sent once."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from zoneinfo import ZoneInfo

from tests.botapi import FakeBotApi, html_problem, utf16_length, visible_text
from tests.telegram_kit import FakeGazetteer, bot_api, fast_channel, store_item
from watcher.channels.digest import build_digest
from watcher.channels.outbox import DrainReport, OutboxSender
from watcher.channels.telegram.render import MESSAGE_LIMIT, TelegramRenderer
from watcher.match.subscriptions import Subscription
from watcher.store import Store

__all__ = ["bot_api"]

TZ = ZoneInfo("Asia/Bangkok")
DAY = dt.date(2026, 11, 19)
# Long Thai titles with marks above and below, so a careless cut would split a cluster.
TITLE = "รัฐมนตรีว่าการกระทรวงอุตสาหกรรมนำคณะผู้แทนไทยเยือนญี่ปุ่นเพื่อหารือความร่วมมือด้าน" * 3


def forty_items(store: Store, at: dt.datetime) -> None:
    for number in range(40):
        country = ("JP", "KR", "JP", "ASEAN")[number % 4]
        countries = (country,) if country != "ASEAN" else ()
        store_item(store, number, *countries, at=at, alert=False, title=f"{TITLE} {number + 1}")


def daily_subscriber(store: Store, at: dt.datetime, lang: str = "th") -> int:
    subscriber = store.add_subscriber("telegram", "500", mode="daily", lang=lang, at=at)
    store.add_subscription(subscriber.id, Subscription(everything=True))
    return subscriber.id


def test_a_40_item_day_splits_at_item_boundaries(store: Store, now: dt.datetime) -> None:
    forty_items(store, now)
    subscriber = store.get_subscriber(daily_subscriber(store, now))
    assert subscriber is not None
    digest = build_digest(store, subscriber, DAY, TZ)
    assert digest.count == 40
    parts = TelegramRenderer(FakeGazetteer()).digest(digest)
    assert len(parts) > 1
    numbers: list[int] = []
    for part in parts:
        assert html_problem(part.html) is None
        assert utf16_length(part.html) <= MESSAGE_LIMIT
        assert utf16_length(part.plain) <= MESSAGE_LIMIT
        shown = visible_text(part.html, "HTML")
        assert shown.startswith("📰 สรุปข่าวประจำวัน")
        lines = [line for line in shown.splitlines() if re.match(r"^\d+\. ", line)]
        assert lines and all(TITLE in line for line in lines)  # whole items only
        numbers += [int(line.split(".")[0]) for line in lines]
    assert numbers == list(range(1, 41))
    assert "(ต่อ)" in visible_text(parts[1].html, "HTML")  # a section carried over is marked


def test_digest_groups_by_country_then_ministry(store: Store, now: dt.datetime) -> None:
    forty_items(store, now)
    subscriber = store.get_subscriber(daily_subscriber(store, now, lang="en"))
    assert subscriber is not None
    parts = TelegramRenderer(FakeGazetteer()).digest(build_digest(store, subscriber, DAY, TZ))
    text = "\n".join(visible_text(p.html, "HTML") for p in parts)
    japan, korea, none = (
        text.index("Japan (JP)"),
        text.index("South Korea (KR)"),
        text.index("No partner country"),
    )
    assert japan < korea < none
    assert "Ministry of Foreign Affairs" in text


def drain(store: Store, server: FakeBotApi, at: dt.datetime) -> DrainReport:
    async def run() -> DrainReport:
        async with fast_channel(server) as channel:
            return await OutboxSender(store, channel, tz=TZ, clock=lambda: at).drain()

    return asyncio.run(run())


def test_a_digest_interrupted_by_429_resumes_after_the_last_accepted_part(
    store: Store, bot_api: FakeBotApi, now: dt.datetime
) -> None:
    forty_items(store, now)
    sid = daily_subscriber(store, now)
    store.queue_digest(sid, DAY.isoformat(), now)
    bot_api.fail("429", chat_id=500, retry_after=5, after=1)  # the second part is refused
    assert drain(store, bot_api, now).counts == {"retried": 1}
    first = bot_api.texts(500)
    assert len(first) == 1
    assert drain(store, bot_api, now + dt.timedelta(hours=1)).counts == {"sent": 1}
    texts = bot_api.texts(500)
    assert texts[0] == first[0] and len(texts) == len(set(texts)) >= 3
    assert store.sent_digest(sid, DAY.isoformat())


def test_an_empty_day_sends_nothing(store: Store, bot_api: FakeBotApi, now: dt.datetime) -> None:
    sid = daily_subscriber(store, now)
    store.queue_digest(sid, DAY.isoformat(), now)
    assert drain(store, bot_api, now).counts == {"skipped": 1}
    assert bot_api.messages() == []
