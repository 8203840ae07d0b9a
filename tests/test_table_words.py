"""Tables never split a word when they need not, piped or not, for every command that draws one
(Thai words too, though Thai puts no spaces between them), and become one block per record on
a terminal too narrow for the columns."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import ROOT
from watcher.cli.table import Column, _thai_breaks, display_width, render_table

TITLE = "กระทรวงอุตสาหกรรมหารือกับญี่ปุ่นเรื่องการลงทุนยานยนต์ไฟฟ้าและเศรษฐกิจดิจิทัล"
SOURCE_ROW = ["ministry-news", "sequence", "natural_resources", "honoured", "refused by robots.txt"]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line[1:-1].replace("┃", "│").split("│")]


def test_latin_words_stay_whole_at_any_width_the_table_fits() -> None:
    columns = [Column(h) for h in ("name", "kind", "group", "robots", "state")]
    for width in (80, 70, 64):
        lines = render_table(columns, [SOURCE_ROW], width).splitlines()
        assert max(display_width(line) for line in lines) <= width
        if lines[0].startswith("┏"):  # a table: each cell's pieces are whole words
            for index, cell in enumerate(SOURCE_ROW):
                pieces = " ".join(_cells(line)[index] for line in lines[3:-1]).split()
                assert pieces == cell.split(), (width, pieces)


def test_thai_is_broken_between_words_only() -> None:
    lines = render_table([Column("hash", wrap=False), Column("title", max_width=24)],
                         [["c22b317b358235b8", TITLE]], 60).splitlines()  # fmt: skip
    pieces = [_cells(line)[1] for line in lines[3:-1]]
    assert "".join(pieces) == TITLE and len(pieces) > 2
    ends = {len("".join(pieces[: n + 1])) for n in range(len(pieces) - 1)}
    assert ends <= _thai_breaks(TITLE)
    assert any(p.startswith("กระทรวง") for p in pieces)  # not กระทร|วง
    assert all("อุตสาหกรรม" in p or "อุตสาหกรรม"[:3] not in p for p in pieces)


def test_too_narrow_for_the_columns_one_block_per_record() -> None:
    columns = [Column(h) for h in ("name", "kind", "group", "robots", "state")]
    text = render_table(columns, [SOURCE_ROW, SOURCE_ROW], 40)
    assert "│" not in text and "┃" not in text
    blocks = text.rstrip("\n").split("\n\n")
    assert len(blocks) == 2
    assert blocks[0].splitlines() == [
        "name    ministry-news", "kind    sequence", "group   natural_resources",
        "robots  honoured", "state   refused by robots.txt",
    ]  # fmt: skip


@pytest.mark.parametrize("columns", ["80", "40"])
def test_sources_piped_splits_no_word(
    run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    """`watcher sources | cat`: the project's table (not rich), words whole."""
    monkeypatch.setenv("COLUMNS", columns)
    run_cli("import", str(ROOT / "watcher" / "data" / "demo-sample.jsonl.xz"))
    output = run_cli("sources").stdout
    words = set(output.replace("│", " ").replace("┃", " ").split())
    assert {"ministry-news", "sequence", "thaigov", "honoured"} <= words
    assert not any(w in words for w in ("sequen", "minist", "ry-new"))
    assert max(display_width(line) for line in output.splitlines()) <= int(columns)


def test_seen_list_piped_keeps_thai_words_whole(
    run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    run_cli("import", str(ROOT / "watcher" / "data" / "demo-sample.jsonl.xz"))
    lines = run_cli("seen", "list", "--country", "JP", "--limit", "5").stdout.splitlines()
    titles = [_cells(line)[-1] for line in lines[3:-1]]
    assert "กระทรวงอุ" not in titles and "ตฯ" not in titles
    assert max(display_width(line) for line in lines) <= 80


def test_a_thai_stretch_outside_the_word_list_is_one_unit_however_long() -> None:
    """A name or transliteration the list lacks is never cut inside, even past 20 letters;
    the listed words around it still are."""
    stretch = "ฆฌฆฌฆฌฆฌฆฌฆฌฆฌฆฌฆฌฆฌฆฌฆฌ"  # 24 letters, no word of the list
    text = "กระทรวง" + stretch + "อุตสาหกรรม"
    breaks = _thai_breaks(text)
    assert not any(len("กระทรวง") < b < len("กระทรวง") + len(stretch) for b in breaks)
    assert {len("กระทรวง"), len("กระทรวง") + len(stretch)} <= breaks


@pytest.mark.parametrize("damage", ["not UTF-8", "unreadable"])
def test_a_damaged_word_list_leaves_thai_wrapping_between_clusters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    """A damaged pythainlp word file (bytes that are not UTF-8, or no file to read) is no
    error: the table still draws, breaking Thai between clusters only."""
    import importlib.machinery

    from watcher.cli import table

    (tmp_path / "corpus").mkdir()
    if damage == "unreadable":
        (tmp_path / "corpus" / "words_th.txt").mkdir()
    else:
        (tmp_path / "corpus" / "words_th.txt").write_bytes(b"\xff\xfe\x00broken")
    spec = importlib.machinery.ModuleSpec("pythainlp", None, origin=str(tmp_path / "__init__.py"))
    monkeypatch.setattr(table.importlib.util, "find_spec", lambda name: spec)
    table._word_list.cache_clear()
    table._thai_breaks.cache_clear()
    try:
        assert not table._word_list() & {"กระทรวง".encode(), "อุตสาหกรรม".encode()}
        lines = render_table([Column("title", max_width=12)], [[TITLE]], 40).splitlines()
        assert "".join(_cells(line)[0] for line in lines[3:-1]) == TITLE
    finally:
        table._word_list.cache_clear()
        table._thai_breaks.cache_clear()
