"""The bot's self-service: word subscriptions, /preview, /list's buttons, /pause, /quiet,
/weekly, as plain functions (chat + words → replies, state in the store)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.telegram_kit import FakeGazetteer, store_item, subscribe
from watcher.channels.telegram.commands import BotCommands
from watcher.channels.telegram.render import TelegramRenderer
from watcher.core.config import TelegramSettings
from watcher.core.errors import InputError
from watcher.match.subscriptions import (
    PAUSED_BY_SUBSCRIBER,
    QuietHours,
    Subscription,
    parse_quiet_hours,
)
from watcher.store import Store


@pytest.fixture
def commands(store: Store, now: dt.datetime) -> BotCommands:
    settings = TelegramSettings(admin_chat_ids=[1], max_subscriptions=5)
    return BotCommands(
        store, FakeGazetteer(), TelegramRenderer(FakeGazetteer()), settings, lambda: now
    )


def say(commands: BotCommands, chat: int, text: str) -> str:
    command = text.split()[0].lstrip("/")
    return "\n".join(m.plain for m in commands.answer(command, chat, text))


def only(store: Store, chat: int = 7) -> tuple[Subscription, ...]:
    found = store.find_subscriber("telegram", str(chat))
    assert found is not None
    return found.subscriptions


@pytest.mark.parametrize(
    ("typed", "labels", "query", "reply"),
    [
        ('"รถยนต์ไฟฟ้า"', (), "รถยนต์ไฟฟ้า", "Subscribed #1: words: รถยนต์ไฟฟ้า (instant)"),
        (
            'JP "semiconductor OR เซมิคอนดักเตอร์"',
            ("JP",),
            "semiconductor OR เซมิคอนดักเตอร์",
            "Subscribed #1: JP Japan + words: semiconductor OR เซมิคอนดักเตอร์ (instant)",
        ),
        (
            "industry -งบประมาณ",
            ("industry",),
            "-งบประมาณ",
            "Subscribed #1: Ministry of Industry + words: -งบประมาณ (instant)",
        ),
        ("“EV” weekly", (), "EV", "Subscribed #1: words: EV (weekly)"),  # a phone's quotes
        ('"electric vehicle" -budget', (), '"electric vehicle" -budget', None),
        ("EV OR รถยนต์ไฟฟ้า JP", ("JP",), "EV OR รถยนต์ไฟฟ้า", None),
        ("JP OR KR", ("JP", "KR"), None, "Subscribed #1: JP Japan / KR South Korea (instant)"),
        ("South Korea battery", ("KR",), "battery", None),
        ("all daily", (), None, "Subscribed #1: all (daily)"),
    ],
)
def test_subscribe_reads_labels_words_and_a_frequency(
    commands: BotCommands,
    store: Store,
    typed: str,
    labels: tuple[str, ...],
    query: str | None,
    reply: str | None,
) -> None:
    say(commands, 7, "/lang en")
    answer = say(commands, 7, f"/subscribe {typed}")
    if reply is not None:
        assert answer == reply
    (subscription,) = only(store)
    assert (*subscription.countries, *subscription.ministries) == labels
    assert subscription.query == query
    assert subscription.mode == (typed.split()[-1] if typed.endswith("ly") else None)


def test_a_word_found_in_the_news_is_a_query_even_near_a_code(
    commands: BotCommands, store: Store, now: dt.datetime
) -> None:
    """JPN is refused while no item says it; once the news has it, it is a real word; quotes
    make it a word at once."""
    assert say(commands, 7, "/subscribe JPN").startswith("ไม่รู้จัก: JPN (JP?)")
    assert say(commands, 7, '/subscribe "JPN"').startswith("รับข่าวแล้ว #1: คำ: JPN")
    store_item(store, 1, "JP", at=now, title="JPN holdings ลงทุนในไทย")
    assert say(commands, 8, "/subscribe JPN").startswith("รับข่าวแล้ว #1: คำ: JPN")


@pytest.mark.parametrize(
    ("typed", "reply"),
    [
        ('"' + "x" * 201 + '"', "Those words are too long: 201 characters (at most 200)"),
        (" ".join(f"w{n}" for n in range(11)),
         "Too many words (at most 10 terms per subscription)"),
        ("-budget", "No word to look for: give at least one (a word with - in front is one"
         " that must not appear)"),
        ('""', "No word to look for: give at least one (a word with - in front is one"
         " that must not appear)"),
    ],
)  # fmt: skip
def test_a_refused_query_is_one_line_that_names_the_limit(
    commands: BotCommands, store: Store, typed: str, reply: str
) -> None:
    say(commands, 7, "/lang en")
    assert say(commands, 7, f"/subscribe {typed}") == reply
    assert only(store) == ()


def test_the_same_words_again_change_the_frequency_not_the_count(
    commands: BotCommands, store: Store
) -> None:
    say(commands, 7, '/subscribe JP "EV"')
    assert say(commands, 7, "/subscribe JP EV weekly").startswith("รับข่าวแล้ว #1")
    assert say(commands, 7, "/subscribe JP EV") == "รับข่าวแล้ว #1: JP ญี่ปุ่น + คำ: EV (weekly)"
    (subscription,) = only(store)
    assert (subscription.query, subscription.mode) == ("EV", "weekly")


def test_preview_counts_the_last_days_and_lists_the_five_newest(
    commands: BotCommands, store: Store, now: dt.datetime
) -> None:
    for number in range(7):
        store_item(store, number, "JP", at=now, title=f"รถยนต์ไฟฟ้า ข่าวที่ {number}")
    store_item(store, 9, "KR", at=now, title="รถยนต์ไฟฟ้า เกาหลี")
    say(commands, 7, "/lang en")
    lines = say(commands, 7, '/preview JP "รถยนต์ไฟฟ้า"').splitlines()
    assert lines[0] == (
        "JP Japan + words: รถยนต์ไฟฟ้า: 7 items in the last 30 days would have matched; the newest:"
    )
    assert len([line for line in lines if "thaigov.go.th" in line]) == 5
    assert say(commands, 7, "/preview แบตเตอรี่ days=7") == (
        "words: แบตเตอรี่: nothing in the last 7 days would have matched"
    )
    assert say(commands, 7, "/preview JP days=400").startswith("days= must be")
    assert say(commands, 7, "/preview JPN").startswith("Unknown: JPN (JP?)")
    assert only(store) == ()  # a preview subscribes nothing


def test_list_shows_each_subscription_with_its_buttons(commands: BotCommands, store: Store) -> None:
    say(commands, 7, "/subscribe JP")
    say(commands, 7, '/subscribe "รถยนต์ไฟฟ้า" weekly')
    heading, first, second = commands.answer("list", 7, "/list")
    assert heading.buttons == ()
    assert first.plain == "1. JP ญี่ปุ่น (instant)"
    assert second.plain == "2. คำ: รถยนต์ไฟฟ้า (weekly)"
    sid = only(store)[1].id
    assert second.buttons == (
        (("ทันที", f"sub:{sid}:instant"), ("รายวัน", f"sub:{sid}:daily"),
         ("• รายสัปดาห์", f"sub:{sid}:weekly")),
        (("⏸ หยุด", f"sub:{sid}:pause"), ("✖ ลบ", f"sub:{sid}:remove")),
    )  # fmt: skip


def test_a_press_changes_only_a_subscription_of_that_chat(
    commands: BotCommands, store: Store
) -> None:
    say(commands, 7, "/subscribe JP")
    say(commands, 8, "/subscribe KR")
    (mine,), (theirs,) = only(store, 7), only(store, 8)
    pressed = commands.press(7, f"sub:{mine.id}:daily")
    assert pressed.notice == "ส่งในสรุปรายวัน"
    assert pressed.edited is not None and pressed.edited.plain == "1. JP ญี่ปุ่น (daily)"
    assert only(store, 7)[0].mode == "daily"
    assert commands.press(7, f"sub:{mine.id}:daily").edited is None  # nothing changed
    paused = commands.press(7, f"sub:{mine.id}:pause").edited
    assert paused is not None and paused.plain == "1. JP ญี่ปุ่น (daily, หยุดชั่วคราว)"
    assert only(store, 7)[0].paused
    for forged in (f"sub:{theirs.id}:remove", "sub:99:remove", f"sub:{mine.id}:explode", "x"):
        outcome = commands.press(7, forged)
        assert outcome.edited is None and outcome.notice.startswith("ปุ่มนี้ใช้ไม่ได้แล้ว")
    assert only(store, 8) == (theirs,)
    assert commands.press(7, f"sub:{mine.id}:remove").notice == "ลบแล้ว: JP ญี่ปุ่น"
    assert only(store, 7) == ()
    assert commands.press(7, f"sub:{mine.id}:resume").edited is None  # stale: it is gone


def test_pause_by_the_chat_outlasts_its_next_message(
    commands: BotCommands, store: Store, now: dt.datetime
) -> None:
    """A 403 pause ends when the chat writes (it is reachable); a /pause ends only by /resume."""
    sid = subscribe(store, 7, "JP", at=now)
    assert say(commands, 7, "/pause").startswith("หยุดส่งข่าว")
    assert say(commands, 7, "/subscribe KR").splitlines()[1] == ("คุณหยุดรับข่าวไว้ (/resume เพื่อรับต่อ)")
    subscriber = store.get_subscriber(sid)
    assert subscriber is not None and subscriber.paused_reason == PAUSED_BY_SUBSCRIBER
    assert not subscriber.wants_instant
    assert "คุณหยุดรับข่าวไว้" in say(commands, 7, "/list")
    assert say(commands, 7, "/resume") == "กลับมาส่งข่าวให้แล้ว"
    assert store.get_subscriber(sid).paused_reason is None  # type: ignore[union-attr]
    assert say(commands, 7, "/resume").startswith("ไม่ได้หยุดอยู่")


def test_quiet_hours_and_the_weekly_day(commands: BotCommands, store: Store) -> None:
    say(commands, 7, "/lang en")
    say(commands, 7, "/subscribe JP weekly")
    assert say(commands, 7, "/quiet 22:00-07:00") == (
        "Quiet hours 22:00–07:00 (Bangkok time): instant alerts are held until 07:00"
    )
    assert say(commands, 7, "/quiet 23:30 - 6:00 silent").endswith("without a sound")
    subscriber = store.find_subscriber("telegram", "7")
    assert subscriber is not None and subscriber.quiet == QuietHours("23:30", "06:00", "silent")
    assert say(commands, 7, "/quiet 25:00-07:00").startswith("Usage: /quiet")
    heading = commands.answer("list", 7, "/list")[0].plain.splitlines()
    assert heading[1:] == [
        "Quiet hours 23:30–06:00 (silent)",
        "Weekly digest: every Monday at 07:30",
    ]
    assert say(commands, 7, "/quiet off") == "Quiet hours are off"
    assert say(commands, 7, "/weekly fri 8:00") == (
        "Weekly digest: every Friday at 08:00 (Bangkok time), for subscriptions set to weekly"
    )
    assert say(commands, 7, "/weekly วันจันทร์").startswith("Weekly digest: every Monday at 08:00")
    assert say(commands, 7, "/weekly someday").startswith("Usage: /weekly")
    subscriber = store.find_subscriber("telegram", "7")
    assert subscriber is not None
    assert (subscriber.quiet, subscriber.weekly_day, subscriber.weekly_time) == (None, 0, "08:00")
    heading = commands.answer("list", 7, "/list")[0].plain.splitlines()
    assert heading[1:] == ["Weekly digest: every Monday at 08:00"]


def test_quiet_hours_parse_once_for_the_bot_and_the_cli() -> None:
    assert parse_quiet_hours("22:00–7:00", "silent") == QuietHours("22:00", "07:00", "silent")
    assert parse_quiet_hours("OFF") is None
    for bad in ("22:00", "07:00-07:00", "night"):
        with pytest.raises(InputError):
            parse_quiet_hours(bad)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_help_names_every_command(commands: BotCommands, lang: str) -> None:
    from watcher.channels.telegram.commands import COMMANDS

    text = commands.renderer.help_text(lang)
    missing = [c for c in COMMANDS if f"/{c}" not in text and c not in ("start", "help", "stats")]
    assert missing == []


@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_rarer_replies_read_as_meant(commands: BotCommands, store: Store, lang: str) -> None:
    say(commands, 7, f"/lang {lang}")
    say(commands, 7, "/subscribe JP")
    (mine,) = only(store)
    pinned = commands.press(7, f"sub:{mine.id}:instant")  # the chat's mode, now its own
    assert pinned.edited is None and only(store)[0].mode == "instant"
    assert commands.press(7, f"sub:{mine.id}:instant").notice == {
        "th": "ไม่มีอะไรเปลี่ยน", "en": "Nothing to change"}[lang]  # fmt: skip
    refused = say(commands, 7, '/subscribe "EV" OR')  # the parser's reason, in one line
    prefix = {"th": "อ่านคำที่ติดตามไม่ได้: ", "en": "Those words cannot be read: "}[lang]
    assert refused.startswith(prefix) and "OR" in refused and "\n" not in refused
    usage = {"th": "ใช้: /preview", "en": "Usage: /preview"}[lang]
    assert say(commands, 7, "/preview").startswith(usage)
