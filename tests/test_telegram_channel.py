"""The Telegram channel and the outbox sender against the fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest

from tests.botapi import TOKEN, FakeBotApi
from tests.telegram_kit import bot_api, fast_channel, store_item, subscribe
from watcher.channels.outbox import DrainReport, OutboxSender
from watcher.channels.telegram.send import ChatPacer
from watcher.core.logs import RedactSecrets
from watcher.store import Store

__all__ = ["bot_api"]

TZ = ZoneInfo("Asia/Bangkok")


def drain(
    store: Store,
    server: FakeBotApi,
    clock: Callable[[], dt.datetime],
    **kw: object,
) -> DrainReport:
    async def run() -> DrainReport:
        async with fast_channel(server) as channel:
            sender = OutboxSender(store, channel, tz=TZ, clock=clock, concurrency=8)
            return await sender.drain(**kw)  # type: ignore[arg-type]

    return asyncio.run(run())


def test_alert_reaches_the_matching_chat_only(
    store: Store, bot_api: FakeBotApi, now: dt.datetime
) -> None:
    subscribe(store, 100, "JP", at=now)
    subscribe(store, 200, "KR", at=now)
    store_item(store, 1, "JP", at=now, title="ญี่ปุ่น <script> & “ทุน”")
    report = drain(store, bot_api, lambda: now)
    assert report.counts == {"sent": 1}
    (message,) = bot_api.messages(100)
    assert bot_api.messages(200) == []
    assert message.parse_mode == "HTML"
    assert "&lt;script&gt; &amp;" in message.text
    assert '<a href="https://www.thaigov.go.th/news/contents/details/90001">' in message.text
    shown = bot_api.texts(100)[0]
    assert "🇯🇵 JP" in shown and "«ญี่ปุ่น» → JP ญี่ปุ่น" in shown


def test_429_waits_retry_after_then_sends_once(
    store: Store, bot_api: FakeBotApi, now: dt.datetime
) -> None:
    subscribe(store, 100, "JP", at=now)
    store_item(store, 1, "JP", at=now)
    bot_api.fail("429", chat_id=100, retry_after=30)
    assert drain(store, bot_api, lambda: now).counts == {"retried": 1}
    assert drain(store, bot_api, lambda: now + dt.timedelta(seconds=29)).line() == "nothing due"
    later = now + dt.timedelta(minutes=20)
    assert drain(store, bot_api, lambda: later).counts == {"sent": 1}
    assert len(bot_api.messages(100)) == 1
    assert bot_api.calls["sendMessage"] == 2


def test_403_pauses_the_subscriber_and_keeps_the_rows(
    store: Store, bot_api: FakeBotApi, now: dt.datetime
) -> None:
    blocked = subscribe(store, 100, "JP", at=now)
    subscribe(store, 200, "JP", at=now)
    for number in (1, 2, 3):
        store_item(store, number, "JP", at=now)
    bot_api.fail("403", chat_id=100)
    report = drain(store, bot_api, lambda: now)
    assert report.counts == {"paused": 1, "sent": 3}
    subscriber = store.get_subscriber(blocked)
    assert subscriber is not None and "blocked" in (subscriber.paused_reason or "")
    assert store.outbox_counts() == {"pending": 3, "sent": 3}
    assert drain(store, bot_api, lambda: now).line() == "nothing due"


def test_chat_not_found_also_pauses(store: Store, bot_api: FakeBotApi, now: dt.datetime) -> None:
    subscribe(store, 100, "JP", at=now)
    store_item(store, 1, "JP", at=now)
    bot_api.fail("chat-not-found", chat_id=100)
    assert drain(store, bot_api, lambda: now).counts == {"paused": 1}


def test_parse_error_resends_as_plain_text_once(
    store: Store, bot_api: FakeBotApi, now: dt.datetime
) -> None:
    subscribe(store, 100, "JP", at=now)
    store_item(store, 1, "JP", at=now, title="ข่าว <b>ตัวหนา</b>")
    bot_api.fail("parse", chat_id=100)
    assert drain(store, bot_api, lambda: now).counts == {"sent": 1}
    (message,) = bot_api.messages(100)
    assert message.parse_mode is None
    assert "ข่าว <b>ตัวหนา</b>" in message.text  # the page's text, verbatim
    assert "https://www.thaigov.go.th/news/contents/details/90001" in message.text
    assert bot_api.calls["sendMessage"] == 2


def test_a_plain_resend_that_fails_is_retried_as_plain(
    store: Store, bot_api: FakeBotApi, now: dt.datetime
) -> None:
    subscribe(store, 100, "JP", at=now)
    store_item(store, 1, "JP", at=now)
    bot_api.fail("parse", chat_id=100)
    bot_api.fail("429", chat_id=100)
    assert drain(store, bot_api, lambda: now).counts == {"retried": 1}
    later = now + dt.timedelta(hours=1)
    assert drain(store, bot_api, lambda: later).counts == {"sent": 1}
    assert [m.parse_mode for m in bot_api.messages(100)] == [None]
    assert bot_api.calls["sendMessage"] == 3


def test_connection_reset_retries_with_backoff(
    store: Store, bot_api: FakeBotApi, now: dt.datetime
) -> None:
    subscribe(store, 100, "JP", at=now)
    store_item(store, 1, "JP", at=now)
    bot_api.fail("reset", chat_id=100)
    assert drain(store, bot_api, lambda: now).counts == {"retried": 1}
    assert drain(store, bot_api, lambda: now + dt.timedelta(hours=1)).counts == {"sent": 1}
    assert len(bot_api.messages(100)) == 1


def test_the_token_never_reaches_the_log(
    store: Store, bot_api: FakeBotApi, now: dt.datetime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RedactSecrets())  # as on the daemon's root handler
    subscribe(store, 100, "JP", at=now)
    store_item(store, 1, "JP", at=now)
    store_item(store, 2, "JP", at=now)
    bot_api.fail("reset", chat_id=100)
    drain(store, bot_api, lambda: now)
    drain(store, bot_api, lambda: now + dt.timedelta(hours=1))
    assert len(bot_api.messages(100)) == 2
    assert "sendMessage" in caplog.text  # PTB did log its calls…
    assert TOKEN not in caplog.text  # …but never the token


def test_stop_then_restart_sends_each_of_100_alerts_once(
    bot_api: FakeBotApi, now: dt.datetime, tmp_path: object
) -> None:
    path = f"{tmp_path}/watcher.db"
    store = Store.open(path)
    for chat in range(1, 11):
        subscribe(store, chat, "JP", at=now)
    for number in range(10):
        store_item(store, number, "JP", at=now)  # 10 items x 10 chats = 100 alerts
    stop = asyncio.Event()

    async def first_run() -> DrainReport:
        async with fast_channel(bot_api) as channel:
            sender = OutboxSender(store, channel, tz=TZ, clock=lambda: now, concurrency=10)
            running = asyncio.create_task(sender.drain(limit=1000, stop=stop))
            assert await bot_api.until(lambda: len(bot_api.sent) >= 30)
            stop.set()  # what SIGTERM does: no new sends, the ones under way finish
            return await running

    first = asyncio.run(first_run())
    assert 30 <= first.counts["sent"] < 100
    store.close()
    restarted = Store.open(path)
    second = drain(restarted, bot_api, lambda: now, limit=1000)
    assert first.counts["sent"] + second.counts["sent"] == 100
    sent = [(m.chat_id, m.text) for m in bot_api.messages()]
    assert len(sent) == len(set(sent)) == 100
    assert restarted.outbox_counts() == {"sent": 100}


def test_pacer_keeps_the_chat_interval_and_the_overall_rate() -> None:
    # Small intervals keep the test fast; the slots' spacing is exact, whatever the machine.
    pacer = ChatPacer(500.0, 0.05)

    async def run() -> list[tuple[int, float]]:
        async def send(chat: int) -> tuple[int, float]:
            return chat, await pacer.wait(chat)

        return list(await asyncio.gather(*(send(chat % 20) for chat in range(100))))

    slots = sorted(asyncio.run(run()), key=lambda pair: pair[1])
    times = [slot for _, slot in slots]
    assert all(b - a >= 1 / 500 - 1e-9 for a, b in itertools.pairwise(times))
    for chat in range(20):
        mine = [slot for c, slot in slots if c == chat]
        assert len(mine) == 5
        assert all(b - a >= 0.05 - 1e-9 for a, b in itertools.pairwise(mine))


def test_a_busy_chat_does_not_hold_up_the_others() -> None:
    pacer = ChatPacer(500.0, 0.05)

    async def run() -> tuple[list[float], float]:
        busy = [asyncio.create_task(pacer.wait(1)) for _ in range(4)]
        await asyncio.sleep(0)
        other = await pacer.wait(2)
        return list(await asyncio.gather(*busy)), other

    busy, other = asyncio.run(run())
    assert busy[0] < other < busy[1]
