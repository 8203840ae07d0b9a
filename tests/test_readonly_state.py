"""A read-only state dir (what a full disk looks like to SQLite): one clear error, nothing lost.

Root ignores permission bits, so the directory is made read-only for real with a read-only bind
mount in a private mount namespace (`unshare -m`); skipped where that is not allowed.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, corpus_text
from watcher.core.corpus import parse_corpus_text
from watcher.store import Store


def _can_remount() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount --bind /tmp /tmp && mount -o remount,ro,bind /tmp"],
        capture_output=True,
    )
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not _can_remount(), reason="needs root and mount namespaces")


def run_read_only(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = " ".join(f"'{a}'" for a in (sys.executable, "-m", "watcher", *args))
    script = f"mount --bind {state} {state} && mount -o remount,ro,bind {state} && exec {command}"
    env = {
        **os.environ,
        "WATCHER_DB": str(state / "watcher.db"),
        "WATCHER_CONFIG": str(ROOT / "config" / "watcher.toml"),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)  # fmt: skip


def test_new_database_in_a_read_only_dir(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    empty = tmp_path / "none.txt"
    empty.write_text(corpus_text("หัวข้อ", ["เนื้อหาของข่าว"]), encoding="utf-8")
    result = run_read_only(state, "import", str(empty))  # a command that creates a database
    assert result.returncode in (1, 2), result.stderr
    assert result.stderr.strip().startswith("Error: ")
    assert "cannot open the database file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(state.iterdir()) == []


def test_existing_database_stays_whole(tmp_path: Path) -> None:
    state = tmp_path / "state"
    store = Store.open(state / "watcher.db")
    item = parse_corpus_text(corpus_text("หัวข้อเดิม", ["เนื้อหาเดิมของข่าว"]))
    store.add_item(item, origin="import", seen_at=dt.datetime.now(dt.UTC))
    store.close()
    source = tmp_path / "new.txt"
    source.write_text(corpus_text("หัวข้อใหม่", ["เนื้อหาใหม่ของข่าว"], item_id=7), encoding="utf-8")
    result = run_read_only(state, "import", str(source))
    assert result.returncode == 2  # a database problem, as for poll --once
    assert "Traceback" not in result.stderr
    assert "read-only" in result.stderr or "cannot open" in result.stderr
    assert Store.open(state / "watcher.db").count_items() == 1
