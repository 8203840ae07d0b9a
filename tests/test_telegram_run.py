"""`watcher run` end to end: the local site, the poller, the bot's polling and the sender on one
event loop and one APScheduler, with python-telegram-bot talking to the fake Bot API server."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.botapi import TOKEN, FakeBotApi
from tests.site import LocalSite, local_site
from tests.telegram_kit import FakeGazetteer, bot_api
from tests.test_sources import FAST, news_item, sequence_config
from watcher.channels.digest import queue_due_digests
from watcher.channels.telegram.service import HealthWatch, TelegramService, telegram_hooks
from watcher.classify import Classifier, default_gazetteer_dir
from watcher.core.config import Config, Environment, TelegramSettings, WatcherSettings
from watcher.daemon.scheduler import run_daemon
from watcher.store import SourceState, Store

__all__ = ["bot_api", "local_site"]


def run_config(site: LocalSite) -> Config:
    return Config(
        fetch=FAST,
        watcher=WatcherSettings(stop_grace_seconds=5.0),
        telegram=TelegramSettings(per_chat_interval=0.01, drain_interval=0.2),
        sources=(sequence_config(site, interval_seconds=1, jitter_seconds=0),),
    )


def test_subscribe_by_chat_then_one_alert_for_a_new_japan_item(
    local_site: LocalSite, bot_api: FakeBotApi, tmp_path: Path
) -> None:
    local_site.add_items([news_item(n) for n in range(2)], start_id=100)
    store = Store.open(tmp_path / "watcher.db")
    config = run_config(local_site)
    env = Environment(tmp_path / "w.toml", tmp_path / "watcher.db", TOKEN, bot_api.base_url)
    classifier = Classifier.from_dir(default_gazetteer_dir())
    extra_jobs, services = telegram_hooks(store, config, env, classifier)
    cycles: list[Any] = []
    stop = asyncio.Event()

    async def scenario() -> None:
        daemon = asyncio.create_task(
            run_daemon(
                config,
                store,
                classifier,
                extra_jobs=extra_jobs,
                services=services,
                on_report=cycles.append,
                stop=stop,
            )
        )
        try:
            bot_api.user_says(100, "/subscribe JP")
            bot_api.user_says(200, "/subscribe เกาหลีใต้")
            assert await bot_api.until(
                lambda: bool(bot_api.messages(100) and bot_api.messages(200))
            )
            assert await bot_api.until(lambda: len(cycles) >= 1)  # the baseline cycle
            local_site.publish(102, news_item(102))  # about Japan
            assert await bot_api.until_messages(2, chat_id=100)
            seen = len(cycles)
            assert await bot_api.until(lambda: len(cycles) >= seen + 2)  # nothing more comes
        finally:
            stop.set()
            await daemon

    asyncio.run(scenario())
    replies_jp, alert = bot_api.texts(100)
    assert replies_jp.startswith("รับข่าวแล้ว #1: JP ญี่ปุ่น")
    assert "ข่าวที่ 102" in alert and "🇯🇵" in alert
    assert len(bot_api.texts(200)) == 1  # only the reply to /subscribe
    assert store.outbox_counts() == {"sent": 1}
    assert cycles[0].baseline


def test_run_without_a_token_adds_no_telegram_parts(store: Store, tmp_path: Path) -> None:
    env = Environment(tmp_path / "w.toml", tmp_path / "watcher.db")
    assert telegram_hooks(store, Config(), env) == ([], [])


def test_daily_digests_are_queued_once_after_their_time(store: Store) -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Bangkok")
    early = store.add_subscriber("telegram", "1", mode="daily", at=dt.datetime.now(dt.UTC))
    store.update_subscriber(early.id, digest_time="06:00")
    store.add_subscriber("telegram", "2", mode="both", at=dt.datetime.now(dt.UTC))
    store.add_subscriber("telegram", "3", mode="instant", at=dt.datetime.now(dt.UTC))
    at_0700 = dt.datetime(2026, 11, 20, 7, 0, tzinfo=tz)
    assert queue_due_digests(store, "telegram", at_0700, tz, "07:30") == 1  # only the 06:00 one
    assert queue_due_digests(store, "telegram", at_0700, tz, "07:30") == 0  # never twice
    at_0731 = dt.datetime(2026, 11, 20, 7, 31, tzinfo=tz)
    assert queue_due_digests(store, "telegram", at_0731, tz, "07:30") == 1
    rows = store.due_outbox("telegram", at_0731)
    assert {(r.subscriber.address, r.digest_date) for r in rows} == {
        ("1", "2026-11-19"),
        ("2", "2026-11-19"),
    }


def test_source_health_is_told_once_per_episode() -> None:
    watch = HealthWatch(TelegramSettings(health_failures=3, stale_hours=48))
    now = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    failing = SourceState("news", cycles=9, consecutive_failures=3, last_error="HTTP 503")
    stale = SourceState("ministry", cycles=9, last_new_at="2026-11-17T00:00:00+00:00")
    fine = SourceState("other", cycles=9, last_new_at="2026-11-19T23:00:00+00:00")
    news = watch.news([failing, stale, fine], now)
    assert sorted(source for source, _ in news) == ["ministry", "news"]
    assert watch.news([failing, stale, fine], now) == []
    healthy = dataclasses.replace(failing, consecutive_failures=0)
    assert watch.news([healthy, stale], now) == []
    assert [s for s, _ in watch.news([failing, stale], now)] == ["news"]  # a new episode


def test_admin_chats_get_health_alerts(
    store: Store, bot_api: FakeBotApi, tmp_path: Path, now: dt.datetime
) -> None:
    config = Config(telegram=TelegramSettings(admin_chat_ids=[9], per_chat_interval=0.0))
    env = Environment(tmp_path / "w.toml", tmp_path / "db", TOKEN, bot_api.base_url)
    for _ in range(3):
        store.record_cycle("news", at=now, error="FetchError: HTTP 500")
    store.record_cycle(
        "feed", at=now, state="stale", state_detail="selectors stale: x matched nothing"
    )
    service = TelegramService(store, config, env, terms=FakeGazetteer(), clock=lambda: now)

    async def run() -> int:
        await service.start()
        try:
            return await service.check_health()
        finally:
            await service.stop()

    assert asyncio.run(run()) == 2
    texts = bot_api.texts(9)
    assert any("failed 3 cycles" in t for t in texts)
    assert any("selectors stale: x matched nothing" in t and "update" in t for t in texts)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_help_reaches_the_chat_through_polling(
    store: Store, bot_api: FakeBotApi, tmp_path: Path, lang: str
) -> None:
    env = Environment(tmp_path / "w.toml", tmp_path / "db", TOKEN, bot_api.base_url)
    config = Config(telegram=TelegramSettings(per_chat_interval=0.0))
    service = TelegramService(store, config, env, terms=FakeGazetteer())

    async def run() -> None:
        await service.start()
        try:
            bot_api.user_says(5, f"/lang {lang}")
            bot_api.user_says(5, "/help")
            assert await bot_api.until_messages(2, chat_id=5)
        finally:
            await service.stop()

    asyncio.run(run())
    expected = "ทำเนียบรัฐบาล" if lang == "th" else "This bot watches"
    assert expected in bot_api.texts(5)[1]
