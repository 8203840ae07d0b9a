"""A full disk, said plainly: `watcher health` fails naming the filesystem; an import that runs
out of room says how many inputs were committed and exits 2; a bad Bot API URL is one line.

The full disk is real: a small tmpfs (needs root and mount, else those tests skip) or SQLite's
own page limit (`PRAGMA max_page_count`), which fails a write with SQLITE_FULL like a disk does.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.test_cli_items import corpus_line, write_jsonl
from tests.test_crash import crash_item
from watcher.cli import cli
from watcher.core.config import load_environment
from watcher.core.errors import ConfigError
from watcher.ingest import pipeline
from watcher.ingest.pipeline import ImportInterrupted, Pipeline
from watcher.ingest.reader import ReadRecord
from watcher.store import Store

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "424242:AAF-disk-test-token"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def write_config(path: Path, extra: str = "") -> Path:
    path.write_text(
        f"[watcher]\n{extra}\n"
        '[[sources]]\nname = "news"\nkind = "sequence"\nurl = "http://127.0.0.1:9/{id}"\n'
        "interval_seconds = 60\nenabled = false\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A real filesystem of 3 MB (a tmpfs), unmounted afterwards."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> None:
    """Write until the filesystem refuses: ENOSPC for real."""
    with (folder / "filler").open("wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass


def import_lines(count: int) -> list[str]:
    """Distinct stories (neither duplicates nor near-duplicates), each a few KB."""
    lines = []
    for n in range(count):
        item = crash_item(n)
        text = f"{item.title}\n\n{item.body}\n" + uuid.UUID(int=n).hex * 60 + "\n"
        lines.append(corpus_line(text))
    return lines


def test_health_fails_naming_the_disk_below_the_free_space_threshold(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.open(db_path)
    store.record_cycle("news", at=dt.datetime.now(dt.UTC))  # health wants a completed poll
    store.close()
    monkeypatch.setenv("WATCHER_DB", str(db_path))
    monkeypatch.setenv("WATCHER_CONFIG", str(write_config(tmp_path / "ok.toml")))
    ok = invoke("health")
    assert ok.exit_code == 0, ok.output
    assert f"ok   disk: {db_path.parent}:" in ok.output and "MB free" in ok.output
    need = "min_free_disk_mb = 1_000_000_000"  # more than any disk has: this one is "full"
    monkeypatch.setenv("WATCHER_CONFIG", str(write_config(tmp_path / "big.toml", need)))
    low = invoke("health", "--format", "json")
    assert low.exit_code == 1, low.output
    disk = next(c for c in json.loads(low.output) if c["name"] == "disk")
    assert not disk["ok"]
    assert disk["detail"].startswith(f"{db_path.parent} (the database's filesystem) has ")
    assert "MB free, below min_free_disk_mb = 1000000000: free space" in disk["detail"]


def test_health_fails_on_a_really_full_disk_even_with_no_threshold(
    full_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = full_disk / "watcher.db"
    daemon = Store.open(db)  # a running watcher holds the database (its WAL files exist)
    fill(full_disk)
    monkeypatch.setenv("WATCHER_DB", str(db))
    monkeypatch.setenv("WATCHER_CONFIG", str(write_config(tmp_path / "w.toml")))
    result = invoke("health")
    assert result.exit_code == 1
    assert "ok   database" in result.output  # SQLite's probe alone sees nothing wrong
    assert result.output.splitlines()[-1] == (
        f"FAIL disk: {full_disk} (the database's filesystem) has 0.0 MB free, below"
        " min_free_disk_mb = 100: free space, or the next writes fail"
    )
    no_threshold = write_config(tmp_path / "z.toml", "min_free_disk_mb = 0")
    monkeypatch.setenv("WATCHER_CONFIG", str(no_threshold))
    probe = invoke("health")
    assert probe.exit_code == 1
    assert probe.output.splitlines()[-1] == (
        f"FAIL disk: {full_disk} (the database's filesystem): a test write failed:"
        " No space left on device"
    )
    assert not list(full_disk.glob(".health-probe-*"))  # the probe leaves nothing behind
    daemon.close()


def test_health_names_the_disk_when_it_is_too_full_to_open_the_database(
    full_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = full_disk / "watcher.db"
    Store.open(db).close()  # closed: its WAL and shared-memory files are gone
    fill(full_disk)
    monkeypatch.setenv("WATCHER_DB", str(db))
    monkeypatch.setenv("WATCHER_CONFIG", str(write_config(tmp_path / "w.toml")))
    unopened = invoke("health")  # SQLite cannot even open it (no room for its -shm file)
    assert unopened.exit_code == 1
    assert unopened.output.splitlines()[0].startswith(f"FAIL database: {db}:")
    assert unopened.output.splitlines()[1].startswith(f"FAIL disk: {full_disk} (the database's")


def test_a_disk_full_import_says_how_many_were_committed_and_exits_2(
    full_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "IMPORT_BATCH", 20)
    source = write_jsonl(tmp_path / "many.jsonl", import_lines(1500))
    db = full_disk / "watcher.db"
    monkeypatch.setenv("WATCHER_DB", str(db))
    monkeypatch.setenv("WATCHER_CONFIG", str(write_config(tmp_path / "w.toml")))
    result = CliRunner().invoke(cli, ["import", str(source)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"Error: {db}: the disk is full (database or disk is full);")
    assert "; import stopped after " in line and "the rest was not imported" in line
    done = int(line.split("import stopped after ")[1].split()[0])
    assert 0 < done < 1500 and done % 20 == 0  # whole batches, no partial one
    (full_disk / "filler").unlink(missing_ok=True)
    store = Store.open(db)
    assert f"committed: {store.count_items()} new, 0 duplicate" in line
    assert store.count_items() == done
    store.close()


def test_sqlite_full_mid_import_keeps_the_committed_batches_and_counts_them(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "IMPORT_BATCH", 10)
    store = Store.open(db_path)
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages + 40}")  # room for a few batches only
    records = [ReadRecord(f"gen:{n}", crash_item(n)) for n in range(1000)]
    seen: list[str] = []
    with pytest.raises(ImportInterrupted) as stopped:
        Pipeline(store, None).import_records(records, on_result=lambda r, _: seen.append(r.where))
    committed = stopped.value.committed.counts
    assert committed["new"] > 0 and committed.total() % 10 == 0
    assert store.count_items() == committed["new"]
    assert len(seen) > committed.total()  # the failing batch was read, then rolled back
    assert "database or disk is full" in str(stopped.value)
    assert f"import stopped after {committed.total()} inputs" in str(stopped.value)
    store.close()


@pytest.mark.parametrize(
    "url",
    [
        "htp:/x",
        "not a url",
        "http://[::1",
        "http://127.0.0.1:99999/",
        "ftp://127.0.0.1/",
        "http://:80/",
    ],
)
def test_a_malformed_bot_api_url_is_one_config_line(url: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_environment({"TELEGRAM_API_BASE_URL": url})
    assert str(error.value) == (
        f"environment: TELEGRAM_API_BASE_URL: must be an http:// or https:// URL, not {url!r}"
    )


def run_watcher(tmp_path: Path, base_url: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        WATCHER_DB=str(tmp_path / "watcher.db"),
        WATCHER_CONFIG=str(write_config(tmp_path / "run.toml")),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=base_url,
    )
    return subprocess.run(
        [sys.executable, "-m", "watcher", "run"],
        env=env, capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip


def test_run_with_a_malformed_bot_api_url_ends_in_one_line(tmp_path: Path) -> None:
    """Malformed is a start failure; unreachable is not (the daemon goes on without the bot
    until it answers: tests/test_channel_down.py)."""
    url, expected = "htp:/x", "Error: environment: TELEGRAM_API_BASE_URL: must be an http://"
    done = run_watcher(tmp_path, url)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output and TOKEN not in output
    assert done.stderr.strip().splitlines()[-1].startswith(expected), output
