"""Output as a terminal user sees it: a closed pipe ends quietly, a limited table says N of M."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import ROOT
from watcher.cli import CLOSED_PIPE_EXIT

Run = Callable[..., Result]
ITEMS = 120  # with their bodies, far more than a pipe's 64 KiB buffer


@pytest.fixture
def many(run_cli: Run, db_path: Path, tmp_path: Path, make_text: Callable[..., str]) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for number in range(ITEMS):
        body = [f"ข่าวที่ {number} นายกรัฐมนตรีประชุมกับญี่ปุ่น " + "รายละเอียด " * 80]
        text = make_text(f"ข่าวประชุมญี่ปุ่นหมายเลข {number}", body, item_id=number + 1)
        (folder / f"{number}.txt").write_text(text, encoding="utf-8")
    assert run_cli("import", str(folder)).exit_code == 0
    return db_path


def watcher_env(db: Path) -> dict[str, str]:
    return {**os.environ, "WATCHER_DB": str(db), "PYTHONPATH": str(ROOT),
            "WATCHER_CONFIG": str(ROOT / "config" / "watcher.toml")}  # fmt: skip


@pytest.mark.parametrize(
    "args", [["export", "--format", "jsonl", "-"], ["export", "--format", "csv", "-"],
             ["seen", "list", "--format", "json", "--limit", "1000"]], ids=" ".join,
)  # fmt: skip
def test_a_closed_pipe_ends_quietly(many: Path, args: list[str]) -> None:
    """`watcher export --format jsonl - | head -1`, as the shell runs it."""
    command = [sys.executable, "-m", "watcher", *args]
    done = subprocess.run(
        ["sh", "-c", '"$@" 2>err | head -1 >first; echo "${PIPESTATUS:-}"', "sh", *command],
        env=watcher_env(many), cwd=many.parent, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    first = (many.parent / "first").read_text(encoding="utf-8")
    assert first.strip(), "head saw no line"
    error = (many.parent / "err").read_text(encoding="utf-8")
    assert error == "", error  # no traceback, no "Exception ignored", no "cannot write"


def test_a_closed_pipe_exits_as_sigpipe_would(many: Path) -> None:
    reader = subprocess.Popen(
        [sys.executable, "-m", "watcher", "export", "--format", "jsonl", "-"],
        env=watcher_env(many), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert reader.stdout is not None and reader.stderr is not None
    assert json.loads(reader.stdout.readline())["title"].startswith("ข่าวประชุมญี่ปุ่น")
    reader.stdout.close()
    assert reader.wait(timeout=120) == CLOSED_PIPE_EXIT
    assert reader.stderr.read() == b""
    reader.stderr.close()


def on_a_terminal(db: Path, *args: str) -> str:
    """Run `watcher ARGS` with its stdout on a pseudo-terminal, as in an interactive shell."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "watcher", *args], env=watcher_env(db) | {"COLUMNS": "200"},
        stdout=follower, stderr=subprocess.PIPE,
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=120) == 0
    assert process.stderr is not None
    process.stderr.close()
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_limited_table_says_n_of_m_on_a_terminal(run_cli: Run, many: Path) -> None:
    stories = len(json.loads(run_cli("seen", "list", "--format", "json", "--limit", "1000").output))
    assert stories > 100  # one row per story: near-duplicates among them are not counted
    listed = on_a_terminal(many, "seen", "list", "--limit", "5")
    assert f"5 of {stories} items (--limit shows more)" in listed
    found = on_a_terminal(many, "search", "ญี่ปุ่น", "--limit", "3")
    assert f"3 of {stories} items (--limit shows more)" in found
    whole = on_a_terminal(many, "seen", "list", "--country", "JP", "--limit", "1000")
    assert f"{stories} of {stories} items\r\n" in whole


def test_no_count_line_when_piped(run_cli: Run, many: Path) -> None:
    assert " of " not in run_cli("seen", "list", "--limit", "5").output.splitlines()[-1]
