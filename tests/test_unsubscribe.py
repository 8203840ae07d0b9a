"""One-click unsubscribe (RFC 8058), for real: the headers as a real SMTP server receives them,
and `watcher serve` on 127.0.0.1 honouring the link once, a GET never acting and a forged
token doing nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.mailroom import BANGKOK, DAY, add_item, add_subscriber, environment
from tests.smtp import SmtpServer, serve_smtp
from watcher.channels.atom.serve import _hide_tokens
from watcher.channels.email.send import EmailChannel
from watcher.channels.email.unsubscribe import OneClick, Signed
from watcher.channels.outbox import OutboxSender
from watcher.core.config import Config, ServeSettings, build_section
from watcher.core.environment import load_environment
from watcher.core.errors import ConfigError
from watcher.store import Store

ROOT = Path(__file__).resolve().parents[1]
SECRET = "test-secret-0123456789-abcdef"
PUBLIC = "https://news.example.org/watcher"
MORNING = dt.datetime(2026, 11, 20, 7, 0, tzinfo=BANGKOK)
START_SECONDS = 60.0  # a deadline for a loaded machine, not an expected duration


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from serve_smtp()


def one_click_config(public_url: str = PUBLIC) -> Config:
    return replace(Config(), serve=ServeSettings(public_url=public_url))


def deliver(store: Store, smtp: SmtpServer, config: Config) -> None:
    async def run() -> None:
        env = environment(smtp, secret=SECRET)
        async with EmailChannel.from_settings(config, env) as channel:
            await OutboxSender(store, channel, tz=BANGKOK, clock=lambda: MORNING).drain()

    asyncio.run(run())


def parts(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def test_a_token_verifies_only_as_signed() -> None:
    signer = OneClick(PUBLIC, SECRET.encode())
    token = signer.token(7, "desk@example.org")
    assert signer.verify(token) == Signed(7, "desk@example.org")
    number, address, mac = token.split(".")
    other = OneClick(PUBLIC, b"another-secret-of-some-length")
    forged = [
        f"8.{address}.{mac}",  # another subscriber's id
        f"{number}.{signer.token(7, 'boss@example.org').split('.')[1]}.{mac}",  # another address
        f"{number}.{address}.{mac[:-2]}AA",  # an altered signature
        other.token(7, "desk@example.org"),  # signed with another secret
        "7",
        "",
        f"{number}.{address}.{mac}.x",
    ]
    assert [signer.verify(t) for t in forged] == [None] * len(forged)
    assert signer.link(7, "desk@example.org") == f"{PUBLIC}/unsubscribe?token={token}"


def test_digest_and_alert_carry_the_one_click_link(store: Store, smtp: SmtpServer) -> None:
    add_item(store, "ญี่ปุ่นลงทุนโรงงาน", countries=["JP"], ministries=["industry"])
    daily = add_subscriber(store, "desk@example.org", countries=["JP"])
    instant = add_subscriber(store, "now@example.org", countries=["JP"], mode="instant")
    store.queue_digest(daily.id, DAY.isoformat(), MORNING)
    add_item(store, "ญี่ปุ่นเยือนไทย", countries=["JP"], alert=True)

    deliver(store, smtp, one_click_config())

    received = {r.rcpt_tos[0]: r.message for r in smtp.wait_for(2)}
    signer = OneClick(PUBLIC, SECRET.encode())
    for subscriber in (daily, instant):
        message = received[subscriber.address]
        link = signer.link(subscriber.id, subscriber.address)
        assert message["List-Unsubscribe"] == (
            f"<{link}>, <mailto:watcher@example.org?subject=unsubscribe>"
        )
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text, html = parts(message)
        assert f"ยกเลิกการรับข่าว / To unsubscribe: {link}" in text
        assert f'To unsubscribe: <a href="{link}">{link}</a>' in html
    raw = smtp.messages[0].data.decode("ascii")
    assert "=?utf-8?q?=3Chttps" not in raw  # the link is written as is, not RFC 2047-encoded


def test_without_a_public_url_there_is_no_one_click(store: Store, smtp: SmtpServer) -> None:
    add_item(store, "ญี่ปุ่นลงทุนโรงงาน", countries=["JP"])
    daily = add_subscriber(store, "desk@example.org", countries=["JP"])
    store.queue_digest(daily.id, DAY.isoformat(), MORNING)

    deliver(store, smtp, Config())

    (received,) = smtp.wait_for(1)
    assert received.message["List-Unsubscribe"] == (
        "<mailto:watcher@example.org?subject=unsubscribe>"
    )
    assert received.message["List-Unsubscribe-Post"] is None


def test_settings_problems_are_one_line(smtp: SmtpServer) -> None:
    with pytest.raises(ConfigError) as missing:
        EmailChannel.from_settings(one_click_config(), environment(smtp))
    assert str(missing.value) == (
        "environment: WATCHER_SECRET: not set; [serve] public_url needs it to sign"
        " unsubscribe links"
    )
    with pytest.raises(ConfigError) as plain_http:
        build_section(ServeSettings, {"public_url": "http://news.example.org"}, "w.toml", "serve")
    assert str(plain_http.value) == (
        "w.toml: serve.public_url: must be an https:// URL (http:// only on localhost),"
        " not 'http://news.example.org'"
    )
    with pytest.raises(ConfigError) as short:
        load_environment({"WATCHER_SECRET": "short"})
    assert str(short.value).startswith("environment: WATCHER_SECRET: at least 16 characters")
    assert "short" not in str(short.value).replace("at least", "")


class Served:
    """`watcher serve --port 0` in a subprocess, with a config that enables unsubscribing."""

    def __init__(self, tmp_path: Path, db_path: Path, public_url: str | None) -> None:
        config = tmp_path / "watcher.toml"
        text = (ROOT / "config" / "watcher.toml").read_text(encoding="utf-8")
        if public_url:
            text += f'\n[serve]\npublic_url = "{public_url}"\n'
        config.write_text(text, encoding="utf-8")
        env = dict(os.environ, WATCHER_DB=str(db_path), PYTHONPATH=str(ROOT),
                   WATCHER_CONFIG=str(config), WATCHER_SECRET=SECRET)  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, "-m", "watcher", "serve", "--port", "0"],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        lines: queue.Queue[str] = queue.Queue()
        stdout = self.process.stdout
        assert stdout is not None
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            first = lines.get(timeout=START_SECONDS)
        except queue.Empty:
            self.process.kill()
            raise AssertionError("serve printed nothing before the deadline") from None
        found = re.fullmatch(r"serving (http://127\.0\.0\.1:\d+)/\n", first)
        assert found, first
        self.base = found.group(1)

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        _out, err = self.process.communicate(timeout=30)
        assert self.process.returncode == 0, err
        return err


@pytest.fixture
def people(db_path: Path) -> Iterator[tuple[int, int]]:
    """Two e-mail subscribers in a database file: the one who unsubscribes, and another."""
    db_path.parent.mkdir(parents=True)
    store = Store.open(db_path)
    desk = add_subscriber(store, "desk@example.org", countries=["JP"])
    boss = add_subscriber(store, "boss@example.org", countries=["KR"])
    store.close()
    yield desk.id, boss.id


def subscribed(db_path: Path) -> list[str]:
    store = Store.open(db_path)
    try:
        return [s.address for s in store.subscribers("email")]
    finally:
        store.close()


def test_serve_unsubscribes_once_on_post_never_on_get_and_refuses_forgeries(
    tmp_path: Path, db_path: Path, people: tuple[int, int]
) -> None:
    desk, boss = people
    served = Served(tmp_path, db_path, "http://localhost:9/watcher")
    signer = OneClick("http://localhost:9/watcher", SECRET.encode())
    link = urlsplit(signer.link(desk, "desk@example.org"))
    try:
        url = f"{served.base}/unsubscribe?{link.query}"
        page = httpx.get(url, timeout=30)
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert "Stop every thaigov-watcher e-mail to desk@example.org?" in page.text
        assert f'<form method="post" action="?{link.query}">' in page.text
        assert subscribed(db_path) == ["desk@example.org", "boss@example.org"]  # GET: nothing

        forged_mac = signer.token(boss, "boss@example.org")[:-3] + "AAA"
        other_secret = OneClick("x", b"a-guess-at-the-secret").token(boss, "boss@example.org")
        for token in (forged_mac, other_secret, f"{boss}.Ym9zc0BleGFtcGxlLm9yZw.{'A' * 43}"):
            refused = httpx.post(
                f"{served.base}/unsubscribe", params={"token": token}, timeout=30,
                data={"List-Unsubscribe": "One-Click"},
            )  # fmt: skip
            assert refused.status_code == 403
            assert refused.text == (
                "ลิงก์ยกเลิกไม่ถูกต้อง / This unsubscribe link is not valid (altered, or not"
                " signed by this watcher); nothing was changed.\n"
            )
        assert subscribed(db_path) == ["desk@example.org", "boss@example.org"]

        form = {"Content-Type": "application/x-www-form-urlencoded"}
        first = httpx.post(url, content=b"List-Unsubscribe=One-Click", headers=form, timeout=30)
        assert first.status_code == 200
        assert first.text == (
            "ยกเลิกแล้ว / Unsubscribed: desk@example.org will get no more e-mail from this"
            " thaigov-watcher.\n"
        )
        assert subscribed(db_path) == ["boss@example.org"]

        again = httpx.post(url, content=b"List-Unsubscribe=One-Click", timeout=30)
        assert again.status_code == 200
        assert again.text.startswith("ยกเลิกไปแล้ว / Already unsubscribed: desk@example.org")
        assert httpx.get(url, timeout=30).text == again.text
        prefixed = httpx.post(f"{served.base}/watcher/unsubscribe?{link.query}", timeout=30)
        assert prefixed.status_code == 200  # a proxy that keeps the public URL's path

        assert httpx.post(f"{served.base}/feed.atom", timeout=30).status_code == 501
        assert httpx.get(f"{served.base}/feed.atom", timeout=30).status_code == 200
        assert subscribed(db_path) == ["boss@example.org"]
    finally:
        err = served.stop()
    token = parse_qs(link.query)["token"][0]
    assert token not in err and token.split(".")[2] not in err and SECRET not in err
    line = _hide_tokens(f'"POST /unsubscribe?token={token} HTTP/1.1" 200 -')
    assert line == '"POST /unsubscribe?token=*** HTTP/1.1" 200 -'  # the access log's line


def test_serve_without_a_public_url_has_no_unsubscribe(
    tmp_path: Path, db_path: Path, people: tuple[int, int]
) -> None:
    served = Served(tmp_path, db_path, None)
    token = OneClick(PUBLIC, SECRET.encode()).token(people[0], "desk@example.org")
    try:
        answer = httpx.post(f"{served.base}/unsubscribe", params={"token": token}, timeout=30)
        assert answer.status_code == 501
        assert httpx.get(f"{served.base}/unsubscribe", timeout=30).status_code == 404
    finally:
        served.stop()
    assert subscribed(db_path) == ["desk@example.org", "boss@example.org"]


def test_the_preview_shows_the_link_and_the_secret_is_never_printed(
    tmp_path: Path, db_path: Path, people: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from watcher.cli import cli
    from watcher.cli.context import AppContext
    from watcher.core.redaction import redact

    config = tmp_path / "watcher.toml"
    text = (ROOT / "config" / "watcher.toml").read_text(encoding="utf-8")
    config.write_text(text + f'\n[serve]\npublic_url = "{PUBLIC}"\n', encoding="utf-8")
    store = Store.open(db_path)
    add_item(store, "ญี่ปุ่นลงทุนโรงงาน", countries=["JP"])
    store.close()
    monkeypatch.setenv("WATCHER_DB", str(db_path))
    monkeypatch.setenv("WATCHER_CONFIG", str(config))
    monkeypatch.setenv("WATCHER_SECRET", SECRET)
    monkeypatch.setenv("SMTP_FROM", "watcher@example.org")
    monkeypatch.delenv("SMTP_HOST", raising=False)

    shown = CliRunner().invoke(
        cli, ["digest", "--channel", "email", "--date", DAY.isoformat(), "--preview",
              "--subscriber", str(people[0]), "--html", str(tmp_path / "html")],
        catch_exceptions=False,
    )  # fmt: skip

    link = OneClick(PUBLIC, SECRET.encode()).link(people[0], "desk@example.org")
    assert shown.exit_code == 0, shown.output
    assert f"List-Unsubscribe: <{link}>, <mailto:watcher@example.org?subject=unsubscribe>\n" in (
        shown.output
    )
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n" in shown.output
    assert f"ยกเลิกการรับข่าว / To unsubscribe: {link}\n" in shown.output
    assert SECRET not in shown.output
    AppContext(env=load_environment({"WATCHER_SECRET": SECRET}))
    assert redact(f"signing with {SECRET}") == "signing with ***"  # in every log line and error
