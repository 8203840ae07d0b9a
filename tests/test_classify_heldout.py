"""Regression guard: the held-out figures (items never used to write the rules) stay above a floor.

tests/data/heldout-labels.jsonl holds our own hand labels for 40 corpus items drawn with a fixed
seed outside the dev set; the texts are read from ../shared/data at test time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from watcher.cli.classify import eval_command

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
CORPUS = DATA / "thaigov-corpus.jsonl.xz"
LABELS = REPO / "tests" / "data" / "heldout-labels.jsonl"
GAZETTEERS = REPO / "config" / "gazetteers"
FLOORS = {"countries": 0.95, "primary": 0.80, "blocs": 0.85, "ministries": 0.88}
LEAD_FLOOR = 0.92


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.exists(), reason="needs ../shared/data")
def test_heldout_figures_stay_above_floor() -> None:
    args = [str(LABELS), "--corpus", str(CORPUS), "--json", "--gazetteers", str(GAZETTEERS)]
    result = CliRunner().invoke(eval_command, args, catch_exceptions=False)
    report = json.loads(result.stdout)
    assert report["items"] == 40
    figures = report["figures"]
    for field, floor in FLOORS.items():
        assert figures[field]["f1"] >= floor, (field, figures[field])
    assert figures["lead_ministry"]["accuracy"] >= LEAD_FLOOR
