"""A damaged or empty database file is named in one line and never written to (issue 27, #7).

The file is a real database of a few hundred items with 256 KB of garbage written over its
middle, as a bad disk or a careless copy leaves it; the commands are the real CLI.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import random
import shutil
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from click.testing import CliRunner, Result

from tests.site import LocalSite, local_site
from tests.test_sources import FAST, news_item, sequence_config
from watcher.cli import cli
from watcher.core.config import Config
from watcher.core.corpus import Item
from watcher.daemon.scheduler import run_daemon
from watcher.store import DamagedDatabase, Store
from watcher.store.connection import damage_message

__all__ = ["local_site"]

GARBAGE = 256 * 1024


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def sound_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sound") / "watcher.db"
    store = Store.open(path)
    seen = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    for i in range(400):
        body = f"ข่าวที่ {i} นายกรัฐมนตรีพบเอกอัครราชทูตญี่ปุ่น " * 40
        url = f"https://www.thaigov.go.th/news/contents/details/{i}"
        item = Item(f"ข่าว {i} ญี่ปุ่น", body, url=url, source_id=i, published="2026-01-05")
        store.add_item(item, origin="test", seen_at=seen)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "watcher.toml"
    config.write_text(
        '[[sources]]\nname = "news"\nkind = "sequence"\nurl = "http://127.0.0.1:9/{id}"\n',
        encoding="utf-8",
    )
    db = tmp_path / "watcher.db"
    monkeypatch.setenv("WATCHER_DB", str(db))
    monkeypatch.setenv("WATCHER_CONFIG", str(config))
    return db


@pytest.fixture
def damaged(env: Path, sound_db: Path) -> Path:
    shutil.copyfile(sound_db, env)
    size = env.stat().st_size
    assert size > 4 * GARBAGE
    with env.open("r+b") as file:
        file.seek(size // 2 - size // 2 % 4096)
        file.write(random.Random(27).randbytes(GARBAGE))
    return env


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line(result: Result) -> str:
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def assert_names_damage(db: Path, line: str, prefix: str = "Error: ") -> None:
    """The line that names the damaged file, asserted whole but for SQLite's own detail."""
    assert line.startswith(f"{prefix}{db}: the database file is damaged ("), line
    assert line.endswith("); nothing was written to it: restore the last good backup"), line


def test_health_backup_and_writers_check_the_file_before_anything_else(damaged: Path) -> None:
    before = digest(damaged)
    health = run("health")
    assert health.exit_code == 1
    database, disk = health.output.strip().splitlines()
    assert_names_damage(damaged, database, prefix="FAIL database: ")
    assert "(quick_check: " in database and disk.startswith("ok   disk: ")

    copy = damaged.parent / "copy.db"
    backup = run("backup", str(copy))
    assert backup.exit_code == 1
    assert_names_damage(damaged, one_line(backup))
    assert not copy.exists()  # no corrupt copy to restore from later

    poll = run("poll", "--once")
    assert poll.exit_code == 2  # the contract: 2 for a broken database
    assert_names_damage(damaged, one_line(poll))

    added = run("subscribers", "add", "--email", "a@example.org", "--country", "JP")
    assert added.exit_code == 1
    assert_names_damage(damaged, one_line(added))
    assert digest(damaged) == before  # nothing was written into the damaged file


def test_a_passed_check_is_remembered_until_the_file_changes(env: Path, sound_db: Path) -> None:
    """health every minute on a large history costs a stat, not a full quick_check, and still
    sees garbage written afterwards: anything that writes the file changes its state."""
    shutil.copyfile(sound_db, env)
    first = run("health")
    assert first.output.startswith(f"ok   database: {env} writable, 400 items\n"), first.output
    marker = env.parent / "watcher.db.checked"
    stat = env.stat()
    assert marker.read_text() == f"{stat.st_dev} {stat.st_ino} {stat.st_size} {stat.st_mtime_ns}\n"
    with env.open("r+b") as file:
        file.seek(env.stat().st_size // 2 // 4096 * 4096)
        file.write(random.Random(27).randbytes(GARBAGE))
    health = run("health")
    assert_names_damage(env, health.output.splitlines()[0], prefix="FAIL database: ")
    assert not marker.exists()


@pytest.mark.parametrize(
    "command",
    [["export", "--format", "jsonl", "-"], ["seen", "list"], ["stats"], ["feed"]],
)
def test_a_read_that_meets_the_damage_names_the_file(damaged: Path, command: list[str]) -> None:
    before = digest(damaged)
    result = run(*command)
    assert result.exit_code == 1
    line = one_line(result)
    assert_names_damage(damaged, line)
    assert "(database disk image is malformed)" in line
    assert digest(damaged) == before


@pytest.mark.parametrize(
    "command",
    [["seen", "list"], ["stats"], ["feed"], ["health"], ["poll", "--once"],
     ["subscribers", "add", "--email", "a@example.org", "--all"], ["import", "-"]],
)  # fmt: skip
def test_an_empty_file_is_refused_and_stays_empty(env: Path, command: list[str]) -> None:
    env.touch()
    result = CliRunner().invoke(cli, command, input="")
    assert result.exit_code == (2 if command[0] in ("poll", "import") else 1)
    message = (
        f"{env}: empty file (0 bytes), not a database; it was left untouched: remove it to start"
        " a new database, or point --db / WATCHER_DB at the right file"
    )
    lines = result.output.strip().splitlines()
    assert lines[0].endswith(message)  # health: "FAIL database: …", then the disk's line
    assert env.stat().st_size == 0


def test_a_cycle_that_meets_damage_stops_the_daemon(
    local_site: LocalSite,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Damage met while `watcher run` runs (the file broke under it) stops it: no more writes,
    the one line in the log and raised to the command (exit 2), the lock released."""
    local_site.publish(100, news_item(100))
    path = tmp_path / "w.db"
    store = Store.open(path)
    problem = damage_message(str(path), "database disk image is malformed")

    def broken(*args: object, **kwargs: object) -> None:
        raise DamagedDatabase(problem)

    monkeypatch.setattr(store, "add_item", broken)
    source = sequence_config(local_site, interval_seconds=1, jitter_seconds=0)
    config = Config(fetch=FAST, sources=(source,))
    with pytest.raises(DamagedDatabase) as stopped:
        asyncio.run(run_daemon(config, store, None, scheduler=AsyncIOScheduler()))
    assert str(stopped.value) == problem
    assert f"source {source.name}: {problem}; the watcher stops" in caplog.messages
    store.close()
