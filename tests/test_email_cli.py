"""`watcher subscribers add --email` and `watcher digest --channel email`, end to end through
the CLI, the database file and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import Result

from tests.mailroom import add_item
from tests.smtp import SmtpServer, serve_smtp
from watcher.store import Store

RunCli = Callable[..., Result]


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    for server in serve_smtp():
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        for name in ("SMTP_USER", "SMTP_PASSWORD"):
            monkeypatch.delenv(name, raising=False)
        yield server


def add_items(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    store = Store.open(db_path)
    try:
        add_item(store, "ญี่ปุ่นลงทุนโรงงาน", countries=["JP"], ministries=["industry"])
        add_item(store, "เกาหลีใต้หารืออุตสาหกรรม", countries=["KR"], ministries=["industry"])
        add_item(store, "ญี่ปุ่นหารือการทูต", countries=["JP"], ministries=["foreign"])
    finally:
        store.close()


def plain(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_digest_twice_sends_once_and_force_resends(
    run_cli: RunCli, db_path: Path, smtp: SmtpServer
) -> None:
    add_items(db_path)
    added = run_cli(
        "subscribers", "add", "--email", "desk@example.org",
        "--country", "JP", "--country", "KR", "--ministry", "industry", "--mode", "daily",
    )  # fmt: skip
    assert added.exit_code == 0, added.output

    first = run_cli("digest", "--channel", "email", "--date", "2026-11-19")
    second = run_cli("digest", "--channel", "email", "--date", "2026-11-19")

    assert first.exit_code == 0, first.output
    assert "email digest for 2026-11-19: 1 queued; 1 sent" in first.output
    assert "0 queued; nothing due" in second.output
    (received,) = smtp.wait_for(1)
    text = plain(received.message)
    assert "ญี่ปุ่นลงทุนโรงงาน" in text and "เกาหลีใต้หารืออุตสาหกรรม" in text
    assert "ญี่ปุ่นหารือการทูต" not in text  # JP but not industry

    forced = run_cli("digest", "--channel", "email", "--date", "2026-11-19", "--force")
    assert "1 queued; 1 sent" in forced.output
    assert len(smtp.wait_for(2)) == 2


def test_each_email_subscriber_gets_their_own_digest(
    run_cli: RunCli, db_path: Path, smtp: SmtpServer
) -> None:
    add_items(db_path)
    for args in (
        ("--email", "jp@example.org", "--country", "JP"),
        ("--email", "all@example.org", "--all"),
        ("--email", "instant@example.org", "--all", "--mode", "instant"),
    ):
        assert run_cli("subscribers", "add", *args).exit_code == 0

    result = run_cli("digest", "--channel", "email", "--date", "2026-11-19")

    assert "2 queued; 2 sent" in result.output
    by_address = {r.rcpt_tos[0]: plain(r.message) for r in smtp.wait_for(2)}
    assert set(by_address) == {"jp@example.org", "all@example.org"}
    assert "เกาหลีใต้หารืออุตสาหกรรม" not in by_address["jp@example.org"]
    assert "เกาหลีใต้หารืออุตสาหกรรม" in by_address["all@example.org"]


def test_a_refused_recipient_is_paused_and_listed(
    run_cli: RunCli, db_path: Path, smtp: SmtpServer
) -> None:
    add_items(db_path)
    run_cli("subscribers", "add", "--email", "gone@example.org", "--all")
    smtp.reject("gone@example.org", "550 5.1.1 mailbox unavailable")

    result = run_cli("digest", "--channel", "email", "--date", "2026-11-19")

    assert "1 paused" in result.output
    listed = run_cli("subscribers", "list", "--format", "json")
    assert "550 5.1.1 mailbox unavailable" in listed.output


def test_digest_without_smtp_host_is_one_clear_line(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMTP_HOST", raising=False)
    run_cli("subscribers", "add", "--email", "desk@example.org", "--all")

    result = run_cli("digest", "--channel", "email", "--date", "2026-11-19")

    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        "Error: environment: SMTP_HOST: not set; e-mail needs an SMTP server"
    ]
