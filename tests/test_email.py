"""The e-mail channel against a real SMTP server on 127.0.0.1 (aiosmtpd), through the outbox."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from typing import Any

import pytest

from tests.mailroom import BANGKOK, DAY, add_item, add_subscriber, environment
from tests.smtp import SmtpServer, free_port, serve_smtp
from watcher.channels.email.send import EmailChannel
from watcher.channels.outbox import DrainReport, OutboxSender
from watcher.core.config import Config, EmailSettings, Environment
from watcher.core.errors import ChannelError, ConfigError, DeliveryError
from watcher.store import Store

MORNING = dt.datetime(2026, 11, 20, 7, 0, tzinfo=BANGKOK)


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from serve_smtp()


@pytest.fixture
def clock() -> Clock:
    return Clock(MORNING)


def drain(
    store: Store,
    env: Environment,
    clock: Clock,
    config: Config | None = None,
) -> DrainReport:
    config = config or Config()

    async def run() -> DrainReport:
        async with EmailChannel.from_settings(config, env) as channel:
            sender = OutboxSender(
                store,
                channel,
                tz=BANGKOK,
                send_empty_digest=config.email.send_empty_digest,
                clock=clock,
            )
            return await sender.drain()

    return asyncio.run(run())


def queue(store: Store, *addresses: str, day: dt.date = DAY) -> None:
    for address in addresses:
        found = store.find_subscriber("email", address)
        assert found is not None
        store.queue_digest(found.id, day.isoformat(), MORNING)


def body_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_digest_is_delivered_with_both_parts(store: Store, smtp: SmtpServer, clock: Clock) -> None:
    add_item(store, "ญี่ปุ่นลงทุนโรงงานรถยนต์", countries=["JP"], ministries=["industry"])
    add_item(store, "เกาหลีใต้เยือนไทย", countries=["KR"], ministries=["foreign"])
    add_subscriber(store, "desk@example.org", countries=["JP"])
    queue(store, "desk@example.org")

    assert drain(store, environment(smtp), clock).counts == {"sent": 1}

    (received,) = smtp.wait_for(1)
    assert received.mail_from == "watcher@example.org"
    assert received.rcpt_tos == ("desk@example.org",)
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == "thaigov-watcher: 1 ข่าวใหม่ / new items, 2026-11-19"
    assert message["List-Unsubscribe"] == "<mailto:watcher@example.org?subject=unsubscribe>"
    text = body_text(message)
    html = message.get_body(("html",))
    assert html is not None
    for part in (text, str(html.get_content())):
        assert "ญี่ปุ่นลงทุนโรงงานรถยนต์" in part
        assert "https://www.thaigov.go.th/news/contents/details/" in part
        assert "เกาหลีใต้เยือนไทย" not in part
        assert "mailto:watcher@example.org?subject=unsubscribe" in part
        assert "ญี่ปุ่น (JP)" in part and "กระทรวงอุตสาหกรรม" in part  # gazetteer names
    assert store.sent_digest(1, DAY.isoformat())


def test_message_passes_pythons_email_parser(store: Store, smtp: SmtpServer, clock: Clock) -> None:
    add_item(store, "ข่าว <ญี่ปุ่น> & เกาหลี\r\nX-Injected: yes", countries=["JP"])
    add_subscriber(store, "desk@example.org", countries=["JP"])
    queue(store, "desk@example.org")
    drain(store, environment(smtp), clock)

    (received,) = smtp.wait_for(1)
    message = received.message
    assert not message.defects
    assert all(not part.defects for part in message.walk())
    head = received.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert all(len(line) <= 998 for line in head.split("\r\n"))
    assert message["X-Injected"] is None
    for name in ("From", "To", "Date", "Message-ID", "Subject", "List-Unsubscribe"):
        assert message[name], name
    assert message["Message-ID"].endswith("@example.org>")


def test_each_subscriber_gets_only_their_items(
    store: Store, smtp: SmtpServer, clock: Clock
) -> None:
    add_item(store, "ญี่ปุ่นกับอุตสาหกรรม", countries=["JP"], ministries=["industry"])
    add_item(store, "เกาหลีกับอุตสาหกรรม", countries=["KR"], ministries=["industry"])
    add_item(store, "เกาหลีกับการต่างประเทศ", countries=["KR"], ministries=["foreign"])
    add_item(store, "ญี่ปุ่นของเมื่อวาน", countries=["JP"], day=DAY - dt.timedelta(days=1))
    add_item(store, "ญี่ปุ่นจากการนำเข้า", countries=["JP"], origin="import")
    add_subscriber(store, "jp@example.org", countries=["JP"])
    add_subscriber(store, "kr-industry@example.org", countries=["KR"], ministries=["industry"])
    add_subscriber(store, "industry@example.org", ministries=["industry"])
    queue(store, "jp@example.org", "kr-industry@example.org", "industry@example.org")

    assert drain(store, environment(smtp), clock).counts == {"sent": 3}

    titles = {
        "ญี่ปุ่นกับอุตสาหกรรม",
        "เกาหลีกับอุตสาหกรรม",
        "เกาหลีกับการต่างประเทศ",
        "ญี่ปุ่นของเมื่อวาน",
        "ญี่ปุ่นจากการนำเข้า",
    }
    got = {
        received.rcpt_tos[0]: {t for t in titles if t in body_text(received.message)}
        for received in smtp.wait_for(3)
    }
    assert got == {
        "jp@example.org": {"ญี่ปุ่นกับอุตสาหกรรม"},
        "kr-industry@example.org": {"เกาหลีกับอุตสาหกรรม"},
        "industry@example.org": {"ญี่ปุ่นกับอุตสาหกรรม", "เกาหลีกับอุตสาหกรรม"},
    }


def test_a_drained_digest_is_not_sent_again(store: Store, smtp: SmtpServer, clock: Clock) -> None:
    add_item(store, "ญี่ปุ่นลงทุน", countries=["JP"])
    subscriber = add_subscriber(store, "desk@example.org", countries=["JP"])
    queue(store, "desk@example.org")
    drain(store, environment(smtp), clock)

    assert not store.queue_digest(subscriber.id, DAY.isoformat(), MORNING)
    assert drain(store, environment(smtp), clock).counts == {}
    assert len(smtp.messages) == 1


@pytest.mark.parametrize("stage", ["DATA", "RCPT"])
def test_transient_4xx_retries_with_backoff_then_sends(
    store: Store, smtp: SmtpServer, clock: Clock, stage: str
) -> None:
    add_item(store, "ญี่ปุ่นลงทุน", countries=["JP"])
    add_subscriber(store, "desk@example.org", countries=["JP"])
    queue(store, "desk@example.org")
    smtp.fail_transiently(2, at=stage)
    env = environment(smtp)

    assert drain(store, env, clock).counts == {"retried": 1}
    assert drain(store, env, clock).counts == {}  # not due yet: backing off
    clock.advance(hours=1)
    assert drain(store, env, clock).counts == {"retried": 1}
    clock.advance(hours=1)
    assert drain(store, env, clock).counts == {"sent": 1}

    assert len(smtp.wait_for(1)) == 1
    assert [reply[:3] for reply in smtp.refusals] == ["451" if stage == "DATA" else "450"] * 2
    assert store.outbox_counts() == {"sent": 1}


def test_permanent_5xx_pauses_that_subscriber_only(
    store: Store, smtp: SmtpServer, clock: Clock
) -> None:
    add_item(store, "ญี่ปุ่นลงทุน", countries=["JP"])
    gone = add_subscriber(store, "gone@example.org", countries=["JP"])
    add_subscriber(store, "desk@example.org", countries=["JP"])
    queue(store, "gone@example.org", "desk@example.org")
    smtp.reject("gone@example.org", "550 5.1.1 <gone@example.org>: user unknown")

    assert drain(store, environment(smtp), clock).counts == {"paused": 1, "sent": 1}

    assert [r.rcpt_tos for r in smtp.wait_for(1)] == [("desk@example.org",)]
    paused = store.get_subscriber(gone.id)
    assert paused is not None
    assert paused.paused_reason is not None
    assert "550" in paused.paused_reason and "user unknown" in paused.paused_reason
    assert not paused.wants_daily
    assert drain(store, environment(smtp), clock).counts == {}  # paused: nothing due


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_auth_on_loopback_without_starttls(
    store: Store, clock: Clock, mechanism: str, caplog: pytest.LogCaptureFixture
) -> None:
    other = "PLAIN" if mechanism == "LOGIN" else "LOGIN"
    server = serve_smtp(exclude_auth=(other,))
    smtp = next(server)
    try:
        smtp.require_auth("watcher", "s3cret-pw")
        add_item(store, "ญี่ปุ่นลงทุน", countries=["JP"])
        add_subscriber(store, "desk@example.org", countries=["JP"])
        queue(store, "desk@example.org")
        env = environment(smtp, smtp_user="watcher", smtp_password="s3cret-pw")
        caplog.set_level(logging.DEBUG)

        assert drain(store, env, clock).counts == {"sent": 1}

        (received,) = smtp.wait_for(1)
        assert received.login == "watcher"
        assert smtp.logins == [f"{mechanism} watcher ok"]
        assert "s3cret-pw" not in caplog.text
        assert "s3cret-pw" not in repr(env)
    finally:
        server.close()


def test_refused_login_stops_with_one_line_and_hides_the_password(
    store: Store, smtp: SmtpServer, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    smtp.require_auth("watcher", "right-password")
    add_item(store, "ญี่ปุ่นลงทุน", countries=["JP"])
    subscriber = add_subscriber(store, "desk@example.org", countries=["JP"])
    queue(store, "desk@example.org")
    env = environment(smtp, smtp_user="watcher", smtp_password="wrong-password")
    caplog.set_level(logging.DEBUG)

    with pytest.raises(DeliveryError, match=r"refused the login of 'watcher': 535") as caught:
        drain(store, env, clock)

    assert type(caught.value) is ChannelError  # nobody is to blame: stop, pause no one
    assert "wrong-password" not in str(caught.value) and "wrong-password" not in caplog.text
    found = store.get_subscriber(subscriber.id)
    assert found is not None and found.paused_reason is None
    assert store.outbox_counts() == {"pending": 1}
    assert smtp.messages == []


def test_missing_login_is_reported_not_blamed_on_the_subscriber(
    store: Store, smtp: SmtpServer, clock: Clock
) -> None:
    smtp.require_auth("watcher", "pw")
    add_item(store, "ญี่ปุ่นลงทุน", countries=["JP"])
    add_subscriber(store, "desk@example.org", countries=["JP"])
    queue(store, "desk@example.org")

    with pytest.raises(DeliveryError, match=r"refused the sender .*530"):
        drain(store, environment(smtp), clock)
    assert store.outbox_counts() == {"pending": 1}


def test_starttls_required_but_not_offered_sends_nothing(
    store: Store, smtp: SmtpServer, clock: Clock
) -> None:
    add_item(store, "ญี่ปุ่นลงทุน", countries=["JP"])
    add_subscriber(store, "desk@example.org", countries=["JP"])
    queue(store, "desk@example.org")

    with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
        drain(store, environment(smtp, smtp_tls="starttls"), clock)
    assert smtp.messages == []


def test_unreachable_server_is_transient(store: Store, smtp: SmtpServer, clock: Clock) -> None:
    nobody = dataclasses.replace(
        environment(smtp), smtp_port=free_port("127.0.0.1")
    )  # a port nobody listens on
    add_item(store, "ญี่ปุ่นลงทุน", countries=["JP"])
    add_subscriber(store, "desk@example.org", countries=["JP"])
    queue(store, "desk@example.org")

    assert drain(store, nobody, clock).counts == {"retried": 1}
    (row,) = store.due_outbox("email", clock.now + dt.timedelta(hours=1))
    assert row.attempts == 1


def test_empty_day_is_skipped_unless_configured(
    store: Store, smtp: SmtpServer, clock: Clock
) -> None:
    add_subscriber(store, "skip@example.org", countries=["JP"])
    add_subscriber(store, "send@example.org", countries=["JP"])
    queue(store, "skip@example.org")
    assert drain(store, environment(smtp), clock).counts == {"skipped": 1}

    queue(store, "send@example.org")
    config = replace(Config(), email=EmailSettings(send_empty_digest=True))
    assert drain(store, environment(smtp), clock, config).counts == {"sent": 1}
    (received,) = smtp.wait_for(1)
    assert received.rcpt_tos == ("send@example.org",)
    assert "No item matched" in body_text(received.message)


def test_instant_alert_by_email_uses_the_title_as_subject(
    store: Store, smtp: SmtpServer, clock: Clock
) -> None:
    add_subscriber(store, "now@example.org", countries=["JP"], mode="instant")
    add_item(store, "ญี่ปุ่น\r\nBcc: evil@example.org", countries=["JP"], alert=True)

    assert drain(store, environment(smtp), clock).counts == {"sent": 1}

    (received,) = smtp.wait_for(1)
    assert received.rcpt_tos == ("now@example.org",)
    assert received.message["Subject"] == "ญี่ปุ่น Bcc: evil@example.org"
    assert received.message["Bcc"] is None


@pytest.mark.parametrize(
    ("changes", "config_email", "problem"),
    [
        ({"smtp_host": None}, {}, "SMTP_HOST"),
        ({"smtp_from": None}, {}, "SMTP_FROM"),
        ({"smtp_from": "not an address"}, {}, "SMTP_FROM"),
        ({"smtp_from": "w@example.org\r\nBcc: evil@example.org"}, {}, "SMTP_FROM"),
        ({"smtp_user": "watcher"}, {}, "SMTP_USER and SMTP_PASSWORD"),
        ({}, {"subject": "{nope}"}, "email.subject"),
        ({}, {"unsubscribe": "mailto:{who}"}, "email.unsubscribe"),
    ],
)
def test_settings_problems_are_one_line_config_errors(
    smtp: SmtpServer, changes: dict[str, Any], config_email: dict[str, Any], problem: str
) -> None:
    config = replace(Config(), email=EmailSettings(**config_email))
    with pytest.raises(ConfigError, match=problem):
        EmailChannel.from_settings(config, environment(smtp, **changes))


def test_sender_falls_back_to_the_config(smtp: SmtpServer) -> None:
    config = replace(Config(), email=EmailSettings(sender="Desk <desk@example.net>"))
    channel = EmailChannel.from_settings(config, environment(smtp, smtp_from=None))
    assert channel.sender_address == "desk@example.net"
    unsubscribe = channel.unsubscribe_for("a+b@example.org")
    assert unsubscribe == "mailto:desk@example.net?subject=unsubscribe"


def test_sending_never_blocks_the_event_loop(store: Store, smtp: SmtpServer, clock: Clock) -> None:
    add_item(store, "ญี่ปุ่นลงทุน", countries=["JP"])
    add_subscriber(store, "desk@example.org", countries=["JP"])
    queue(store, "desk@example.org")
    release = smtp.hold_data()

    async def run() -> bool:
        async with EmailChannel.from_settings(Config(), environment(smtp)) as channel:
            sender = OutboxSender(store, channel, tz=BANGKOK, clock=clock)
            task = asyncio.create_task(sender.drain())
            await asyncio.to_thread(smtp.wait_holding)
            in_flight = not task.done()  # the loop runs while the server holds the message
            release.set()
            assert (await task).counts == {"sent": 1}
            return in_flight

    assert asyncio.run(run())


def test_an_address_with_a_line_break_is_refused_not_injected(
    store: Store, smtp: SmtpServer, clock: Clock
) -> None:
    add_item(store, "ญี่ปุ่นลงทุน", countries=["JP"])
    bad = add_subscriber(store, "desk@example.org\r\nBcc: evil@example.org", countries=["JP"])
    add_subscriber(store, "ok@example.org", countries=["JP"])
    queue(store, bad.address, "ok@example.org")

    assert drain(store, environment(smtp), clock).counts == {"paused": 1, "sent": 1}

    assert [r.rcpt_tos for r in smtp.wait_for(1)] == [("ok@example.org",)]
    paused = store.get_subscriber(bad.id)
    assert paused is not None and "not a usable address" in (paused.paused_reason or "")
