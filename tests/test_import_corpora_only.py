"""`watcher import` takes corpora only: anything else is refused in one line before anything is
stored; Ctrl-C says how many items were kept and that importing again resumes."""

from __future__ import annotations

import gzip
import json
import lzma
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import ROOT
from watcher.ingest.reader import ACCEPTS

Run = Callable[..., Result]
SAMPLE = ROOT / "watcher" / "data" / "demo-sample.jsonl.xz"


def sample_lines(count: int) -> list[str]:
    with lzma.open(SAMPLE, "rt", encoding="utf-8") as handle:
        return [next(handle).rstrip("\n") for _ in range(count)]


FOREIGN = {
    "README.md": (b"# thaigov-watcher\n\nWatches the site.\n", "not a corpus file"),
    "data.csv": (b"id,text\n1,hello\n", "not a corpus file"),
    "report.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "not a corpus file"),
    "table.jsonl.gz": (gzip.compress(b"id,text\n1,hello\n"), "its first line is not a JSON record"),
    "notes.jsonl.xz": (b"not xz at all\n", "not xz-compressed"),
    "notes.txt": ("บันทึกการประชุม\nไม่ใช่ข่าว\n".encode(), "not shaped as a corpus item"),
}


@pytest.mark.parametrize("name", sorted(FOREIGN))
def test_a_file_that_is_no_corpus_is_refused_in_one_line(
    run_cli: Run, tmp_path: Path, db_path: Path, name: str
) -> None:
    content, problem = FOREIGN[name]
    path = tmp_path / name
    path.write_bytes(content)
    good = tmp_path / "good.jsonl"
    good.write_text(sample_lines(1)[0] + "\n", encoding="utf-8")
    result = run_cli("import", str(good), str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: {path}: {problem}")
    assert line.endswith(f"; {ACCEPTS}")
    assert not db_path.exists()  # nothing stored, not even the good file named before it


def test_jsonl_gz_and_a_directory_with_a_stray_text_file(run_cli: Run, tmp_path: Path) -> None:
    lines = sample_lines(3)
    packed = tmp_path / "three.jsonl.gz"
    packed.write_bytes(gzip.compress(("\n".join(lines[:2]) + "\n").encode()))
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "000_0123456789abcdef.txt").write_text(json.loads(lines[2])["text"], "utf-8")
    (folder / "todo.txt").write_text("ซื้อนม\n", encoding="utf-8")
    result = run_cli("import", str(packed), str(folder))
    assert result.exit_code == 1
    assert result.stdout.startswith("imported: 3 new, 0 duplicate")
    assert f"rejected {folder / 'todo.txt'}: not shaped as a corpus item" in result.stderr


def test_ctrl_c_says_what_was_kept_and_a_rerun_resumes(tmp_path: Path) -> None:
    """SIGINT to the process group, as a terminal's Ctrl-C, once a first batch is committed."""
    source = tmp_path / "many.jsonl"
    rows = [json.loads(line) for line in sample_lines(300)]
    with source.open("w", encoding="utf-8") as handle:
        for copy in range(6):  # 1,800 items: several batches of 500
            for row in rows:
                text = row["text"].replace("\n", f"\nฉบับที่ {copy}\n", 1)
                url = f"https://www.thaigov.go.th/news/contents/details/{row['id']}{copy}"
                line = dict(row, text=text, url=url)
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    db = tmp_path / "w.db"
    env = dict(os.environ, WATCHER_DB=str(db), PYTHONPATH=str(ROOT),
               WATCHER_CONFIG=str(ROOT / "config" / "watcher.toml"))  # fmt: skip
    command = [sys.executable, "-m", "watcher", "import", str(source)]
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:  # read-only: never create the file the import is about to
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
                if connection.execute("SELECT count(*) FROM items").fetchone()[0]:
                    break
        except sqlite3.Error:
            pass
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=60)
    with sqlite3.connect(db) as connection:
        kept = connection.execute("SELECT count(*) FROM items").fetchone()[0]
    assert process.returncode == 130, err
    assert 0 < kept < 1800
    assert (out, err) == ("", f"interrupted: {kept:,} items kept; run the same import again to"
                              " resume (what is kept counts as duplicate)\n")  # fmt: skip
    again = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f" {kept} duplicate, " in again.stdout  # what was kept, now found: the rest is added
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM items").fetchone()[0] > kept
