"""The Apprise channel (`--notify URL`) through a real webhook receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

from click.testing import Result

from tests.site import LocalSite, local_site
from tests.telegram_kit import FakeGazetteer, store_item
from tests.test_sources import FAST, news_item, sequence_config
from tests.webhook import WebhookReceiver, webhook
from watcher.channels.apprise import AppriseChannel, notify_error
from watcher.channels.jobs import ChannelJobs
from watcher.channels.telegram.render import TelegramRenderer
from watcher.core.config import Config, Environment, NotifySettings, WatcherSettings
from watcher.core.errors import PermanentDeliveryError, TransientDeliveryError
from watcher.daemon.assemble import channel_hooks
from watcher.daemon.scheduler import run_daemon
from watcher.match.subscriptions import Subscription
from watcher.store import Store

__all__ = ["local_site", "webhook"]


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 19, 3, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def subscribe(store: Store, url: str, *countries: str) -> int:
    subscriber = store.add_subscriber("apprise", url, at=dt.datetime.now(dt.UTC))
    store.add_subscription(subscriber.id, Subscription(countries=tuple(countries)))
    return subscriber.id


def jobs(store: Store, clock: Clock, **settings: Any) -> ChannelJobs:
    notify = NotifySettings(**({"timeout_seconds": 0.5, "pause_after_failures": 3} | settings))
    config = Config(notify=notify)

    def opener() -> AppriseChannel:
        renderer = TelegramRenderer(FakeGazetteer())
        return AppriseChannel(renderer, timeout=notify.timeout_seconds, pause_after=3)

    env = Environment(Path("w.toml"), Path("w.db"))
    return ChannelJobs("apprise", store, config, env, clock=clock, opener=opener)


def drain(channel_jobs: ChannelJobs) -> dict[str, int]:
    report = asyncio.run(channel_jobs.drain())
    assert report is not None
    return dict(report.counts)


def test_an_alert_reaches_the_webhook_with_telegrams_content(
    store: Store, webhook: WebhookReceiver
) -> None:
    clock = Clock()
    subscribe(store, webhook.url, "JP")
    store_item(store, 1, "JP", at=clock.now)
    assert drain(jobs(store, clock)) == {"sent": 1}
    [message] = webhook.messages()
    assert message["path"] == "/hook/s3cret-path-token"
    text = f"{message['title']}\n{message['message']}"
    assert "🇯🇵" in text and "นายกรัฐมนตรีหารือความร่วมมือ" in text
    assert "«ญี่ปุ่น»" in text  # the evidence, as in the Telegram alert
    assert drain(jobs(store, clock)) == {}  # never twice


def test_a_500_is_retried_and_a_hang_times_out_then_goes(
    store: Store, webhook: WebhookReceiver
) -> None:
    clock = Clock()
    subscribe(store, webhook.url, "JP")
    store_item(store, 1, "JP", at=clock.now)
    webhook.fail(500)
    webhook.hang()
    channel_jobs = jobs(store, clock)
    assert drain(channel_jobs) == {"retried": 1}
    clock.now += dt.timedelta(hours=1)
    assert drain(channel_jobs) == {"retried": 1}  # the hang: read timeout
    webhook.release.set()
    clock.now += dt.timedelta(hours=1)
    assert drain(channel_jobs) == {"sent": 1}
    assert len(webhook.messages()) == 1


def test_stopping_waits_for_the_send_under_way_so_a_restart_never_sends_it_again(
    store: Store, webhook: WebhookReceiver
) -> None:
    clock = Clock()
    subscribe(store, webhook.url, "JP")
    store_item(store, 1, "JP", at=clock.now)
    webhook.hold()
    channel_jobs = jobs(store, clock, timeout_seconds=10.0)

    async def stop_mid_send() -> tuple[bool, dict[str, int]]:
        drain = asyncio.create_task(channel_jobs.drain())
        assert await asyncio.to_thread(webhook.wait_requests, 1)
        stop = asyncio.create_task(channel_jobs.stop())
        await asyncio.sleep(0.2)  # stop must still be waiting: the send is held
        waited = not stop.done()
        webhook.release.set()
        await stop
        report = drain.result()
        assert report is not None
        return waited, dict(report.counts)

    waited, counts = asyncio.run(stop_mid_send())
    assert waited and counts == {"sent": 1}
    assert store.outbox_counts() == {"sent": 1}
    assert asyncio.run(channel_jobs.drain()) is None  # stopped: no new pass
    assert len(webhook.messages()) == 1


def test_a_webhook_that_keeps_failing_pauses_its_subscriber_only(
    store: Store, tmp_path: Path
) -> None:
    clock = Clock()
    with WebhookReceiver() as broken, WebhookReceiver() as fine:
        bad = subscribe(store, broken.url, "JP")
        subscribe(store, fine.url, "JP")
        broken.fail(500, times=10)
        store_item(store, 1, "JP", at=clock.now)
        channel_jobs = jobs(store, clock)
        outcomes = []
        for _ in range(3):
            outcomes.append(drain(channel_jobs))
            clock.now += dt.timedelta(hours=1)
        assert outcomes == [{"retried": 1, "sent": 1}, {"retried": 1}, {"paused": 1}]
        assert len(fine.messages()) == 1 and broken.messages() == []
    paused = store.get_subscriber(bad)
    assert paused is not None and paused.paused_reason is not None
    assert "3 failed tries" in paused.paused_reason and "HTTP 500" in paused.paused_reason
    assert "s3cret" not in paused.paused_reason


def test_service_answers_map_to_the_three_kinds() -> None:
    assert isinstance(notify_error("json", "error=500."), TransientDeliveryError)
    assert isinstance(notify_error("json", "error=429."), TransientDeliveryError)
    assert isinstance(notify_error("json", "error=404."), PermanentDeliveryError)
    assert isinstance(notify_error("slack", "error=403."), PermanentDeliveryError)
    assert isinstance(notify_error("json", "A Connection error occurred"), TransientDeliveryError)


def test_subscribers_add_refuses_bad_urls_in_one_line_and_masks_good_ones(
    run_cli: Any, webhook: WebhookReceiver
) -> None:
    cases = [
        ("nosuchservice://tok3n-abcdef/x", "unknown Apprise service 'nosuchservice'"),
        ("not a url at all", "not a URL"),
        ("slack://", "malformed slack:// URL"),
    ]
    for url, message in cases:
        result: Result = run_cli("subscribers", "add", "--notify", url, "--all")
        assert result.exit_code == 2, result.output
        assert message in result.output, result.output
        assert "tok3n-abcdef" not in result.output
    added = run_cli("subscribers", "add", "--notify", webhook.url, "--country", "JP")
    assert added.exit_code == 0, added.output
    assert "s3cret" not in added.output and "apprise json://***" in added.output
    listed = json.loads(run_cli("subscribers", "list", "--format", "json").output)
    assert [row["address"].split(" ")[0] for row in listed] == ["json://***"]
    assert "s3cret" not in run_cli("subscribers", "list").output


def test_run_alerts_the_webhook_exactly_once_across_a_restart(
    local_site: LocalSite, webhook: WebhookReceiver, tmp_path: Path
) -> None:
    from watcher.classify import Classifier, default_gazetteer_dir

    local_site.add_items([news_item(n) for n in range(2)], start_id=100)
    config = Config(
        fetch=FAST,
        watcher=WatcherSettings(stop_grace_seconds=5.0),
        notify=NotifySettings(drain_interval=0.2, timeout_seconds=2.0),
        sources=(sequence_config(local_site, interval_seconds=1, jitter_seconds=0),),
    )
    env = Environment(tmp_path / "w.toml", tmp_path / "watcher.db")
    classifier = Classifier.from_dir(default_gazetteer_dir())

    async def run_until(condition: Any, store: Store) -> list[Any]:
        cycles: list[Any] = []
        stop = asyncio.Event()
        extra_jobs, services = channel_hooks(store, config, env, classifier)
        daemon = asyncio.create_task(
            run_daemon(config, store, classifier, extra_jobs=extra_jobs, services=services,
                       on_report=cycles.append, stop=stop)
        )  # fmt: skip
        try:
            for _ in range(600):
                if condition(cycles):
                    break
                await asyncio.sleep(0.05)  # polling a condition, with a bound
            else:
                raise AssertionError("condition not reached")
        finally:
            stop.set()
            await daemon
        return cycles

    store = Store.open(tmp_path / "watcher.db")
    subscribe(store, webhook.url, "JP")
    asyncio.run(run_until(lambda cycles: len(cycles) >= 1, store))  # the baseline
    local_site.publish(102, news_item(102))
    asyncio.run(run_until(lambda cycles: bool(webhook.messages()), store))
    store.close()
    store = Store.open(tmp_path / "watcher.db")  # a restart
    asyncio.run(run_until(lambda cycles: len(cycles) >= 3, store))
    [message] = webhook.messages()
    assert "ข่าวที่ 102" in f"{message['title']}\n{message['message']}"
    assert store.outbox_counts() == {"sent": 1}
    assert dataclasses.asdict(config.notify)["drain_interval"] == 0.2
