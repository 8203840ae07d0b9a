"""`watcher search|stats|reindex|browse` in-process, and the same filters on every command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import Result

from watcher.core.corpus import Item
from watcher.store import Store

RunCli = Callable[..., Result]
URL = "https://www.thaigov.go.th/news/contents/details/{}"
ITEMS: list[tuple[int, str, str, list[str], list[str]]] = [
    (1, "2024-06-03", "ไทย-ญี่ปุ่น ยานยนต์ไฟฟ้า", ["JP"], ["industry"]),
    (2, "2024-05-20", "ไทย-ญี่ปุ่น การท่องเที่ยว", ["JP"], ["tourism"]),
    (3, "2024-06-10", "ไทย-เกาหลี ยานยนต์ไฟฟ้า", ["KR"], ["industry"]),
    (4, "2019-02-01", "ไทย-ญี่ปุ่น ความร่วมมือเก่า", ["JP"], ["industry"]),
    (5, "2024-07-01", "ข่าวในประเทศ", [], ["interior"]),
]
FILTERS = [
    ["--country", "JP"],
    ["--country", "jp", "--ministry", "INDUSTRY"],
    ["--ministry", "industry", "--since", "2020-01-01"],
    ["--country", "JP", "--country", "KR", "--until", "2024-06-05"],
    ["--since", "2024-06-01", "--until", "2024-06-30"],
]


@pytest.fixture
def filled_db(db_path: Path, now: dt.datetime) -> Path:
    store = Store.open(db_path)
    for url_id, published, title, countries, ministries in ITEMS:
        labels: dict[str, Any] = {
            "countries": countries, "primary": countries, "blocs": [],
            "ministries": ministries, "lead_ministry": ministries[0], "evidence": [],
        }  # fmt: skip
        item = Item(title=title, body=f"ข่าวประชาสัมพันธ์ {title} (Electric Vehicle)",
                    url=URL.format(url_id), source_id=url_id, category="ด้านเศรษฐกิจ",
                    published=published)  # fmt: skip
        store.add_item(item, origin="import", seen_at=now, labels=labels)
    store.close()
    return db_path


def hashes_of(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [row["hash"] for row in json.loads(result.output)]


def test_search_json_has_the_contract_fields_and_unmangled_thai(
    run_cli: RunCli, filled_db: Path
) -> None:
    result = run_cli("search", "ยานยนต์ไฟฟ้า", "--format", "json")
    rows = json.loads(result.output)
    assert {row["title"] for row in rows} == {ITEMS[0][2], ITEMS[2][2]}
    assert list(rows[0]) == [
        "hash", "published", "title", "countries", "primary", "blocs", "ministries",
        "lead_ministry", "category", "url", "first_seen", "origin", "kind", "rank",
        "snippet",
    ]  # fmt: skip
    assert "«ยานยนต์ไฟฟ้า»" in rows[0]["snippet"]
    assert "ยานยนต์ไฟฟ้า" in result.output  # not \\u-escaped


def test_search_csv_and_table(run_cli: RunCli, filled_db: Path) -> None:
    result = run_cli("search", "electric vehicle", "--format", "csv", "--country", "KR")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [row["title"] for row in rows] == [ITEMS[2][2]]
    assert rows[0]["countries"] == "KR"
    assert "«Electric» «Vehicle»" in rows[0]["snippet"]
    table = run_cli("search", "ไทย-เกาหลี")
    assert table.exit_code == 0
    assert "snippet" in table.output and "2024-06-10" in table.output


def test_search_limit_defaults_to_20_and_obeys_limit(run_cli: RunCli, filled_db: Path) -> None:
    assert len(hashes_of(run_cli("search", "ข่าว", "--format", "json"))) == 5
    assert len(hashes_of(run_cli("search", "ข่าว", "--format", "json", "--limit", "2"))) == 2


@pytest.mark.parametrize("query", ['"ยานยนต์', "OR", "-ญี่ปุ่น"])
def test_search_syntax_error_is_one_line_not_a_traceback(
    run_cli: RunCli, filled_db: Path, query: str
) -> None:
    result = run_cli("search", "--", query)
    assert result.exit_code == 1
    assert result.output.startswith("Error: search ")
    assert result.output.count("\n") == 1


@pytest.mark.parametrize("filters", FILTERS, ids=" ".join)
def test_every_command_filters_the_same(
    run_cli: RunCli, filled_db: Path, tmp_path: Path, filters: list[str]
) -> None:
    listed = hashes_of(run_cli("seen", "list", "--format", "json", *filters))
    searched = hashes_of(run_cli("search", "ข่าว", "--newest", "--format", "json", *filters))
    out = tmp_path / "export.csv"
    assert run_cli("export", "--format", "csv", *filters, str(out)).exit_code == 0
    with out.open(encoding="utf-8", newline="") as handle:
        exported = [row["hash"] for row in csv.DictReader(handle)]
    counted = json.loads(run_cli("stats", "--by", "year", "--format", "json", *filters).output)
    fed = feedparser.parse(run_cli("feed", *filters).stdout_bytes).entries
    assert listed, "each filter selects something"
    assert set(searched) == set(listed) == set(exported)
    assert searched == listed == [entry.id.rsplit(":", 1)[1] for entry in fed]  # newest first
    assert sum(row["items"] for row in counted) == len(listed)


def test_stats_formats(run_cli: RunCli, filled_db: Path) -> None:
    result = run_cli("stats", "--by", "country", "--format", "csv", "--since", "2020-01-01")
    assert result.output.splitlines() == [
        "country,items,percent", "JP,2,50.0", "KR,1,25.0", "(none),1,25.0",
    ]  # fmt: skip
    table = run_cli("stats", "--by", "ministry")
    assert "industry" in table.output and "percent" in table.output


def test_stats_plot_writes_the_chart(run_cli: RunCli, filled_db: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    chart = tmp_path / "stats.png"
    result = run_cli("stats", "--by", "month", "--country", "JP", "--plot", str(chart))
    assert result.exit_code == 0
    assert result.output == f"wrote {chart} (65 bars, 3 items)\n"
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_stats_plot_bad_extension_is_one_line(
    run_cli: RunCli, filled_db: Path, tmp_path: Path
) -> None:
    result = run_cli("stats", "--plot", str(tmp_path / "chart.jpeg2"))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and ".png, .svg, .pdf" in result.output


def test_reindex(run_cli: RunCli, filled_db: Path) -> None:
    result = run_cli("reindex")
    assert result.output == "search index rebuilt: 5 items\n"
    assert len(hashes_of(run_cli("search", "ญี่ปุ่น", "--format", "json"))) == 3


def test_browse_without_datasette_says_how_to_install(
    run_cli: RunCli, filled_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("watcher.browse.app.datasette_installed", lambda: False)
    result = run_cli("browse")
    assert result.exit_code == 1
    assert result.output == (
        "Error: datasette is not installed; install the extra:"
        " pip install 'thaigov-watcher[browse]'\n"
    )


def test_browse_without_a_database_is_one_line(run_cli: RunCli, db_path: Path) -> None:
    pytest.importorskip("datasette")
    result = run_cli("browse")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {db_path}: no database yet; run `watcher import` or `watcher poll` first\n"
    )
    assert not db_path.exists()


def test_search_ev_finds_the_ev_item_not_social_development(
    run_cli: RunCli, db_path: Path, now: dt.datetime
) -> None:
    """Issue 24: every term was a substring, so EV's top results were "Social Development",
    "prevention", "achievements". A Latin term now matches whole words only."""
    store = Store.open(db_path)
    for url_id, title, body in [
        (1, "Social Development Fund", "achievements in the prevention of disease"),
        (2, "EV-charging stations", "รถยนต์ไฟฟ้า (EV) ทั่วประเทศ"),
        (3, "Policy Level review", "levels of development, EVs and hybrids"),
    ]:
        item = Item(title=title, body=body, url=URL.format(url_id), source_id=url_id,
                    published="2025-01-0" + str(url_id))  # fmt: skip
        store.add_item(item, origin="import", seen_at=now)
    store.close()
    result = run_cli("search", "EV", "--format", "json")
    rows = json.loads(result.output)
    assert [row["title"] for row in rows] == ["EV-charging stations"]
    assert rows[0]["snippet"] == "รถยนต์ไฟฟ้า («EV») ทั่วประเทศ"
    table = run_cli("search", "EV")
    assert "EV-charging" in table.output and "Social Development" not in table.output
