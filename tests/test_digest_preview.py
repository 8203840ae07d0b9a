"""`watcher digest --preview` renders what the real run sends (compared with what a real SMTP
server receives) and writes nothing; every digest run says whom it skipped and why."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import Result

from tests.mailroom import BANGKOK, DAY, add_item
from tests.smtp import SmtpServer, serve_smtp
from watcher.channels.email.jobs import EmailJobs
from watcher.channels.outbox import DrainReport
from watcher.channels.registry import open_channel
from watcher.core.config import Config
from watcher.core.environment import load_environment
from watcher.match.subscriptions import Subscription
from watcher.store import Store

RunCli = Callable[..., Result]
DATE = DAY.isoformat()


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    for server in serve_smtp():
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        for name in ("SMTP_USER", "SMTP_PASSWORD", "TELEGRAM_BOT_TOKEN", "WATCHER_SECRET"):
            monkeypatch.delenv(name, raising=False)
        yield server


def fill(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    store = Store.open(db_path)
    try:
        add_item(store, "ญี่ปุ่นลงทุนโรงงาน", countries=["JP"], ministries=["industry"])
        add_item(store, "เกาหลีใต้หารืออุตสาหกรรม", countries=["KR"], ministries=["industry"])
        add_item(store, "ญี่ปุ่นเยือนไทยเมื่อต้นสัปดาห์", countries=["JP"], day=DAY - dt.timedelta(3))
        add_item(store, "ญี่ปุ่นเมื่อสองสัปดาห์ก่อน", countries=["JP"], day=DAY - dt.timedelta(8))
    finally:
        store.close()


def add(run_cli: RunCli, *args: str) -> None:
    result = run_cli("subscribers", "add", *args)
    assert result.exit_code == 0, result.output


def pause(db_path: Path, subscriber_id: int) -> None:
    store = Store.open(db_path)
    try:
        store.pause_subscriber(subscriber_id, "550 mailbox unavailable")
    finally:
        store.close()


def outbox(db_path: Path) -> dict[str, int]:
    store = Store.open(db_path)
    try:
        return store.outbox_counts()
    finally:
        store.close()


def email_people(run_cli: RunCli, db_path: Path) -> None:
    fill(db_path)
    add(run_cli, "--email", "jp@example.org", "--country", "JP")  # 1
    add(run_cli, "--email", "all@example.org", "--all")  # 2
    add(run_cli, "--email", "us@example.org", "--country", "US")  # 3: nothing that day
    add(run_cli, "--email", "gone@example.org", "--all")  # 4: paused
    add(run_cli, "--email", "now@example.org", "--all", "--mode", "instant")  # 5: no digest
    pause(db_path, 4)


def plain(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def blocks(output: str) -> dict[str, str]:
    """The preview's output, by address: what follows each subscriber's === line."""
    found = re.split(r"^=== subscriber \d+: \w+ (\S+), \d+ item\(s\) ===\n", output, flags=re.M)
    return dict(zip(found[1::2], found[2::2], strict=True))


def test_email_preview_is_what_is_sent_and_sends_nothing(
    run_cli: RunCli, db_path: Path, smtp: SmtpServer, tmp_path: Path
) -> None:
    email_people(run_cli, db_path)

    shown = run_cli("digest", "--channel", "email", "--date", DATE, "--preview",
                    "--html", str(tmp_path / "html"))  # fmt: skip

    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[-1] == (
        f"email digest for {DATE} (preview: nothing sent): 2 would be sent;"
        " 2 skipped: 1 nothing matched, 1 paused"
    )
    assert "=== subscriber 1: email jp@example.org, 1 item(s) ===" in shown.output
    assert "=== subscriber 2: email all@example.org, 2 item(s) ===" in shown.output
    jp = blocks(shown.output)["jp@example.org"]
    assert jp.startswith(
        "From: watcher@example.org\nTo: jp@example.org\n"
        f"Subject: thaigov-watcher: 1 ข่าวใหม่ / new items, {DATE}\n"
        "List-Unsubscribe: <mailto:watcher@example.org?subject=unsubscribe>\n\n"
    )
    html = tmp_path / "html" / f"email-digest-{DATE}-s1.html"
    assert f"html: {html}" in jp
    assert "ญี่ปุ่นลงทุนโรงงาน" in html.read_text(encoding="utf-8")
    assert smtp.messages == [] and outbox(db_path) == {}  # nothing sent, queued or marked

    sent = run_cli("digest", "--channel", "email", "--date", DATE)

    assert sent.output.strip() == (
        f"email digest for {DATE}: 3 queued; 2 sent; 2 skipped: 1 nothing matched, 1 paused"
    )
    received = {r.rcpt_tos[0]: plain(r.message) for r in smtp.wait_for(2)}
    for address, block in blocks(shown.output).items():
        text = block.split("\n\n", 1)[1].rsplit("\nhtml: ", 1)[0]
        wire = received[address].replace("\r\n", "\n")  # SMTP's line ends
        assert text == wire.rstrip("\n")  # the preview is the text part sent

    again = run_cli("digest", "--channel", "email", "--date", DATE)
    assert again.output.strip() == (
        f"email digest for {DATE}: 0 queued; nothing due;"
        " 4 skipped: 1 nothing matched, 1 paused, 2 already sent"
    )
    after = run_cli("digest", "--channel", "email", "--date", DATE, "--preview")
    assert after.output.strip().endswith(
        "0 would be sent; 4 skipped: 1 nothing matched, 1 paused, 2 already sent"
    )
    forced = run_cli("digest", "--channel", "email", "--date", DATE, "--preview", "--force")
    assert forced.output.strip().endswith("2 would be sent; 2 skipped: 1 nothing matched, 1 paused")
    html_line = re.search(r"^html: (.+-s1\.html)$", forced.output, re.M)
    assert html_line and Path(html_line[1]).is_file()  # the default: under the temp directory


def test_one_subscriber_and_the_weekly_digest(
    run_cli: RunCli, db_path: Path, smtp: SmtpServer
) -> None:
    email_people(run_cli, db_path)
    add(run_cli, "--email", "week@example.org", "--country", "JP", "--mode", "weekly")  # 6

    one = run_cli("digest", "--channel", "email", "--date", DATE, "--preview", "--subscriber", "2")
    assert list(blocks(one.output)) == ["all@example.org"]
    assert one.output.splitlines()[-1].endswith("1 would be sent")

    week = run_cli("digest", "--channel", "email", "--date", DATE, "--preview", "--weekly")
    assert week.output.splitlines()[-1] == (
        f"email weekly digest for the week ending {DATE} (preview: nothing sent): 1 would be sent"
    )
    text = blocks(week.output)["week@example.org"]
    assert "สรุปประจำสัปดาห์ / Weekly digest:" in text
    assert "ญี่ปุ่นลงทุนโรงงาน" in text and "ญี่ปุ่นเยือนไทยเมื่อต้นสัปดาห์" in text
    assert "ญี่ปุ่นเมื่อสองสัปดาห์ก่อน" not in text  # eight days before: last week's

    daily = run_cli("digest", "--channel", "email", "--preview", "--subscriber", "6")
    assert daily.exit_code == 1
    assert daily.output.strip() == (
        "Error: subscriber 6 has no daily subscription (mode weekly); try --weekly"
    )
    nobody = run_cli("digest", "--channel", "email", "--preview", "--subscriber", "99")
    assert nobody.output.strip() == (
        "Error: no email subscriber 99 (`watcher subscribers list` shows them)"
    )
    misused = run_cli("digest", "--channel", "email", "--subscriber", "2")
    assert misused.exit_code == 2
    assert misused.output.strip().splitlines()[-1] == (
        "Error: --subscriber and --html go with --preview"
    )
    assert smtp.messages == [] and outbox(db_path) == {}


def test_telegram_and_apprise_previews_need_no_token(
    run_cli: RunCli, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    fill(db_path)
    add(run_cli, "--telegram", "4242", "--country", "JP", "--mode", "daily")
    add(run_cli, "--notify", "json://127.0.0.1:9/hook-secret-path", "--all", "--mode", "daily")

    chat = run_cli("digest", "--channel", "telegram", "--date", DATE, "--preview")

    assert chat.exit_code == 0, chat.output
    lines = chat.output.splitlines()
    assert lines[0] == "=== subscriber 1: telegram 4242, 1 item(s) ==="
    assert "ญี่ปุ่นลงทุนโรงงาน" in chat.output and "<b>" not in chat.output  # plain text
    assert "เกาหลีใต้" not in chat.output
    assert lines[-1] == f"telegram digest for {DATE} (preview: nothing sent): 1 would be sent"

    hook = run_cli("digest", "--channel", "apprise", "--date", DATE, "--preview")

    assert re.match(r"=== subscriber 2: apprise json://\*\*\* \([0-9a-f]{8}\), 2 item", hook.output)
    assert "hook-secret-path" not in hook.output
    assert "ญี่ปุ่นลงทุนโรงงาน" in hook.output and "เกาหลีใต้หารืออุตสาหกรรม" in hook.output
    assert outbox(db_path) == {}


def test_the_daemons_email_digest_line_says_who_was_skipped(store: Store, smtp: SmtpServer) -> None:
    add_item(store, "ญี่ปุ่นลงทุนโรงงาน", countries=["JP"])
    at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for address, mode in (("jp@example.org", "daily"), ("gone@example.org", "daily")):
        subscriber = store.add_subscriber("email", address, mode=mode, at=at)
        store.add_subscription(subscriber.id, Subscription(countries=("JP",)))
    store.pause_subscriber(2, "550 mailbox unavailable")
    env = load_environment(smtp.env())
    morning = dt.datetime(2026, 11, 20, 7, 0, tzinfo=BANGKOK)
    jobs = EmailJobs(store, Config(), lambda: open_channel("email", Config(), env),
                     clock=lambda: morning)  # fmt: skip

    run = asyncio.run(jobs.send_digests())

    assert run.line() == f"e-mail digest for {DATE}: 1 queued; 1 sent; 1 skipped: 1 paused"
    assert DrainReport(Counter(sent=2, skipped=1)).line() == ("2 sent, 1 skipped (nothing matched)")


def test_the_daemons_queue_line_names_the_paused(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    from watcher.channels.jobs import ChannelJobs

    at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for url in ("json://127.0.0.1:9/one", "json://127.0.0.1:9/two"):
        subscriber = store.add_subscriber("apprise", url, mode="daily", at=at)
        store.add_subscription(subscriber.id, Subscription(everything=True))
    store.pause_subscriber(2, "5 failed tries in a row")
    evening = dt.datetime(2026, 11, 20, 20, 0, tzinfo=BANGKOK)
    env = load_environment({})
    jobs = ChannelJobs("apprise", store, Config(), env, clock=lambda: evening)

    with caplog.at_level("INFO", logger="watcher.channels.jobs"):
        assert asyncio.run(jobs.queue_digests()) == 1

    assert caplog.messages == ["apprise: 1 digest(s) queued; 1 skipped: 1 paused"]
