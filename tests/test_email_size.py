"""Digest size: a day too big for one e-mail goes in parts under the server's advertised SIZE
(aiosmtpd with a data size limit) or the configured cap, and a size refusal (552) fails that
one message only: the other subscribers get theirs and nobody is paused."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from tests.mailroom import BANGKOK, DAY, add_item, add_subscriber, environment
from tests.smtp import SmtpServer, serve_smtp, smtp_server
from watcher.channels.digest import build_digest
from watcher.channels.email.send import EmailChannel
from watcher.channels.outbox import DrainReport, OutboxSender
from watcher.core.config import Config, EmailSettings
from watcher.store import Store

__all__ = ["smtp_server"]

MORNING = dt.datetime(2026, 11, 20, 7, 0, tzinfo=BANGKOK)
LIMIT = 150_000
BODY = "รัฐบาลไทยและญี่ปุ่นหารือความร่วมมือด้านอุตสาหกรรมยานยนต์ไฟฟ้าและการลงทุน " * 10


@pytest.fixture
def small_smtp() -> Iterator[SmtpServer]:
    yield from serve_smtp(data_size_limit=LIMIT)


def big_day(store: Store, count: int = 150) -> None:
    for number in range(count):
        add_item(store, f"ข่าวญี่ปุ่นที่ {number:03d}", countries=("JP",), body=BODY)


def queue_all(store: Store) -> None:
    for subscriber in store.subscribers("email"):
        store.queue_digest(subscriber.id, DAY.isoformat(), MORNING)


def drain(store: Store, server: SmtpServer, config: Config) -> DrainReport:
    async def run() -> DrainReport:
        async with EmailChannel.from_settings(config, environment(server)) as channel:
            sender = OutboxSender(store, channel, tz=BANGKOK, clock=lambda: MORNING)
            return await sender.drain()

    return asyncio.run(run())


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_a_digest_over_the_servers_size_goes_in_parts_under_it(
    store: Store, small_smtp: SmtpServer
) -> None:
    big_day(store)
    add_subscriber(store, "big@example.org", countries=("JP",))
    add_subscriber(store, "small@example.org", countries=("KR",))
    add_item(store, "ข่าวเกาหลี", countries=("KR",))
    queue_all(store)
    report = drain(store, small_smtp, Config())
    assert report.counts == {"sent": 2}
    big = [m for m in small_smtp.messages if m.rcpt_tos == ("big@example.org",)]
    assert len(big) > 1 and all(len(m.data) <= LIMIT for m in big)
    subjects = [str(m.message["Subject"]) for m in big]
    assert subjects[0].endswith(f"(1/{len(big)})") and subjects[-1].endswith(
        f"({len(big)}/{len(big)})"
    )
    shown = "".join(text_of(m.message) for m in big)
    subscriber = store.find_subscriber("email", "big@example.org")
    assert subscriber is not None
    titles = [item.title for item in build_digest(store, subscriber, DAY, BANGKOK).items]
    listed = [line for line in shown.splitlines() if line.startswith("* ")]
    assert len(titles) > 100 and sorted(listed) == sorted(f"* {title}" for title in titles)
    assert not small_smtp.refusals
    [small] = [m for m in small_smtp.messages if m.rcpt_tos == ("small@example.org",)]
    assert "ข่าวเกาหลี" in text_of(small.message)


def test_the_configured_cap_splits_when_the_server_says_nothing(
    store: Store, smtp_server: SmtpServer
) -> None:
    big_day(store, 60)
    add_subscriber(store, "big@example.org", countries=("JP",))
    queue_all(store)
    config = Config(email=EmailSettings(max_message_bytes=100_000))
    assert drain(store, smtp_server, config).counts == {"sent": 1}
    assert len(smtp_server.messages) > 1
    assert all(len(m.data) <= 100_000 for m in smtp_server.messages)


def test_a_552_after_data_without_size_splits_the_digest_under_the_refused_size(
    store: Store, smtp_server: SmtpServer
) -> None:
    """The server never advertised SIZE and refuses after DATA: the digest is split under the
    refused size and every item still arrives (issue 27, #9); nobody is paused."""
    big_day(store, 60)
    add_subscriber(store, "big@example.org", countries=("JP",))
    add_subscriber(store, "small@example.org", countries=("KR",))
    add_item(store, "ข่าวเกาหลี", countries=("KR",))
    queue_all(store)
    smtp_server.program.refuse_over = 50_000  # refused after DATA, never advertised
    report = drain(store, smtp_server, Config())
    assert report.counts == {"sent": 2}
    big = [m for m in smtp_server.messages if m.rcpt_tos == ("big@example.org",)]
    assert len(big) > 1 and all(len(m.data) <= 50_000 for m in big)
    assert str(big[-1].message["Subject"]).endswith(f"({len(big)}/{len(big)})")
    listed = [line for m in big for line in text_of(m.message).splitlines() if line[:2] == "* "]
    assert len(listed) == 60 and len(set(listed)) == 60  # every item, once
    assert [m.rcpt_tos for m in smtp_server.messages].count(("small@example.org",)) == 1
    assert all(s.paused_reason is None for s in store.subscribers("email"))
    assert any(r.startswith("552") for r in smtp_server.refusals)
