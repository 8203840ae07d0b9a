"""Subscriptions in a subscriber's own words: matching, frequency, quiet hours, resume, CLI.

The boundaries are real: alerts leave through the Bot API stand-in on 127.0.0.1 and weekly
digests through an aiosmtpd server; the store is SQLite.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.botapi import FakeBotApi
from tests.mailroom import BANGKOK, add_item, environment
from tests.smtp import SmtpServer, serve_smtp
from tests.telegram_kit import bot_api, fast_channel
from watcher.channels.outbox import OutboxSender
from watcher.cli import cli
from watcher.core.config import Config
from watcher.ingest.reader import read_items
from watcher.match.audience import Audience, ItemFacts
from watcher.match.language import fold_text
from watcher.match.subscriptions import QuietHours, Subscriber, Subscription
from watcher.query import search as query
from watcher.store import ItemFilter, Store

__all__ = ["bot_api"]

DEMO_SAMPLE = Path(__file__).resolve().parents[1] / "watcher" / "data" / "demo-sample.jsonl.xz"
AT = dt.datetime(2026, 11, 19, 3, 0, tzinfo=dt.UTC)


def facts(
    text: str, countries: tuple[str, ...] = (), ministries: tuple[str, ...] = ()
) -> ItemFacts:
    lead = ministries[0] if ministries else None
    return ItemFacts(countries, (), ministries, lead, fold_text(text))


def subscriber(*subscriptions: Subscription, number: int = 1, mode: str = "instant") -> Subscriber:
    return Subscriber(number, "telegram", str(number), mode=mode, subscriptions=subscriptions)


JP, INDUSTRY = ("JP",), ("industry",)
CASES = {  # id: (subscription, item text, item countries, item ministries, matches)
    "EV-word": (Subscription(query="EV"), "Thailand's EV plan", (), (), True),
    "EV-not-in-Development": (Subscription(query="EV"), "Social Development Fund", (), (), False),
    "EV-hyphen": (Subscription(query="EV"), "EV-charging stations open", (), (), True),
    "thai-substring": (Subscription(query="รถยนต์ไฟฟ้า"), "การผลิตรถยนต์ไฟฟ้าในประเทศ", (), (), True),
    "prefix": (Subscription(query="semicon*"), "Semiconductor investment", (), (), True),
    "labels-and-words-need-labels": (
        Subscription(countries=JP, query="semiconductor"), "semiconductor talks", (), (), False
    ),
    "labels-and-words": (
        Subscription(countries=JP, query="semiconductor"), "semiconductor talks", JP, (), True
    ),
    "exclusion-only-excludes": (
        Subscription(ministries=INDUSTRY, query="-งบประมาณ"), "อุตสาหกรรม งบประมาณ", (), INDUSTRY,
        False,
    ),
    "words-and-exclusion": (
        Subscription(ministries=INDUSTRY, query="ยานยนต์ -งบประมาณ"), "ยานยนต์ใหม่", (), INDUSTRY,
        True,
    ),
    "phrase-or": (Subscription(query='"rice export" OR ข้าว'), "Rice export rose", (), (), True),
    "phrase-whole": (Subscription(query='"rice export" OR ข้าว'), "rice and export", (), (), False),
    "all": (Subscription(everything=True), "anything", (), (), True),
    "labels-only": (Subscription(countries=("KR",)), "ญี่ปุ่น", JP, (), False),
}  # fmt: skip


@pytest.mark.parametrize(
    ("subscription", "text", "countries", "ministries", "wanted"),
    list(CASES.values()),
    ids=list(CASES),
)
def test_the_index_agrees_with_the_subscription_rule(
    subscription: Subscription,
    text: str,
    countries: tuple[str, ...],
    ministries: tuple[str, ...],
    wanted: bool,
) -> None:
    """The indexed matcher and the plain rule (Subscription.matches) say the same thing."""
    item = facts(text, countries, ministries)
    plain = subscription.matches(countries, (), ministries, item.lead_ministry, item.folded_text)
    indexed = Audience([subscriber(subscription)]).subscribers_for(item)
    assert plain is wanted
    assert bool(indexed) is wanted


def test_ten_thousand_random_subscriptions_agree_with_the_plain_rule() -> None:
    """The index only narrows which subscriptions are evaluated; it never changes an answer."""
    rng = random.Random(24)
    words = ["EV", "ev*", "rice", "ข้าว", "ไฟฟ้า", "รถยนต์", "semiconductor", "ลงทุน", "โควิด"]
    codes = ["JP", "KR", "CN", "US"]
    subscribers = []
    for number in range(1, 2_001):
        chosen = rng.sample(words, rng.randint(0, 2))
        query_text = " OR ".join(chosen) if chosen and rng.random() < 0.5 else " ".join(chosen)
        if chosen and rng.random() < 0.2:
            query_text += " -" + rng.choice(words).rstrip("*")
        sub = Subscription(
            countries=tuple(rng.sample(codes, rng.randint(0 if chosen else 1, 2))),
            query=query_text or None,
        )
        subscribers.append(subscriber(sub, number=number))
    audience = Audience(subscribers)
    texts = ["EV rice ข้าว", "Development of ไฟฟ้า", "semiconductors and EVs", "ลงทุนรถยนต์ไฟฟ้า"]
    for text in texts:
        for countries in ((), ("JP",), ("KR", "US")):
            item = facts(text, countries)
            plain = [
                s for s in subscribers
                if s.matches(countries, (), (), None, item.folded_text, frequency="instant")
            ]  # fmt: skip
            assert audience.subscribers_for(item) == plain, (text, countries)


def test_frequency_is_per_subscription() -> None:
    """'JP instant, rice weekly' is two subscriptions of one subscriber."""
    person = subscriber(
        Subscription(countries=("JP",), id=1), Subscription(query="rice", mode="weekly", id=2)
    )
    assert [s.id for s in person.at("instant")] == [1]
    assert [s.id for s in person.at("weekly")] == [2]
    assert person.at("daily") == ()
    rice = facts("rice exports")
    assert Audience([person], "instant").subscribers_for(rice) == []
    assert Audience([person], "weekly").subscribers_for(rice) == [person]


@pytest.mark.parametrize(
    ("start", "end", "clock", "inside"),
    [("22:00", "07:00", "23:30", True), ("22:00", "07:00", "06:59", True),
     ("22:00", "07:00", "07:00", False), ("12:00", "13:00", "12:30", True),
     ("12:00", "13:00", "13:30", False)],
)  # fmt: skip
def test_quiet_hours_window(start: str, end: str, clock: str, inside: bool) -> None:
    hours, minutes = map(int, clock.split(":"))
    assert QuietHours(start, end).contains(dt.time(hours, minutes)) is inside


def demo_items(limit: int = 300) -> list:  # type: ignore[type-arg]
    return [record.item for record in read_items([DEMO_SAMPLE]) if record.item][:limit]


def test_a_word_subscription_alerts_exactly_what_search_finds(store: Store) -> None:
    """New items, matched when stored, against `watcher search` over the same items."""
    from watcher.classify import Classifier, default_gazetteer_dir, load_gazetteer

    classifier = Classifier(load_gazetteer(default_gazetteer_dir()))
    chats = {"ไฟฟ้า": "101", "ญี่ปุ่น การลงทุน": "102", '"ASEAN" OR อาเซียน -ญี่ปุ่น': "103"}
    for words, chat in chats.items():
        person = store.add_subscriber("telegram", chat, at=AT)
        store.add_subscription(person.id, Subscription(query=words))
    for number, item in enumerate(demo_items(150)):
        labels = classifier.classify(item.title, item.body, item.category).to_json()
        store.add_item(
            item,
            origin="poll",
            seen_at=AT + dt.timedelta(minutes=number),
            labels=labels,
            alert=True,
        )
    for words, chat in chats.items():
        person = store.find_subscriber("telegram", chat)
        assert person is not None
        due = store.due_outbox("telegram", AT + dt.timedelta(days=1), 10_000)
        alerted = {row.item_hash for row in due if row.subscriber.id == person.id}
        found = {hit.item.hash for hit in query.search(store, words, ItemFilter())}
        assert alerted, words
        assert alerted == found, words


def test_a_paused_subscriber_resumes_and_gets_what_is_owed(
    tmp_path: Path, bot_api: FakeBotApi
) -> None:
    """A blocked chat pauses with its alert still queued; the operator's resume delivers it."""
    store = Store.open(tmp_path / "w.db")
    person = store.add_subscriber("telegram", "500", at=AT)
    store.add_subscription(person.id, Subscription(query="ไฟฟ้า"))
    add_item(store, "โรงไฟฟ้าพลังงานแสงอาทิตย์", alert=True)
    bot_api.fail("403", chat_id=500)
    assert drain(store, bot_api, AT) == {"paused": 1}
    assert drain(store, bot_api, AT) == {}

    result = CliRunner().invoke(
        cli, ["--db", str(store.path), "subscribers", "resume", str(person.id)]
    )
    assert result.exit_code == 0, result.output
    assert "resumed subscriber 1 (was: " in result.output
    assert "1 message(s) waiting will be sent" in result.output
    assert drain(store, bot_api, AT) == {"sent": 1}
    assert "โรงไฟฟ้าพลังงานแสงอาทิตย์" in bot_api.texts(500)[0]
    again = CliRunner().invoke(cli, ["--db", str(store.path), "subscribers", "resume", "1"])
    assert again.output == "subscriber 1 is not paused\n"
    store.close()


