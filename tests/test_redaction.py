"""The bot token never printed: a Bot API that refuses it (401) ends `watcher run` with one
line, and neither that line nor any log line (text or JSON) carries the token."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.botapi import FakeBotApi
from watcher.core.logs import RedactSecrets, add_secrets, configure_logging, redact

ROOT = Path(__file__).resolve().parents[1]
SECRET_TOKEN = "987654:AAF-refused-secret-token-value"


def run_watcher(tmp_path: Path, base_url: str, log_format: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / f"watcher-{log_format}.toml"
    config.write_text(
        f'[watcher]\nlog_format = "{log_format}"\nlog_level = "DEBUG"\n\n'
        '[[sources]]\nname = "news"\nkind = "sequence"\nurl = "http://127.0.0.1:9/{id}"\n'
        "interval_seconds = 60\n",
        encoding="utf-8",
    )
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        WATCHER_DB=str(tmp_path / "watcher.db"),
        WATCHER_CONFIG=str(config),
        TELEGRAM_BOT_TOKEN=SECRET_TOKEN,
        TELEGRAM_API_BASE_URL=base_url,
    )
    return subprocess.run(
        [sys.executable, "-m", "watcher", "run"],
        env=env, capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_refused_token_ends_run_with_one_line_and_is_never_printed(
    tmp_path: Path, log_format: str
) -> None:
    with FakeBotApi() as server:  # it knows another token: ours gets 401 Unauthorized
        done = run_watcher(tmp_path, server.base_url, log_format)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert SECRET_TOKEN not in output
    assert SECRET_TOKEN.split(":")[1] not in output
    assert "Traceback" not in output
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: Telegram: cannot start the bot:"), last
    assert "***" in last or "rejected" in last or "Unauthorized" in last
    if log_format == "json":
        for line in done.stderr.strip().splitlines()[:-1]:
            json.loads(line)  # every log line is JSON; only the last line is the error


def test_third_party_records_and_tracebacks_are_redacted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    handler = configure_logging("DEBUG", "text", secrets=[SECRET_TOKEN])
    try:
        try:
            raise RuntimeError(f"The token `{SECRET_TOKEN}` was rejected by the server.")
        except RuntimeError:
            logging.getLogger("telegram.ext.Application").exception("while initializing")
        logging.getLogger("httpx").warning("GET http://x/bot%s/getMe 401", SECRET_TOKEN)
        logging.getLogger("apprise").error("url %s", "json://u:p%40ss@host")
    finally:
        logging.getLogger().removeHandler(handler)
    err = capsys.readouterr().err
    assert SECRET_TOKEN not in err and "rejected by the server" in err
    assert "/bot***/getMe" in err


def test_one_redactor_masks_encoded_forms_and_leaves_short_strings() -> None:
    add_secrets(["s3cr3t/with:chars", None, "ab"])
    assert redact("x s3cr3t%2Fwith%3Achars y") == "x *** y"
    assert redact("x s3cr3t/with:chars y") == "x *** y"
    assert redact("ab cd") == "ab cd"
    assert isinstance(RedactSecrets(), logging.Filter)
