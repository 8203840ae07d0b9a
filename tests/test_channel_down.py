"""A channel that cannot be reached does not stop `watcher run`: polling and the other channels go
on, the channel retries with backoff, and the log and `watcher health` say which is down since
when. Real servers on 127.0.0.1: the local site, aiosmtpd, the Bot API stand-in."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.botapi import TOKEN, FakeBotApi
from tests.site import LocalSite, local_site
from tests.smtp import SmtpServer, free_port, smtp_server
from tests.test_crash import crash_item
from watcher.match.subscriptions import Subscription
from watcher.store import Store

__all__ = ["local_site", "smtp_server"]

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 60.0  # for a loaded machine, not an expected duration


def write_config(path: Path, site: LocalSite) -> Path:
    path.write_text(
        "[watcher]\nbaseline_first_cycle = false\n"
        "[fetch]\nper_host_interval = 0.0\nretries = 0\n"
        "[telegram]\ndrain_interval = 0.2\nper_chat_interval = 0.001\n"
        "[email]\nretry_interval_seconds = 1\n"
        f'[[sources]]\nname = "news"\nkind = "sequence"\nurl = "{site.item_url_template}"\n'
        "start_id = 100\ninterval_seconds = 1\njitter_seconds = 0\n",
        encoding="utf-8",
    )
    return path


def subscribe(db: Path) -> None:
    store = Store.open(db)
    now = dt.datetime.now(dt.UTC)
    for channel, address in (("telegram", "1001"), ("email", "desk@example.org")):
        subscriber = store.add_subscriber(channel, address, mode="instant", at=now)
        store.add_subscription(subscriber.id, Subscription(everything=True))
    store.close()


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"not before the deadline: {what}"
        time.sleep(0.1)


def health(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "watcher", "health"]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port('127.0.0.1')}/bot"


def start_run(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "watcher", "run"], env=env, cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    return output


def test_no_bot_api_at_start_polling_and_email_go_on(
    local_site: LocalSite, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    local_site.add_items([crash_item(n) for n in range(2)], start_id=100)
    db = tmp_path / "watcher.db"
    subscribe(db)
    env = dict(
        os.environ, PYTHONPATH=str(ROOT), WATCHER_DB=str(db),
        WATCHER_CONFIG=str(write_config(tmp_path / "w.toml", local_site)),
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=closed_port_url(),
        SMTP_HOST=smtp_server.host, SMTP_PORT=str(smtp_server.port), SMTP_TLS="none",
        SMTP_FROM="watcher@example.org",
    )  # fmt: skip
    process = start_run(env)
    try:
        until(lambda: len(smtp_server.messages) >= 2, "both items e-mailed")
        checked = health(env)
        output = stop(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "news: 2 new" in output
    assert re.search(r"WARNING watcher\.channels: telegram: unreachable since \S+: cannot reach"
                     r" the Bot API at http://127\.0\.0\.1:\d+/bot \(TELEGRAM_API_BASE_URL\)",
                     output), output  # fmt: skip
    assert TOKEN not in output and "Traceback" not in output
    assert checked.returncode == 1
    (line,) = [ln for ln in checked.stdout.splitlines() if "channel telegram" in ln]
    assert re.search(
        r"channel telegram: unreachable since 20\d\d-\S+: cannot reach the Bot API", line
    )


def test_no_smtp_server_polling_and_telegram_go_on(local_site: LocalSite, tmp_path: Path) -> None:
    local_site.add_items([crash_item(n) for n in range(2)], start_id=100)
    db = tmp_path / "watcher.db"
    subscribe(db)
    with FakeBotApi() as api:
        env = dict(
            os.environ, PYTHONPATH=str(ROOT), WATCHER_DB=str(db),
            WATCHER_CONFIG=str(write_config(tmp_path / "w.toml", local_site)),
            TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.base_url,
            SMTP_HOST="127.0.0.1", SMTP_PORT=str(free_port("127.0.0.1")), SMTP_TLS="none",
            SMTP_FROM="watcher@example.org",
        )  # fmt: skip
        process = start_run(env)
        try:
            assert api.wait_messages(2, chat_id=1001, timeout=DEADLINE), "both items on Telegram"
            until(lambda: "channel email" in health(env).stdout, "health names e-mail")
            checked = health(env)
            output = stop(process)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, output
    assert "news: 2 new" in output
    assert re.search(r"email: unreachable since \S+: SMTP 127\.0\.0\.1:\d+ unreachable", output)
    assert checked.returncode == 1
    assert re.search(r"channel email: unreachable since 20\d\d-\S+: SMTP", checked.stdout)