def drain(store: Store, server: FakeBotApi, at: dt.datetime) -> dict[str, int]:
    async def run() -> dict[str, int]:
        async with fast_channel(server) as channel:
            sender = OutboxSender(store, channel, tz=BANGKOK, clock=lambda: at)
            return dict((await sender.drain()).counts)

    return asyncio.run(run())


def test_quiet_hours_hold_an_alert_to_the_window_end_across_a_restart(
    tmp_path: Path, bot_api: FakeBotApi
) -> None:
    path = tmp_path / "w.db"
    store = Store.open(path)
    person = store.add_subscriber("telegram", "600", at=AT)
    store.add_subscription(person.id, Subscription(query="ไฟฟ้า"))
    store.set_quiet_hours(person.id, QuietHours("22:00", "07:00", "hold"))
    add_item(store, "ค่าไฟฟ้างวดใหม่", alert=True)
    night = dt.datetime(2026, 11, 19, 23, 30, tzinfo=BANGKOK)
    assert drain(store, bot_api, night) == {"held": 1}
    store.close()

    store = Store.open(path)  # a restart inside the window: still held, nothing sent twice
    assert drain(store, bot_api, night + dt.timedelta(hours=1)) == {}
    assert bot_api.messages(600) == []
    morning = dt.datetime(2026, 11, 20, 7, 1, tzinfo=BANGKOK)
    assert drain(store, bot_api, morning) == {"sent": 1}
    assert drain(store, bot_api, morning) == {}
    assert len(bot_api.messages(600)) == 1
    store.close()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from serve_smtp()


