"""scripts/mine_gazetteer.py on a tiny corpus: it proposes names for review, sorted and stable."""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import pytest

from scripts.mine_gazetteer import main, mine
from tests.conftest import corpus_text
from watcher.classify.language import page_language


def _corpus(path: Path, texts: list[str]) -> Path:
    with lzma.open(path, "wt", encoding="utf-8") as handle:
        for number, text in enumerate(texts):
            handle.write(json.dumps({"id": number, "category": "x", "text": text}) + "\n")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    thai = corpus_text("กรมประมงจัดงาน", ["กรมประมง (กปมท.) จัดงานวันประมงแห่งชาติ"])
    english = corpus_text(
        "Department of Ocean Futures opens",
        ["The Department of Ocean Futures (DOF) and the Office of Coral Watch met the press."],
    )
    late = corpus_text(
        "Office of Coral Watch",
        ["The Office of Coral Watch reported."],
        date_line="วันพุธที่ 8 มกราคม 2568",
    )
    return _corpus(tmp_path / "c.jsonl.xz", [thai, thai, english, english, late])


def test_mining_proposes_abbreviations_and_unknown_offices(corpus: Path) -> None:
    rows = mine([corpus], min_count=2)
    assert ("ministry", "agriculture", "กปมท.", 2, "same-as 'กรมประมง'") in rows
    names = {row[2]: row for row in rows}
    assert names["Department of Ocean Futures"][1] == "?"
    # the 2025 item is never read: Office of Coral Watch is seen twice only before it
    assert names["Office of Coral Watch"][3] == 2
    assert rows == sorted(rows, key=lambda r: (r[0], r[1], -r[3], r[2]))


def test_mining_prints_one_line_per_proposal(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--corpus", str(corpus), "--min-count", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any('"กปมท."' in line and "same-as" in line for line in lines)
    assert main(["--corpus", str(corpus), "--min-count", "2", "--limit", "1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_page_language() -> None:
    assert page_language("PM visits Japan", "The Prime Minister visited Tokyo.") == "en"
    assert page_language("EXIM BANK ประกาศลดดอกเบี้ย Prime Rate", "EXIM BANK ประกาศปรับลดอัตรา") == "th"
    assert page_language("", "") == "th"
    assert page_language("2567", "The cabinet met.") == "en"
