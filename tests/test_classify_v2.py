"""Regression guard for the v2 set: 62 items of 2020-2024 (14 English pages), labelled first.

tests/data/v2-labels.jsonl holds our hand labels for items drawn by scripts/draw_v2_sample.py
from ../shared/data/thaigov-v2-corpus.jsonl.xz. The rules of issue 13 were then fixed looking at
its errors, so these floors guard against regressions; they are not an estimate for unseen
items (docs/classify.md gives the before figures). The texts are read at test time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from watcher.cli.classify import eval_command

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "data" / "thaigov-v2-corpus.jsonl.xz"
LABELS = REPO / "tests" / "data" / "v2-labels.jsonl"
GAZETTEERS = REPO / "config" / "gazetteers"
FLOORS = {"countries": 0.97, "primary": 0.90, "blocs": 0.88, "ministries": 0.93}
ENGLISH_FLOORS = {"primary": 0.87, "ministries": 0.90}
LEAD_FLOOR = 0.93


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.exists(), reason="needs ../shared/data")
def test_v2_figures_stay_above_the_issue_goals() -> None:
    args = [str(LABELS), "--corpus", str(CORPUS), "--json", "--gazetteers", str(GAZETTEERS)]
    report = json.loads(CliRunner().invoke(eval_command, args, catch_exceptions=False).stdout)
    assert report["items"] == 62
    figures = report["figures"]
    for field, floor in FLOORS.items():
        assert figures[field]["f1"] >= floor, (field, figures[field])
    assert figures["lead_ministry"]["accuracy"] >= LEAD_FLOOR
    english = report["by_language"]["en"]
    assert english["items"] == 14
    for field, floor in ENGLISH_FLOORS.items():
        assert english["figures"][field]["f1"] >= floor, (field, english["figures"][field])
