"""Operations: secrets never logged, health exit codes, online backup."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from watcher.cli import cli
from watcher.core.corpus import Item
from watcher.core.logs import configure_logging
from watcher.store import Store

TOKEN = "123456:AAHsecret-token-value"
PASSWORD = "smtp-pa55word"


def test_secrets_never_reach_the_log_even_at_debug(capsys: pytest.CaptureFixture[str]) -> None:
    handler = configure_logging("DEBUG", "json", secrets=[TOKEN, PASSWORD, None])
    try:
        log = logging.getLogger("watcher.test")
        log.debug("GET https://api.telegram.org/bot%s/getMe", TOKEN)
        log.info("login with %s", PASSWORD)
        try:
            raise RuntimeError(f"failed for {TOKEN}")
        except RuntimeError:
            log.exception("send failed")
    finally:
        logging.getLogger().removeHandler(handler)
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert len(lines) == 3
    assert TOKEN not in err and PASSWORD not in err
    assert "bot***/getMe" in lines[0]["message"]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def env(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "watcher.toml"
    config.write_text(
        '[[sources]]\nname = "news"\nkind = "sequence"\nurl = "http://127.0.0.1:9/{id}"\n'
        "interval_seconds = 60\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("WATCHER_DB", str(db_path))
    monkeypatch.setenv("WATCHER_CONFIG", str(config))
    return db_path


def test_health_follows_sources_and_outbox(env: Path) -> None:
    Store.open(env).close()
    fresh = run("health")
    assert fresh.exit_code == 1, fresh.output
    assert "not polled yet" in fresh.output
    assert "FAIL polls: no poll has completed on this database yet" in fresh.output
    store = Store.open(env)
    store.record_cycle("news", at=dt.datetime.now(dt.UTC))
    store.close()
    polled = run("health")
    assert polled.exit_code == 0, polled.output
    assert f"ok   database: {env} writable" in polled.output
    store = Store.open(env)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    store.record_cycle("news", at=long_ago)
    store.record_cycle("news", at=dt.datetime.now(dt.UTC), error="HTTP 503")
    store.close()
    stale = run("health", "--format", "json")
    assert stale.exit_code == 1
    checks = {c["name"]: c for c in json.loads(stale.output)}
    assert not checks["source news"]["ok"] and "HTTP 503" in checks["source news"]["detail"]
    assert checks["database"]["ok"] and checks["outbox"]["ok"]


def test_health_fails_on_a_locked_database(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Store.open(env).close()
    monkeypatch.setattr("watcher.store.base.BUSY_TIMEOUT_SECONDS", 0.1)
    blocker = sqlite3.connect(env)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        result = run("health")
    finally:
        blocker.rollback()
        blocker.close()
    assert result.exit_code == 1
    assert "FAIL database" in result.output and "locked" in result.output


def test_backup_is_a_consistent_copy(env: Path, tmp_path: Path, now: dt.datetime) -> None:
    store = Store.open(env)
    store.add_item(Item("หัวข้อ", "เนื้อหา"), origin="import", seen_at=now)
    store.close()
    target = tmp_path / "backups" / "copy.db"
    result = run("backup", str(target))
    assert result.exit_code == 0, result.output
    assert Store.open(target).count_items() == 1
    again = run("backup", str(target))
    assert again.exit_code == 1 and "already exists" in again.output


def test_every_command_has_help(make_text: Callable[..., str]) -> None:
    def walk(group: object, path: tuple[str, ...]) -> list[tuple[str, ...]]:
        commands = getattr(group, "commands", {})
        found = []
        for name, command in commands.items():
            found.append((*path, name))
            found += walk(command, (*path, name))
        return found

    for path in walk(cli, ()):
        result = run(*path, "--help")
        assert result.exit_code == 0, path
        command = cli
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        assert command.help, f"watcher {' '.join(path)} has no help text"
