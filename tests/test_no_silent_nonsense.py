"""Input a command would otherwise ignore or answer with nothing: each is one line and a non-zero
exit, never an empty table with exit 0 (issue "no silent damage")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from watcher.core.corpus import Item
from watcher.store import Store

RunCli = Callable[..., Result]


@pytest.fixture
def filled(db_path: Path, now: dt.datetime) -> Path:
    store = Store.open(db_path)
    item = Item("ข่าวญี่ปุ่น", "เนื้อหา", "https://x/1", published="2020-05-01")
    store.add_item(item, origin="import", seen_at=now)
    store.close()
    return db_path


@pytest.mark.parametrize(
    "command",
    [
        ["seen", "list"], ["search", "ญี่ปุ่น"], ["stats", "--by", "country"], ["feed"],
        ["export", "--format", "csv", "-"],
    ],
)  # fmt: skip
def test_an_inverted_date_range_is_one_line(
    filled: Path, run_cli: RunCli, command: list[str]
) -> None:
    result = run_cli(*command, "--since", "2025-01-01", "--until", "2563-01-01")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: --since 2025-01-01 is after --until 2020-01-01: no date is in that range\n"
    )


def test_poll_once_with_no_source_says_so(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "empty.toml"
    config.write_text("[watcher]\n", encoding="utf-8")
    monkeypatch.setenv("WATCHER_CONFIG", str(config))
    result = run_cli("poll", "--once")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: no enabled source in {config}: nothing to poll; add a [[sources]] table or set"
        " enabled = true in one (docs/configuration.md)\n"
    )


@pytest.mark.parametrize("where", ["after", "before"])
def test_demo_refuses_a_db_it_would_not_use(run_cli: RunCli, tmp_path: Path, where: str) -> None:
    target = tmp_path / "kept.db"
    args = ["demo", "--db", str(target)] if where == "after" else ["--db", str(target), "demo"]
    result = run_cli(*args, "--duration", "1")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --db {target}: the demo runs on a temporary database of its own and keeps"
        f" nothing; to keep its items: watcher import watcher/data/demo-sample.jsonl.xz --db"
        f" {target}\n"
    )
    assert not target.exists()
