"""Regression guard: the dev-set figures of `watcher eval` stay above a floor below today's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from watcher.cli.classify import eval_command

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
GAZETTEERS = Path(__file__).resolve().parents[1] / "config" / "gazetteers"
FLOORS = {"countries": 0.92, "primary": 0.80, "blocs": 0.80, "ministries": 0.90}
LEAD_FLOOR = 0.85


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "labels-dev.jsonl").exists(), reason="needs ../shared/data")
def test_dev_set_figures_stay_above_floor() -> None:
    args = [str(DATA / "labels-dev.jsonl"), "--json", "--gazetteers", str(GAZETTEERS)]
    result = CliRunner().invoke(eval_command, args, catch_exceptions=False)
    report = json.loads(result.stdout)
    assert report["items"] >= 60
    figures = report["figures"]
    for field, floor in FLOORS.items():
        assert figures[field]["f1"] >= floor, (field, figures[field])
    assert figures["lead_ministry"]["accuracy"] >= LEAD_FLOOR