def test_a_weekly_email_digest_arrives_on_its_day_with_that_weeks_matches(
    store: Store, smtp: SmtpServer
) -> None:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from watcher.channels.email.jobs import add_email_jobs

    person = store.add_subscriber("email", "desk@example.org", mode="daily", at=AT)
    store.add_subscription(person.id, Subscription(countries=("JP",)))
    store.add_subscription(person.id, Subscription(query="ข้าว", mode="weekly"))
    store.update_subscriber(person.id, weekly_day=4, weekly_time="08:00")  # Friday
    friday = dt.date(2026, 11, 20)
    add_item(store, "ส่งออกข้าวไทยเพิ่มขึ้น", day=friday - dt.timedelta(days=3))
    add_item(store, "ราคาข้าวเปลือกวันนี้", day=friday - dt.timedelta(days=1))
    add_item(store, "ข้าวหอมมะลิเมื่อเดือนก่อน", day=friday - dt.timedelta(days=20))
    add_item(store, "ข้าวของวันศุกร์", day=friday, hour=6)

    def run_at(moment: dt.datetime) -> None:
        jobs = add_email_jobs(
            AsyncIOScheduler(timezone=BANGKOK), store, Config(), environment(smtp),
            clock=lambda: moment,
        )  # fmt: skip
        assert jobs is not None
        asyncio.run(jobs.drain())

    run_at(dt.datetime.combine(friday - dt.timedelta(days=1), dt.time(9), tzinfo=BANGKOK))
    run_at(dt.datetime.combine(friday, dt.time(7, 59), tzinfo=BANGKOK))
    assert smtp.messages == []  # not Friday, then Friday before its time
    run_at(dt.datetime.combine(friday, dt.time(8, 0), tzinfo=BANGKOK))
    run_at(dt.datetime.combine(friday, dt.time(9, 0), tzinfo=BANGKOK))  # once a week
    (received,) = smtp.wait_for(1)
    assert received.rcpt_tos == ("desk@example.org",)
    text = str(received.message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert "Weekly digest" in text and "2026-11-13 – 2026-11-19" in text
    assert "ส่งออกข้าวไทยเพิ่มขึ้น" in text and "ราคาข้าวเปลือกวันนี้" in text
    assert "เมื่อเดือนก่อน" not in text and "ข้าวของวันศุกร์" not in text


def test_cli_word_subscriptions_preview_and_edit(tmp_path: Path) -> None:
    db = str(tmp_path / "w.db")
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--db", db, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    run("import", str(DEMO_SAMPLE))
    added = run("subscribers", "add", "--telegram", "42", "--country", "JP", "--query", "ลงทุน")
    assert added == "subscriber 1 (telegram 42, instant): + JP ลงทุน\n"
    weekly = run("subscribers", "add", "--telegram", "42", "--query", "ข้าว", "--mode", "weekly")
    assert weekly == "subscriber 1 (telegram 42, weekly): + ข้าว\n"
    listed = json.loads(run("subscribers", "list", "--format", "json"))
    assert listed[0]["subscriptions"] == "1: JP ลงทุน; 2: ข้าว (weekly)"

    window = ["--until", "2020-12-31", "--days", "366"]
    shown = run("subscribers", "preview", "--query", "ข้าว", *window)
    assert shown.startswith("ข้าว: ")
    assert "item(s) published 2020-01-01 to 2020-12-31 would have matched; the newest:" in shown
    rows = json.loads(run("subscribers", "preview", "--query", "ข้าว", *window, "--format", "json"))
    count = int(shown.split(": ")[1].split(" ")[0])
    assert 0 < len(rows) == min(5, count)
    searched = json.loads(run("search", "ข้าว", "--since", "2020-01-01", "--until", "2020-12-31",
                              "--limit", "1000", "--format", "json"))  # fmt: skip
    assert len(searched) == count
    assert {row["hash"] for row in rows} <= {row["hash"] for row in searched}
    assert [r["published"] for r in rows] == sorted((r["published"] for r in rows), reverse=True)

    edited = run(
        "subscribers", "edit", "1", "--subscription", "2", "--pause",
        "--quiet", "22:00-07:00", "--quiet-mode", "silent", "--weekly-day", "fri",
    )  # fmt: skip
    assert "weekly on fri; quiet 22:00–07:00 (silent)" in edited
    assert "2: ข้าว (weekly, paused)" in edited


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--query", "x " * 11], "more than 10 terms"),
        (["--query", "ก" * 201], "at most 200"),
        (["--query", "   "], "give at least one word"),
        (["--quiet", "22:00"], "give HH:MM-HH:MM"),
        (["--quiet", "25:00-07:00"], "expected HH:MM"),
    ],
    ids=["terms", "chars", "empty", "quiet-shape", "quiet-clock"],
)
def test_cli_refuses_a_query_or_window_it_cannot_keep_in_one_line(
    tmp_path: Path, args: list[str], line: str
) -> None:
    base = ["--db", str(tmp_path / "w.db"), "subscribers", "add", "--telegram", "7"]
    if args[0] != "--query":
        base += ["--country", "JP"]
    result = CliRunner().invoke(cli, [*base, *args])
    assert result.exit_code == 2
    assert line in result.output
    assert "Traceback" not in result.output


