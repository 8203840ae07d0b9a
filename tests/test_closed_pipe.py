"""A reader that stops early (`| head -1`) ends the command quietly: exit 0, nothing on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "watcher" / "data" / "demo-sample.jsonl.xz"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    db = tmp_path_factory.mktemp("pipe") / "w.db"
    env = os.environ | {"WATCHER_DB": str(db)}
    done = subprocess.run([sys.executable, "-m", "watcher", "import", str(SAMPLE)],
                          env=env, cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return env


def _read_one_line_then_close(env: dict[str, str], *args: str) -> tuple[str, int, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "watcher", *args], env=env, cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline().decode()
    process.stdout.close()  # what `head -1` does after its line
    stderr = process.stderr.read().decode()
    process.stderr.close()
    return first, process.wait(timeout=60), stderr


@pytest.mark.parametrize(
    ("args", "first", "stderr_end"),
    [
        (("export", "--format", "jsonl", "-"), '{"hash": ', ""),
        (("export", "--format", "csv", "-"), "hash,", ""),
        (("seen", "list", "--limit", "300", "--format", "json"), "[", ""),
        (("seen", "list", "--limit", "300"), "", ""),
    ],
)
def test_a_closed_pipe_ends_the_command_quietly(
    env: dict[str, str], args: tuple[str, ...], first: str, stderr_end: str
) -> None:
    line, code, stderr = _read_one_line_then_close(env, *args)
    assert line.startswith(first) and line.strip()
    assert stderr == stderr_end  # no traceback, no "Exception ignored … BrokenPipeError"
    assert code == 0


def test_corpus_export_to_stdout_is_a_one_line_error(env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "watcher", "export", "-"], env=env,
                          cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2 and not (ROOT / "-").exists()
    assert (
        "--format corpus writes a directory of files; for stdout use --format jsonl" in done.stderr
    )
