"""Quiet hours through the real Bot API stand-in, on the sender's clock: `silent` sends with
disable_notification, `hold` sends only once the window is over, across a restart (a new
sender on the same database), never twice."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.botapi import FakeBotApi
from tests.telegram_kit import bot_api, fast_channel, store_item, subscribe
from watcher.channels.outbox import OutboxSender
from watcher.match.subscriptions import QuietHours
from watcher.store import Store

__all__ = ["bot_api"]

TZ = ZoneInfo("Asia/Bangkok")
CHAT = 300


def bangkok(hour: int, minute: int = 0, day: int = 19) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=TZ)


async def drain(store: Store, api: FakeBotApi, at: dt.datetime) -> str:
    """One pass of a fresh sender (as after a restart) whose clock reads `at`."""
    async with fast_channel(api) as channel:
        sender = OutboxSender(store, channel, tz=TZ, clock=lambda: at)
        return (await sender.drain()).line()


def test_silent_quiet_hours_send_without_a_sound(store: Store, bot_api: FakeBotApi) -> None:
    sid = subscribe(store, CHAT, "JP", at=bangkok(22))
    store.set_quiet_hours(sid, QuietHours("22:00", "07:00", "silent"))
    store_item(store, 1, "JP", at=bangkok(23, 30))
    assert asyncio.run(drain(store, bot_api, bangkok(23, 30))) == "1 sent"
    store_item(store, 2, "JP", at=bangkok(7, 30, day=20))
    assert asyncio.run(drain(store, bot_api, bangkok(7, 30, day=20))) == "1 sent"
    night, morning = bot_api.messages(CHAT)
    assert night.disable_notification and "ครั้งที่ 1" in night.text
    assert not morning.disable_notification and "ครั้งที่ 2" in morning.text


def test_held_alerts_go_when_the_window_ends_across_a_restart(
    bot_api: FakeBotApi, tmp_path: Path
) -> None:
    path = tmp_path / "watcher.db"
    store = Store.open(path)
    sid = subscribe(store, CHAT, "JP", at=bangkok(22))
    store.set_quiet_hours(sid, QuietHours("22:00", "07:00", "hold"))
    store_item(store, 1, "JP", at=bangkok(23, 30))
    assert asyncio.run(drain(store, bot_api, bangkok(23, 30))) == "1 held"
    store.close()  # the daemon stops inside the window

    store = Store.open(path)
    try:
        assert asyncio.run(drain(store, bot_api, bangkok(3, 0, day=20))) == "nothing due"
        assert asyncio.run(drain(store, bot_api, bangkok(6, 59, day=20))) == "nothing due"
        assert bot_api.messages(CHAT) == []
        assert asyncio.run(drain(store, bot_api, bangkok(7, 0, day=20))) == "1 sent"
        assert asyncio.run(drain(store, bot_api, bangkok(7, 5, day=20))) == "nothing due"
        (alert,) = bot_api.messages(CHAT)
        assert "ครั้งที่ 1" in alert.text and not alert.disable_notification
        assert store.outbox_counts() == {"sent": 1}
    finally:
        store.close()
