"""Commands that only read the database start fast: they import no heavy library.

Checked in a fresh interpreter, because this test process has imported everything already.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from watcher.core.corpus import Item
from watcher.store import Store

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pythainlp", "telegram", "apscheduler", "matplotlib", "datasette", "rich")
PROBE = """
import json, sys
from watcher.cli import cli
for args in {commands!r}:
    try:
        cli.main(args, prog_name="watcher", standalone_mode=False)
    except SystemExit as stop:
        assert not stop.code, (args, stop.code)
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def loaded_modules(commands: list[list[str]], db_path: Path) -> set[str]:
    env = dict(os.environ, WATCHER_DB=str(db_path), PYTHONPATH=str(ROOT))
    env["WATCHER_CONFIG"] = str(ROOT / "config" / "watcher.toml")
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(commands=commands)],
        env=env, capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def packages(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


@pytest.fixture
def small_db(db_path: Path, now: dt.datetime) -> Path:
    store = Store.open(db_path)
    item = Item(title="ไทย-ญี่ปุ่น", body="ความร่วมมือด้านยานยนต์ไฟฟ้า", url="u", published="2024-01-01")
    store.add_item(item, origin="import", seen_at=now)
    store.close()
    return db_path


@pytest.mark.parametrize(
    "commands",
    [
        [["--help"]],
        [["seen", "list", "--country", "JP", "--limit", "20"]],
        [["search", "ญี่ปุ่น"], ["search", "ญี่ปุ่น", "--format", "json"]],
        [["stats", "--by", "month", "--format", "csv"], ["seen", "show", "u"]],
        [["feed", "--country", "JP"]],
    ],
    ids=["help", "seen-list", "search", "stats-show", "feed"],
)
def test_reading_commands_import_nothing_heavy(small_db: Path, commands: list[list[str]]) -> None:
    loaded = packages(loaded_modules(commands, small_db))
    assert "watcher" in loaded and "click" in loaded
    assert not loaded & set(HEAVY)


def test_numpy_is_not_loaded_by_sqlite_utils(small_db: Path) -> None:
    """sqlite-utils would import numpy (a third of the start time); the store hides it."""
    assert "numpy" not in packages(
        loaded_modules([["search", "ญี่ปุ่น", "--format", "json"]], small_db)
    )


def test_listing_and_searching_load_neither_sqlite_utils_nor_the_config(small_db: Path) -> None:
    """Reads go straight to sqlite3, and only the environment is read at start: sqlite-utils
    (~50 ms) is loaded at a command's first write, the config's tables (~25 ms) when asked."""
    commands = [["seen", "list", "--country", "JP", "--limit", "20"], ["search", "ญี่ปุ่น"]]
    loaded = loaded_modules(commands, small_db)
    assert "watcher.store" in loaded and "watcher.core.environment" in loaded
    assert not {"sqlite_utils", "watcher.core.config"} & loaded
    wrote = loaded_modules([["reclassify"]], small_db)
    assert "sqlite_utils" in wrote  # a command that writes still writes through it


def test_a_listing_or_a_search_does_not_load_logging(small_db: Path) -> None:
    """Their one error line is redacted by watcher.core.redaction alone (logging: ~5 ms a start)."""
    commands = [["seen", "list", "--country", "JP", "--limit", "20"], ["search", "ญี่ปุ่น"]]
    assert "logging" not in loaded_modules(commands, small_db)


def test_a_search_builds_no_subscriber_chart_or_watching_records(small_db: Path) -> None:
    """Subscribers are built where they are read, counts where `stats` draws them, the
    watching side's records (outbox, sources, storing) where it runs: their dataclasses cost
    a search 8 and 15 ms of its start; the Thai date and XML patterns load where a date is
    parsed or an item stored (5 ms)."""
    loaded = loaded_modules([["search", "EV"], ["seen", "list", "--limit", "5"]], small_db)
    assert not {
        "watcher.match.subscriptions", "watcher.query.stats", "watcher.store.watch_records",
        "watcher.core.thaidate", "watcher.core.xmltext",
    } & loaded  # fmt: skip
    dated = loaded_modules([["search", "EV", "--since", "2563-01-01"]], small_db)
    assert "watcher.core.thaidate" in dated


def test_the_entry_point_hides_its_objects_from_the_exit_collection(small_db: Path) -> None:
    """The interpreter's exit collections would traverse every object a search made (25 ms of
    it); `main` freezes them, and the search still prints its rows and closes the database."""
    probe = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count(), file=sys.stderr))\n"
        "sys.argv = ['watcher', 'search', 'ญี่ปุ่น']\n"
        "from watcher.cli import main\n"
        "main()\n"
    )
    env = dict(os.environ, WATCHER_DB=str(small_db), PYTHONPATH=str(ROOT))
    env["WATCHER_CONFIG"] = str(ROOT / "config" / "watcher.toml")
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                          text=True, timeout=60, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ไทย-ญี่ปุ่น" in done.stdout
    frozen = int(done.stderr.split("frozen ")[1].split()[0])
    assert frozen > 10_000  # the modules, not a handful of objects
    assert not Path(str(small_db) + "-wal").exists()  # the store closed: SQLite removed its log
