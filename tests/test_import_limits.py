"""Import on hostile inputs: bounded memory, skipped vs rejected, exit codes, odd file names."""

from __future__ import annotations

import lzma
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.test_cli_items import corpus_line, two_items, write_jsonl
from watcher.cli import cli
from watcher.core.corpus import parse_corpus_text
from watcher.ingest import reader
from watcher.ingest.reader import read_items

Run = Callable[..., Result]


def run_safe(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def empty_page(item_id: int) -> str:
    return (
        "รัฐบาลไทย-\n\nวันพฤหัสบดีที่ 1 มกราคม 2513\n\n"
        f"ที่มา : https://www.thaigov.go.th/news/contents/details/{item_id}\n"
    )


def test_pages_the_site_left_empty_are_skipped_not_failed(
    run_cli: Run, make_text: Callable[..., str], tmp_path: Path
) -> None:
    lines = [*two_items(make_text), corpus_line(empty_page(7)), corpus_line(empty_page(8))]
    source = write_jsonl(tmp_path / "c.jsonl", lines)
    result = run_safe("import", str(source))
    assert result.exit_code == 0, result.output
    assert "2 new" in result.output and "2 skipped, 0 rejected" in result.output
    assert "left empty by the site: 2 unpublished page" in result.output
    strict = run_safe("import", "--strict", str(source))
    assert strict.exit_code == 1 and "2 skipped" in strict.output


def test_an_overlong_line_is_refused_and_the_next_line_is_read(
    run_cli: Run, make_text: Callable[..., str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 10_000)
    monkeypatch.setattr(reader, "_SKIP_CHUNK", 1_000)
    good = two_items(make_text)
    huge = corpus_line("ก" * 50_000)
    for compress in (False, True):
        name = "h.jsonl.xz" if compress else "h.jsonl"
        source = write_jsonl(tmp_path / name, [good[0], huge, good[1]], compress=compress)
        result = run_safe("import", str(source))
        assert result.exit_code == 1
        assert f"{name}:2: line longer than 10,000 bytes" in result.output
        assert "rejected" in result.output and ":3:" not in result.output
    assert "0 new, 2 duplicate" in result.output  # the second file's good lines were read too


def test_a_huge_line_without_newline_is_read_past_in_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 100_000)
    bomb = tmp_path / "bomb.jsonl.xz"
    with lzma.open(bomb, "wb") as handle:  # 90 MB of one line, a few KB on disk
        for _ in range(90):
            handle.write(b"{" * 1_000_000)
    tracemalloc.start()
    records = list(read_items([bomb]))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [r.error for r in records] == ["line longer than 100,000 bytes"]
    assert peak < 20_000_000, f"peak {peak:,} bytes for a 90 MB line"


def test_a_text_on_one_line_becomes_an_item_with_a_short_title() -> None:
    sentence = "นายกรัฐมนตรีหารือกับนายกรัฐมนตรีญี่ปุ่นเรื่องความร่วมมือด้านอุตสาหกรรม"
    text = " ".join([sentence] * 12)
    item = parse_corpus_text(text)
    assert item.body == text
    assert item.title == sentence and len(item.title) < 200


def test_a_newline_in_a_file_name_cannot_forge_a_summary_line(run_cli: Run, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "x\nimported: 999 new.txt").write_bytes(b"\x00\x01binary")
    result = run_safe("import", str(folder))
    assert result.exit_code == 1
    assert "999 new" not in result.output.splitlines()[-1]
    assert [line for line in result.output.splitlines() if line.startswith("imported:")] == [
        result.output.splitlines()[-1]
    ]
    assert "x\\nimported" in result.output


def test_only_the_first_rejections_are_named_then_one_line_counts_the_rest(
    run_cli: Run, tmp_path: Path
) -> None:
    source = tmp_path / "braces.jsonl"
    source.write_text("{}\n" * 250, encoding="utf-8")
    result = run_safe("import", str(source))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    named = [line for line in lines if line.startswith("rejected ")]
    assert named[0] == f'rejected {source}:1: no "text" string'
    assert len(named) == 100 and named[-1].startswith(f"rejected {source}:100: ")
    assert "… and 150 more rejected inputs, not shown (the first 100 are)" in lines
    assert (
        lines[-1] == "imported: 0 new, 0 duplicate, 0 revision, 0 variant, 0 skipped, 250 rejected"
    )
