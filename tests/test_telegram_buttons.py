"""/list's inline buttons through python-telegram-bot and real HTTP to the Bot API stand-in:
each press is answered, changes the stored subscription and edits the message to show it;
forged or stale callback data changes nothing and says so."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.botapi import TOKEN, FakeBotApi, SentMessage, visible_text
from tests.telegram_kit import FakeGazetteer, bot_api
from watcher.channels.telegram.service import TelegramService
from watcher.core.config import Config, Environment, TelegramSettings
from watcher.match.subscriptions import Subscription
from watcher.store import Store

__all__ = ["bot_api"]

CHAT, OTHER = 5, 6
STALE = "ปุ่มนี้ใช้ไม่ได้แล้ว (รายการถูกลบหรือเปลี่ยนไป): ส่ง /list ใหม่"


def service_for(store: Store, api: FakeBotApi, tmp_path: Path) -> TelegramService:
    env = Environment(tmp_path / "w.toml", tmp_path / "db", TOKEN, api.base_url)
    config = Config(telegram=TelegramSettings(per_chat_interval=0.0))
    return TelegramService(store, config, env, terms=FakeGazetteer())


def button(message: SentMessage, action: str) -> str:
    """The callback data of the button whose data ends with `:action`."""
    assert message.reply_markup is not None, message
    for row in message.reply_markup["inline_keyboard"]:
        for key in row:
            if key["callback_data"].endswith(f":{action}"):
                return str(key["callback_data"])
    raise AssertionError(f"no {action} button in {message.reply_markup}")


def subscription(store: Store, chat: int = CHAT) -> Subscription | None:
    found = store.find_subscriber("telegram", str(chat))
    assert found is not None
    return found.subscriptions[0] if found.subscriptions else None


def test_each_button_changes_the_stored_subscription(
    store: Store, bot_api: FakeBotApi, tmp_path: Path
) -> None:
    service = service_for(store, bot_api, tmp_path)
    seen: list[tuple[str | None, bool | None, str]] = []

    async def press(card: SentMessage, data: str) -> None:
        answered, edited = len(bot_api.answers), len(bot_api.edits)
        bot_api.user_presses(card, data)
        assert await bot_api.until(lambda: len(bot_api.answers) > answered)
        if not data.endswith(":remove"):
            assert await bot_api.until(lambda: len(bot_api.edits) > edited)

    async def run() -> None:
        await service.start()
        try:
            bot_api.user_says(CHAT, '/subscribe JP "EV"')
            assert await bot_api.until_messages(1, chat_id=CHAT)
            bot_api.user_says(CHAT, "/list")
            assert await bot_api.until_messages(3, chat_id=CHAT)
            card = bot_api.messages(CHAT)[2]
            for action in ("weekly", "daily", "instant", "pause", "resume"):
                await press(card, button(bot_api.current(card), action))
                now = subscription(store)
                assert now is not None
                seen.append((now.mode, now.paused, bot_api.answers[-1]["text"]))
            await press(card, button(bot_api.current(card), "remove"))
            assert await bot_api.until(lambda: len(bot_api.edits) == 6)
        finally:
            await service.stop()

    asyncio.run(run())
    assert seen == [
        ("weekly", False, "ส่งในสรุปรายสัปดาห์"),
        ("daily", False, "ส่งในสรุปรายวัน"),
        ("instant", False, "แจ้งทันที"),
        ("instant", True, "หยุดรายการนี้แล้ว"),
        ("instant", False, "รับรายการนี้ต่อแล้ว"),
    ]
    assert subscription(store) is None
    shown = [visible_text(e.text or "", "HTML") for e in bot_api.edits]
    assert shown[0] == "1. JP ญี่ปุ่น + คำ: EV (weekly)"
    assert shown[3] == "1. JP ญี่ปุ่น + คำ: EV (instant, หยุดชั่วคราว)"
    assert shown[5] == "ลบแล้ว: JP ญี่ปุ่น + คำ: EV"
    assert bot_api.edits[3].reply_markup is not None  # a paused one offers Resume
    assert "▶ รับต่อ" in str(bot_api.edits[3].reply_markup)
    assert bot_api.edits[5].reply_markup is None  # a removed one has no buttons left
    assert bot_api.calls["answerCallbackQuery"] == 6


def test_forged_or_stale_presses_change_nothing_and_say_so(
    store: Store, bot_api: FakeBotApi, tmp_path: Path
) -> None:
    service = service_for(store, bot_api, tmp_path)

    async def run() -> None:
        await service.start()
        try:
            bot_api.user_says(CHAT, "/subscribe JP")
            bot_api.user_says(OTHER, "/subscribe KR")
            assert await bot_api.until(
                lambda: bool(bot_api.messages(CHAT) and bot_api.messages(OTHER))
            )
            bot_api.user_says(OTHER, "/list")
            assert await bot_api.until_messages(3, chat_id=OTHER)
            theirs = subscription(store, CHAT)
            assert theirs is not None
            card = bot_api.messages(OTHER)[2]
            for forged in (f"sub:{theirs.id}:remove", "sub:99999:weekly", "sub:1:explode", "x"):
                bot_api.user_presses(card, forged)
            assert await bot_api.until(lambda: len(bot_api.answers) == 4)
            bot_api.user_says(OTHER, "/unsubscribe all")
            assert await bot_api.until_messages(4, chat_id=OTHER)
            bot_api.user_presses(card, button(card, "daily"))  # its subscription is gone
            assert await bot_api.until(lambda: len(bot_api.answers) == 5)
        finally:
            await service.stop()

    asyncio.run(run())
    assert [a["text"] for a in bot_api.answers] == [STALE] * 5
    assert bot_api.edits == []
    assert subscription(store, CHAT) == Subscription(countries=("JP",), id=1)
    assert subscription(store, OTHER) is None


def test_a_press_answered_too_late_still_changes_and_shows(
    store: Store, bot_api: FakeBotApi, tmp_path: Path
) -> None:
    """Telegram refuses an answer after ~15 s ("query is too old"); the change still holds
    and the message still shows it."""
    service = service_for(store, bot_api, tmp_path)
    bot_api.fail("chat-not-found", method="answerCallbackQuery")

    async def run() -> None:
        await service.start()
        try:
            bot_api.user_says(CHAT, "/subscribe JP")
            bot_api.user_says(CHAT, "/list")
            assert await bot_api.until_messages(3, chat_id=CHAT)
            card = bot_api.messages(CHAT)[2]
            bot_api.user_presses(card, button(card, "weekly"))
            assert await bot_api.until(lambda: len(bot_api.edits) == 1)
        finally:
            await service.stop()

    asyncio.run(run())
    assert bot_api.answers == [] and bot_api.calls["answerCallbackQuery"] == 1
    found = subscription(store)
    assert found is not None and found.mode == "weekly"
