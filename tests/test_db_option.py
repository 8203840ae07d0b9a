"""`--db PATH` and WATCHER_DB: one database, shown resolved; reading commands never create one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.conftest import ROOT
from watcher.cli import cli

READERS = [
    ["seen", "list"],
    ["search", "ประชุม"],
    ["export", "--format", "jsonl", "-"],
    ["stats"],
    ["sources"],
    ["subscribers", "list"],
    ["health"],
]


def run(*args: str, cwd: Path | None = None) -> Result:
    if cwd is None:
        return CliRunner().invoke(cli, list(args))
    here = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args))
    finally:
        os.chdir(here)


@pytest.fixture(autouse=True)
def config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHER_DB", raising=False)
    monkeypatch.setenv("WATCHER_CONFIG", str(ROOT / "config" / "watcher.toml"))


@pytest.fixture
def filled(tmp_path: Path, make_text: Callable[..., str]) -> Path:
    """A database holding one imported item."""
    source = tmp_path / "in" / "one.txt"
    source.parent.mkdir()
    source.write_text(make_text("นายกรัฐมนตรีประชุมกับญี่ปุ่น", ["ย่อหน้าแรกของข่าว"]), "utf-8")
    db = tmp_path / "filled.db"
    imported = run("--db", str(db), "import", str(source))
    assert imported.exit_code == 0, imported.output
    return db


@pytest.mark.parametrize("args", READERS, ids=" ".join)
def test_a_reading_command_on_a_missing_database_says_so_and_creates_nothing(
    tmp_path: Path, args: list[str]
) -> None:
    result = run(*args, "--db", "typo/watcher.db", cwd=tmp_path)
    missing = tmp_path / "typo" / "watcher.db"
    assert result.exit_code == 1, result.output
    assert f"{missing}: no database here; create it with `watcher import PATH…`" in result.output
    assert "`watcher run`" in result.output
    assert not missing.exists() and not missing.parent.exists()


def test_db_works_before_or_after_the_command_name_and_beats_watcher_db(
    filled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHER_DB", str(tmp_path / "elsewhere.db"))
    before = run("--db", str(filled), "seen", "list", "--format", "json")
    after = run("seen", "list", "--format", "json", "--db", str(filled))
    assert before.exit_code == after.exit_code == 0, before.output + after.output
    assert "นายกรัฐมนตรีประชุมกับญี่ปุ่น" in before.output
    assert before.output == after.output
    assert not (tmp_path / "elsewhere.db").exists()


def test_watcher_db_is_used_when_no_db_is_given(
    filled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHER_DB", str(filled))
    listed = run("seen", "list", "--format", "json")
    assert listed.exit_code == 0, listed.output
    assert "นายกรัฐมนตรีประชุมกับญี่ปุ่น" in listed.output


def test_version_and_health_show_the_database_resolved(filled: Path) -> None:
    relative = os.path.relpath(filled, filled.parent.parent)
    version = run("--version", "--db", relative, cwd=filled.parent.parent)
    assert version.exit_code == 0, version.output
    assert version.output.splitlines()[:2] == ["watcher 0.1.0", f"database: {filled} (exists)"]
    missing = run("--db", "nowhere.db", "--version", cwd=filled.parent)
    assert f"database: {filled.parent / 'nowhere.db'} (missing)" in missing.output
    health = run("health", "--db", relative, cwd=filled.parent.parent)
    assert f"ok   database: {filled} writable, 1 items" in health.output
    assert "FAIL polls: no poll has completed on this database yet" in health.output
    assert health.exit_code == 1


def test_db_does_not_import_every_command_module(filled: Path) -> None:
    """The lazy command table stays lazy with --db (cold start, issue 16)."""
    code = (
        "import sys\nfrom watcher.cli import cli\n"
        f"cli(['--db', {str(filled)!r}, 'seen', 'list', '--db', {str(filled)!r}],"
        " standalone_mode=False)\n"
        "print(sorted(m for m in sys.modules if m.startswith('watcher.cli.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = done.stdout.splitlines()[-1]
    assert "watcher.cli.items" in loaded
    for other in ("poll", "query", "subscribers", "classify", "sources", "ops"):
        assert f"watcher.cli.{other}'" not in loaded
