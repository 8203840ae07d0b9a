"""The bot's commands as plain functions: chat + words → replies, state in the store."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.telegram_kit import FakeGazetteer, store_item, subscribe
from watcher.channels.telegram.commands import MAX_INPUT, BotCommands
from watcher.channels.telegram.render import TelegramRenderer
from watcher.core.config import TelegramSettings
from watcher.store import Store


@pytest.fixture
def commands(store: Store, now: dt.datetime) -> BotCommands:
    settings = TelegramSettings(admin_chat_ids=[1], max_subscriptions=3)
    return BotCommands(
        store, FakeGazetteer(), TelegramRenderer(FakeGazetteer()), settings, lambda: now
    )


def say(commands: BotCommands, chat: int, text: str) -> str:
    command = text.split()[0].lstrip("/")
    return "\n".join(m.plain for m in commands.answer(command, chat, text))


def test_subscribe_mixes_codes_and_thai_or_english_names(
    commands: BotCommands, store: Store
) -> None:
    reply = say(commands, 7, "/subscribe ญี่ปุ่น Industry")
    assert reply.startswith("รับข่าวแล้ว #1")
    (subscriber,) = store.subscribers("telegram")
    (subscription,) = subscriber.subscriptions
    assert subscription.countries == ("JP",) and subscription.ministries == ("industry",)
    assert subscriber.address == "7" and subscriber.mode == "instant"
    assert "1. JP ญี่ปุ่น + กระทรวงอุตสาหกรรม" in say(commands, 7, "/list")


def test_multi_word_names_resolve(commands: BotCommands, store: Store) -> None:
    say(commands, 7, "/subscribe South Korea Japan")
    (subscriber,) = store.subscribers("telegram")
    assert subscriber.subscriptions[0].countries == ("JP", "KR")


def test_a_word_that_is_no_code_is_a_word_but_a_near_miss_is_refused(
    commands: BotCommands, store: Store
) -> None:
    """`JP Atlantis` follows the word Atlantis about Japan; `JPN` is a typo of JP (nothing
    stored, the reply says what it probably meant and how to follow it as a word)."""
    assert say(commands, 7, "/subscribe JP Atlantis").startswith(
        "รับข่าวแล้ว #1: JP ญี่ปุ่น + คำ: Atlantis (instant)"
    )
    reply = say(commands, 8, "/subscribe JPN")
    assert reply.startswith("ไม่รู้จัก: JPN (JP?)") and reply.endswith('"JPN"')
    assert store.find_subscriber("telegram", "8") is None


def test_subscribe_all_and_the_cap(commands: BotCommands, store: Store) -> None:
    for term in ("all", "JP", "KR"):
        say(commands, 7, f"/subscribe {term}")
    say(commands, 7, "/subscribe JP")  # the same again: no new row
    assert "3" in say(commands, 7, "/subscribe ASEAN")  # the cap of 3
    (subscriber,) = store.subscribers("telegram")
    assert [s.describe() for s in subscriber.subscriptions] == ["all", "JP", "KR"]


def test_unsubscribe_by_number_and_all(commands: BotCommands, store: Store) -> None:
    say(commands, 7, "/subscribe JP")
    say(commands, 7, "/subscribe KR")
    assert "9" in say(commands, 7, "/unsubscribe 9")
    say(commands, 7, "/unsubscribe 1")
    (subscriber,) = store.subscribers("telegram")
    assert [s.describe() for s in subscriber.subscriptions] == ["KR"]
    say(commands, 7, "/unsubscribe all")
    assert store.subscribers("telegram")[0].subscriptions == ()


def test_mode_digest_time_and_lang(commands: BotCommands, store: Store) -> None:
    say(commands, 7, "/mode both")
    say(commands, 7, "/digest_time 6:05")
    assert say(commands, 7, "/digest_time 25:00").startswith("ใช้")
    assert say(commands, 7, "/mode hourly").startswith("ใช้")
    assert say(commands, 7, "/lang en") == "Language: English"
    (subscriber,) = store.subscribers("telegram")
    assert (subscriber.mode, subscriber.digest_time, subscriber.lang) == ("both", "06:05", "en")
    assert "This bot watches" in say(commands, 7, "/help")


def test_help_in_thai_by_default(commands: BotCommands) -> None:
    assert "ทำเนียบรัฐบาล" in say(commands, 7, "/start")


def test_start_tells_the_chat_its_id_for_subscribers_add(commands: BotCommands) -> None:
    """A user finds the id an operator needs (`watcher subscribers add --telegram ID`)."""
    lines = say(commands, -100123, "/start").splitlines()
    assert lines[-1] == (
        "รหัสแชตนี้: -100123 (ผู้ดูแลเพิ่มได้ด้วย watcher subscribers add --telegram -100123)"
    )
    say(commands, 7, "/lang en")
    assert say(commands, 7, "/start").splitlines()[-1] == (
        "This chat's id: 7 (an operator adds it with watcher subscribers add --telegram 7)"
    )
    assert "This chat's id" not in say(commands, 7, "/help")


def test_a_paused_chat_that_writes_again_is_resumed(
    commands: BotCommands, store: Store, now: dt.datetime
) -> None:
    sid = subscribe(store, 7, "JP", at=now)
    store.pause_subscriber(sid, "Forbidden: bot was blocked by the user")
    say(commands, 7, "/subscribe KR")
    subscriber = store.get_subscriber(sid)
    assert subscriber is not None and subscriber.paused_reason is None


def test_latest_and_search_follow_the_subscriptions(
    commands: BotCommands, store: Store, now: dt.datetime
) -> None:
    store_item(store, 1, "JP", at=now, title="ญี่ปุ่นลงทุนรถยนต์ไฟฟ้า")
    store_item(store, 2, "KR", at=now, title="เกาหลีใต้ลงทุนแบตเตอรี่")
    assert "/subscribe" in say(commands, 7, "/latest")
    say(commands, 7, "/subscribe JP")
    latest = say(commands, 7, "/latest 5")
    assert "ญี่ปุ่นลงทุน" in latest and "เกาหลีใต้" not in latest
    assert "เกาหลีใต้ลงทุน" in say(commands, 7, "/latest all")
    assert "ไม่พบข่าว" in say(commands, 7, "/search แบตเตอรี่")
    found = say(commands, 7, "/search แบตเตอรี่ all")
    assert "เกาหลีใต้ลงทุนแบตเตอรี่" in found and "https://www.thaigov.go.th" in found


def test_stats_is_for_admins_only(commands: BotCommands) -> None:
    assert "ผู้ดูแล" in say(commands, 7, "/stats")
    assert "Items: 0" in say(commands, 1, "/stats")


def test_absurdly_long_messages_get_a_clear_reply(commands: BotCommands, store: Store) -> None:
    reply = say(commands, 7, "/subscribe " + "JP " * MAX_INPUT)
    assert str(MAX_INPUT) in reply
    assert store.subscribers("telegram") == []


def test_search_syntax_errors_answer_with_usage_not_a_failure(commands: BotCommands) -> None:
    usage = say(commands, 7, "/search")
    assert say(commands, 7, "/search ญี่ปุ่น OR all") == usage
    assert say(commands, 7, "/search - all") == usage
