"""Regression guard for the independent 2020-24 set (issue 26): 120 items labelled by others.

../shared/data/labels-v2-independent.jsonl holds labels written by two annotators who never saw
the code (LABELING.md), disagreements adjudicated by a third; the texts are items of
thaigov-v2-corpus.jsonl.xz, read at test time. The issue-26 rules were found on this set's
errors (by class, each checked on both corpora: docs/classify.md), so these floors guard what
was reached; they are not an estimate for unseen items. Ministry precision is guarded at what
was measured (0.941, above the issue's goal of 0.92).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from watcher.cli.classify import eval_command

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
CORPUS = SHARED / "thaigov-v2-corpus.jsonl.xz"
LABELS = SHARED / "labels-v2-independent.jsonl"
GAZETTEERS = REPO / "config" / "gazetteers"
GOALS = {"countries": 0.97, "primary": 0.88, "blocs": 0.88, "ministries": 0.93}
MINISTRY_PRECISION_FLOOR = 0.94  # measured 0.941 (tp=174 fp=11); the goal is 0.92
LEAD_GOAL = 0.93


@pytest.mark.slow
@pytest.mark.skipif(not (CORPUS.exists() and LABELS.exists()), reason="needs ../shared/data")
def test_independent_figures_stay_at_the_goals_reached() -> None:
    args = [str(LABELS), "--corpus", str(CORPUS), "--json", "--gazetteers", str(GAZETTEERS)]
    report = json.loads(CliRunner().invoke(eval_command, args, catch_exceptions=False).stdout)
    assert report["items"] == 120
    figures = report["figures"]
    for field, goal in GOALS.items():
        assert figures[field]["f1"] >= goal, (field, figures[field])
    assert figures["ministries"]["precision"] >= MINISTRY_PRECISION_FLOOR, figures["ministries"]
    assert figures["lead_ministry"]["accuracy"] >= LEAD_GOAL, figures["lead_ministry"]
