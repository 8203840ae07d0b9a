"""One bad JSONL line is one rejection, never an aborted import (issue 27, #8).

Each line here decodes in some step and fails in a later one: a `\\ud800` escape decodes to a
lone surrogate that cannot be encoded back (hashing or storing the item raised), nesting past
the parser's recursion limit, an integer past Python's digit limit. Import and classify read
them with the same reader of one line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.test_cli_items import two_items, write_jsonl
from watcher.cli import cli

Run = Callable[..., Result]

BAD_LINES = [
    ('{"text": "abc \\ud800 def"}',
     '"text" holds a lone surrogate \\ud800 at character 4 (an escape that is not half of a'
     " pair): not Unicode text"),
    ('{"text": "ข่าว", "category": "\\udfff"}',
     '"category" holds a lone surrogate \\udfff at character 0 (an escape that is not half of'
     " a pair): not Unicode text"),
    ("[" * 100_000, "not JSON this watcher reads: nested too deep"),
    ('{"text": "x", "n": ' + "1" * 5000 + "}",
     "not JSON this watcher reads: Exceeds the limit (4300 digits) for integer string"
     " conversion"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "reason"), BAD_LINES)
def test_import_rejects_the_line_and_stores_the_rest(
    run_cli: Run, make_text: Callable[..., str], tmp_path: Path, line: str, reason: str
) -> None:
    first, second = two_items(make_text)
    source = write_jsonl(tmp_path / "c.jsonl", [first, line, second])
    result = CliRunner().invoke(cli, ["import", str(source)])
    assert result.exit_code == 1, result.output
    assert f"rejected {source}:2: {reason}" in result.output.splitlines()
    assert result.output.strip().endswith(
        "imported: 2 new, 0 duplicate, 0 revision, 0 variant, 0 skipped, 1 rejected"
    ), result.output
    assert "unexpected" not in result.output


def test_classify_rejects_the_same_lines_one_each(tmp_path: Path) -> None:
    good = json.dumps({"id": 1, "text": "ข่าวญี่ปุ่น"}, ensure_ascii=False)
    source = write_jsonl(tmp_path / "c.jsonl", [good, *(line for line, _ in BAD_LINES), good])
    result = CliRunner().invoke(cli, ["classify", str(source)])
    assert result.exit_code == 1
    rejections = [
        f"line {number}: rejected: {reason}" for number, (_, reason) in enumerate(BAD_LINES, 2)
    ]
    assert result.stderr.splitlines() == rejections
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1, 1]


def test_a_labels_file_names_its_bad_line(tmp_path: Path) -> None:
    """`watcher eval` stops at a bad labels line (a labels file is hand-made): one line naming
    it, not "unexpected RecursionError"."""
    labels = write_jsonl(tmp_path / "labels.jsonl", ['{"id": 1}', "[" * 100_000])
    result = CliRunner().invoke(cli, ["eval", str(labels)])
    assert result.exit_code == 1
    assert result.output == f"Error: {labels}:2: not JSON this watcher reads: nested too deep\n"


def test_a_link_with_a_23_digit_id_is_stored_without_an_id(
    run_cli: Run, make_text: Callable[..., str], tmp_path: Path
) -> None:
    """An id past SQLite's 64 bits raised OverflowError and aborted the whole import: a number
    of more than 12 digits is no id of the site's, and the item is kept without one."""
    huge = "9" * 23
    odd = make_text("ข่าวเลขยาว", ["เนื้อหาข่าวที่มีเลขประจำข่าวยาวผิดปกติ"], item_id=None)
    url = f"https://www.thaigov.go.th/news/contents/details/{huge}"
    line = json.dumps({"url": url, "text": odd}, ensure_ascii=False)
    source = write_jsonl(tmp_path / "c.jsonl", [*two_items(make_text), line])
    result = CliRunner().invoke(cli, ["import", str(source)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(
        "imported: 3 new, 0 duplicate, 0 revision, 0 variant, 0 skipped, 0 rejected"
    ), result.output
    listed = json.loads(run_cli("seen", "list", "--format", "json").output)
    assert url in [row["url"] for row in listed]  # kept, with its link