def test_an_edit_of_one_of_several_subscriptions_says_which(tmp_path: Path) -> None:
    db = str(tmp_path / "w.db")
    runner = CliRunner()
    for words in ("ข้าว", "ยาง"):
        runner.invoke(cli, ["--db", db, "subscribers", "add", "--telegram", "9", "--query", words])
    result = runner.invoke(cli, ["--db", db, "subscribers", "edit", "1", "--mode", "daily"])
    assert result.exit_code == 2
    assert "has 2 subscriptions: say which with --subscription ID" in result.output


def test_subscription_dataclass_round_trips_through_the_store(store: Store) -> None:
    person = store.add_subscriber("telegram", "1", at=AT)
    written = Subscription(countries=("JP",), query="EV OR รถยนต์ไฟฟ้า", mode="weekly")
    written = dataclasses.replace(written, id=store.add_subscription(person.id, written))
    (read,) = store.get_subscriber(person.id).subscriptions  # type: ignore[union-attr]
    assert read == written
    version = store.audience_version()
    store.replace_subscription(person.id, dataclasses.replace(read, paused=True))
    assert store.audience_version() > version


def test_an_alert_says_which_of_the_words_it_matched(store: Store, bot_api: FakeBotApi) -> None:
    person = store.add_subscriber("telegram", "700", at=AT)
    store.add_subscription(person.id, Subscription(query="รถยนต์ไฟฟ้า OR แบตเตอรี่"))
    add_item(store, "ส่งเสริมการผลิตรถยนต์ไฟฟ้า", alert=True)
    add_item(store, "ราคาข้าวเปลือก", alert=True)  # matches nothing: no alert
    assert drain(store, bot_api, AT) == {"sent": 1}
    (text,) = bot_api.texts(700)
    assert "ส่งเสริมการผลิตรถยนต์ไฟฟ้า" in text
    assert "«รถยนต์ไฟฟ้า»" in text and "«แบตเตอรี่»" not in text
