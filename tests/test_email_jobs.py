"""The scheduled e-mail digest: when it fires, which day it covers, and never twice a day."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from tests.mailroom import BANGKOK, DAY, add_item, add_subscriber, environment
from tests.smtp import SmtpServer, serve_smtp
from watcher.channels.digest import queue_daily_digests
from watcher.channels.email.jobs import (
    EmailJobs,
    add_email_jobs,
    digest_clock_time,
)
from watcher.core.config import Config, EmailSettings
from watcher.core.errors import ConfigError
from watcher.sources.settings import parse_config
from watcher.store import Store

NEXT_MORNING = dt.datetime(2026, 11, 20, 7, 0, tzinfo=BANGKOK)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from serve_smtp()


def email_jobs(store: Store, smtp: SmtpServer, moment: dt.datetime) -> EmailJobs:
    jobs = add_email_jobs(
        AsyncIOScheduler(timezone=BANGKOK),
        store,
        Config(),
        environment(smtp),
        clock=lambda: moment,
    )
    assert jobs is not None
    return jobs


def test_morning_run_sends_the_previous_day_once(store: Store, smtp: SmtpServer) -> None:
    add_item(store, "ญี่ปุ่นลงทุน", countries=["JP"])
    add_item(store, "ญี่ปุ่นวันนี้", countries=["JP"], day=DAY + dt.timedelta(days=1), hour=6)
    add_subscriber(store, "desk@example.org", countries=["JP"])
    add_subscriber(store, "chat-only@example.org", countries=["JP"], mode="instant")
    jobs = email_jobs(store, smtp, NEXT_MORNING)

    first = asyncio.run(jobs.send_digests())
    second = asyncio.run(jobs.send_digests())  # a restart or a second run the same day

    assert (first.day, first.queued, dict(first.report.counts)) == (DAY, 1, {"sent": 1})
    assert (second.queued, dict(second.report.counts)) == (0, {})
    (received,) = smtp.wait_for(1)
    assert received.rcpt_tos == ("desk@example.org",)
    text = received.message.get_body(("plain",))
    assert text is not None
    assert "ญี่ปุ่นลงทุน" in str(text.get_content())
    assert "ญี่ปุ่นวันนี้" not in str(text.get_content())


def test_force_resends_on_purpose(store: Store, smtp: SmtpServer) -> None:
    add_item(store, "ญี่ปุ่นลงทุน", countries=["JP"])
    add_subscriber(store, "desk@example.org", countries=["JP"])
    jobs = email_jobs(store, smtp, NEXT_MORNING)

    asyncio.run(jobs.send_digests(DAY))
    forced = asyncio.run(jobs.send_digests(DAY, force=True))

    assert forced.queued == 1 and forced.report.counts == {"sent": 1}
    first, again = smtp.wait_for(2)
    assert first.message["Message-ID"] != again.message["Message-ID"]


def test_paused_subscribers_are_not_queued(store: Store) -> None:
    add_subscriber(store, "ok@example.org", countries=["JP"])
    paused = add_subscriber(store, "gone@example.org", countries=["JP"])
    store.pause_subscriber(paused.id, "550 user unknown")

    assert queue_daily_digests(store, "email", DAY, NEXT_MORNING) == 1


def test_jobs_fire_at_the_configured_time_in_bangkok(store: Store, smtp: SmtpServer) -> None:
    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    config = replace(Config(), email=EmailSettings(digest_time="06:45"))
    before = dt.datetime(2026, 11, 20, 6, 0, tzinfo=BANGKOK)

    add_email_jobs(scheduler, store, config, environment(smtp), clock=lambda: before)

    digest = scheduler.get_job("email-digest")
    fire = digest.trigger.get_next_fire_time(None, before)
    assert fire == dt.datetime(2026, 11, 20, 6, 45, tzinfo=BANGKOK)
    assert scheduler.get_job("email-outbox") is not None
    assert scheduler.get_job("email-digest-catch-up") is None  # not yet 06:45


def test_a_start_after_the_time_catches_up_and_sends(store: Store, smtp: SmtpServer) -> None:
    add_item(store, "ญี่ปุ่นลงทุน", countries=["JP"])
    add_subscriber(store, "desk@example.org", countries=["JP"])
    late = dt.datetime(2026, 11, 20, 9, 30, tzinfo=BANGKOK)

    async def run_scheduler() -> None:
        scheduler = AsyncIOScheduler(timezone=BANGKOK)
        add_email_jobs(scheduler, store, Config(), environment(smtp), clock=lambda: late)
        assert scheduler.get_job("email-digest-catch-up") is not None
        done = asyncio.Event()
        scheduler.add_listener(
            lambda event: done.set() if event.job_id == "email-digest-catch-up" else None,
            EVENT_JOB_EXECUTED | EVENT_JOB_ERROR,
        )
        scheduler.start()
        try:
            await asyncio.wait_for(done.wait(), timeout=10)
        finally:
            scheduler.shutdown(wait=False)

    asyncio.run(run_scheduler())

    assert store.sent_digest(1, DAY.isoformat())
    jobs = email_jobs(store, smtp, late)  # restarted: catching up again sends nothing new
    assert asyncio.run(jobs.send_digests()).queued == 0
    assert len(smtp.messages) == 1


def test_transient_failures_are_sent_by_the_retry_drain(store: Store, smtp: SmtpServer) -> None:
    add_item(store, "ญี่ปุ่นลงทุน", countries=["JP"])
    add_subscriber(store, "desk@example.org", countries=["JP"])
    moment = [NEXT_MORNING]
    jobs = add_email_jobs(
        AsyncIOScheduler(), store, Config(), environment(smtp), clock=lambda: moment[0]
    )
    assert jobs is not None
    smtp.fail_transiently(1)

    assert asyncio.run(jobs.send_digests()).report.counts == {"retried": 1}
    moment[0] += dt.timedelta(minutes=30)
    assert asyncio.run(jobs.drain()).counts == {"sent": 1}
    assert len(smtp.wait_for(1)) == 1


def test_without_smtp_host_email_is_off(store: Store, smtp: SmtpServer) -> None:
    scheduler = AsyncIOScheduler()
    env = environment(smtp, smtp_host=None)

    assert add_email_jobs(scheduler, store, Config(), env) is None
    assert scheduler.get_jobs() == []


def test_a_broken_smtp_setting_fails_at_start_up(store: Store, smtp: SmtpServer) -> None:
    env = environment(smtp, smtp_from=None)
    with pytest.raises(ConfigError, match="SMTP_FROM"):
        add_email_jobs(AsyncIOScheduler(), store, Config(), env)


@pytest.mark.parametrize("text", ["24:00", "07:60", "0700", "", "7:5"])
def test_bad_digest_time_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match=r"watcher.toml: email\.digest_time: expected HH:MM"):
        parse_config({"email": {"digest_time": text}}, Path("watcher.toml"))
    with pytest.raises(ConfigError, match=r"email\.digest_time"):
        digest_clock_time(text)


@pytest.mark.parametrize("section", ["email", "telegram", "notify"])
def test_a_one_digit_hour_is_normalised_at_load(section: str) -> None:
    """Digest times are compared as text: "7:30" would sort after "10:00" if kept as is."""
    config = parse_config({section: {"digest_time": "7:30"}}, Path("watcher.toml"))
    assert getattr(config, section).digest_time == "07:30"
    with pytest.raises(ConfigError, match=rf"watcher.toml: {section}\.digest_time: expected HH:MM"):
        parse_config({section: {"digest_time": "7.30"}}, Path("watcher.toml"))


def test_send_empty_is_a_deprecated_alias_of_send_empty_digest() -> None:
    config = parse_config({"email": {"send_empty": True}}, Path("watcher.toml"))
    assert config.email.send_empty_digest is True


def test_digest_time_parses() -> None:
    assert digest_clock_time("07:05") == dt.time(7, 5)


def test_email_timezone_overrides_the_watcher_zone(store: Store, smtp: SmtpServer) -> None:
    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    config = replace(Config(), email=EmailSettings(digest_time="08:00", timezone="Asia/Tokyo"))
    before = dt.datetime(2026, 11, 19, 16, 0, tzinfo=dt.UTC)  # 01:00 in Tokyo, 23:00 in Bangkok

    jobs = add_email_jobs(scheduler, store, config, environment(smtp), clock=lambda: before)

    fire = scheduler.get_job("email-digest").trigger.get_next_fire_time(None, before)
    assert fire == dt.datetime(2026, 11, 20, 8, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert jobs is not None and jobs.last_complete_day() == dt.date(2026, 11, 19)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"timezone": "Mars/Olympus"}, "email.timezone: unknown zone 'Mars/Olympus'"),
        ({"excerpt_chars": 3}, "email.excerpt_chars: must be at least 40"),
        ({"retry_interval_seconds": 0}, "email.retry_interval_seconds: must be at least 1"),
    ],
)
def test_bad_email_settings_are_config_errors(raw: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"watcher.toml: {problem}")):
        parse_config({"email": raw}, Path("watcher.toml"))
