"""The boxed table every listing prints: Thai measured in terminal cells, wrapped between
clusters, every line the same width, and through the CLI at the terminal's width."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.test_cli_items import JP_BODY, corpus_line, write_jsonl
from watcher.cli.table import Column, display_width, render_table

LONG_THAI = "นายกรัฐมนตรีหารือกับนายกรัฐมนตรีญี่ปุ่นเรื่องความร่วมมือด้านเศรษฐกิจดิจิทัลและยานยนต์ไฟฟ้า"


def test_display_width_counts_cells_not_code_points() -> None:
    assert display_width("ญี่ปุ่น") == 3  # three consonants; vowels and tone marks ride on them
    assert display_width("กำลัง") == 4  # SARA AM takes a cell of its own; MAI HAN-AKAT does not
    assert display_width("日本 JP") == 7
    assert display_width("a\u200bb") == 2


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line[1:-1].split(line[0])]


def test_every_line_is_as_wide_as_the_frame_and_no_line_starts_with_a_mark() -> None:
    columns = [Column("hash", wrap=False), Column("countries"), Column("title", max_width=60)]
    rows = [["9c5ead10cb582f77", "BD BR CN DE GB ID IN JP", LONG_THAI], ["abc", "", "สั้น"]]
    lines = render_table(columns, rows, 50).splitlines()
    assert {display_width(line) for line in lines} == {display_width(lines[0])}
    assert display_width(lines[0]) <= 50
    assert _cells(lines[1]) == ["hash", "countries", "title"]
    body = [_cells(line) for line in lines[3:-1]]
    titles = [cells[2] for cells in body]
    assert "".join(titles[: len(titles) - 1]).replace(" ", "") == LONG_THAI
    assert all(not t or unicodedata.category(t[0]) != "Mn" for t in titles)
    assert body[0][0] == "9c5ead10cb582f77"  # unwrapped: whole, even when the terminal is narrow
    assert ["abc", "", "สั้น"] in body


def test_a_title_keeps_about_twice_a_label_columns_width() -> None:
    columns = [Column("countries"), Column("ministries"), Column("title", max_width=60)]
    rows = [[" ".join(["JP"] * 40), " ".join(["industry"] * 20), LONG_THAI]]
    header = render_table(columns, rows, 80).splitlines()[1]
    widths = [display_width(cell) for cell in header[1:-1].split("┃")]
    assert sum(widths) + 4 <= 80
    assert widths[2] >= 1.8 * max(widths[:2])


def test_words_stay_whole_while_the_columns_can_narrow_around_them() -> None:
    headers = ["name", "kind", "parser", "robots", "state", "detail"]
    detail = "robots.txt allows every path and the sitemap lists the feed twice over"
    rows = [["ministry-news", "sequence", "thaigov", "honoured", "not polled yet", detail]]
    columns = [Column(header) for header in headers]
    lines = render_table(columns, rows, 75).splitlines()
    assert max(display_width(line) for line in lines) <= 75
    cells = [_cells(line) for line in lines[3:-1]]
    assert cells[0][:4] == rows[0][:4]  # one word each: kept whole while others can narrow
    assert " ".join(row[4] for row in cells).split() == rows[0][4].split()
    assert " ".join(row[5] for row in cells).split() == detail.split()  # wrapped at spaces
    narrow = render_table(columns, rows, 60).splitlines()
    assert max(display_width(line) for line in narrow) <= 60  # now words must split


def test_control_characters_never_reach_the_terminal() -> None:
    rows = [["\x1b]0;owned\x07name\x1b[2J", "a\tb", "[bold]kept[/bold]"]]
    text = render_table([Column("name"), Column("tab"), Column("markup")], rows, 80)
    assert "\x1b" not in text and "\x07" not in text and "\t" not in text
    lines = text.splitlines()
    assert {display_width(line) for line in lines} == {display_width(lines[0])}
    assert _cells(lines[3]) == ["]0;owned name [2J", "a b", "[bold]kept[/bold]"]


def test_an_empty_listing_is_the_frame_and_its_header() -> None:
    lines = render_table([Column("hash"), Column("title")], [], 80).splitlines()
    assert len(lines) == 4 and _cells(lines[1]) == ["hash", "title"]


def test_seen_list_fits_the_terminal_width(
    run_cli: Callable[..., Result],
    make_text: Callable[..., str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = make_text(LONG_THAI, JP_BODY, item_id=404)
    run_cli("import", str(write_jsonl(tmp_path / "c.jsonl", [corpus_line(text)])))
    [item] = json.loads(run_cli("seen", "list", "--format", "json").output)
    for columns in (72, 100):
        monkeypatch.setenv("COLUMNS", str(columns))
        lines = run_cli("seen", "list").output.splitlines()
        assert max(display_width(line) for line in lines) <= columns
        assert item["hash"] in lines[3] and "JP" in lines[3]
        shown = "".join(_cells(line)[-1] for line in lines[3:-1])
        assert shown.replace(" ", "") == LONG_THAI
