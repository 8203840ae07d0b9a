"""Dates typed by people: YYYY-MM-DD in C.E. or B.E. (a year from 2400 is B.E.), one parser."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from watcher.core.thaidate import parse_user_date

Run = Callable[..., Result]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2020-01-01", dt.date(2020, 1, 1)),
        ("2563-01-01", dt.date(2020, 1, 1)),
        ("2563-02-29", dt.date(2020, 2, 29)),  # a leap day in B.E. is one in C.E.
        ("2400-01-01", dt.date(1857, 1, 1)),
        ("2399-12-31", dt.date(2399, 12, 31)),
        (" 2567-12-31 ", dt.date(2024, 12, 31)),
    ],
)
def test_the_rule(text: str, day: dt.date) -> None:
    assert parse_user_date(text) == day


@pytest.mark.parametrize("text", ["2563-13-01", "2562-02-29", "25630101", "1/1/2563", "", "x"])
def test_not_a_date(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a date \(YYYY-MM-DD, C\.E\. or B\.E\.\)"):
        parse_user_date(text)


@pytest.fixture
def two_years(run_cli: Run, tmp_path: Path, make_text: Callable[..., str]) -> Run:
    """Items published 2019-07-23 (2562 B.E.) and 2023-07-25 (2566 B.E.)."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(
        make_text("ข่าวปีเก่าประชุม", ["ประชุมครั้งเก่า"], item_id=1,
                  date_line="วันอังคารที่ 23 กรกฎาคม 2562"), encoding="utf-8",
    )  # fmt: skip
    (folder / "b.txt").write_text(
        make_text("ข่าวปีใหม่ประชุม", ["ประชุมครั้งใหม่"], item_id=2), encoding="utf-8"
    )
    assert run_cli("import", str(folder)).exit_code == 0
    return run_cli


@pytest.mark.parametrize(
    "command",
    [["seen", "list", "--format", "json"], ["search", "ประชุม", "--format", "json"],
     ["export", "--format", "jsonl", "-"], ["stats", "--by", "year", "--format", "json"]],
    ids=lambda c: c[0],
)  # fmt: skip
def test_since_and_until_read_buddhist_era_years(two_years: Run, command: list[str]) -> None:
    be = two_years(*command, "--since", "2563-01-01", "--until", "2566-12-31")
    ce = two_years(*command, "--since", "2020-01-01", "--until", "2023-12-31")
    assert be.exit_code == ce.exit_code == 0, be.output + ce.output
    assert be.output == ce.output
    assert "2023" in be.output and "2019" not in be.output
    everything = two_years(*command)
    assert "2019" in everything.output


def test_a_bad_date_is_one_line(two_years: Run) -> None:
    from click.testing import CliRunner

    from watcher.cli import cli

    result = CliRunner().invoke(cli, ["seen", "list", "--until", "2563-02-30"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for '--until': '2563-02-30' is not a date (YYYY-MM-DD, C.E. or B.E.)"
    )
    assert (
        json.loads(two_years("seen", "list", "--format", "json", "--since", "2567-01-01").output)
        == []
    )
