"""`watcher stats --plot` as a user runs it: Thai drawn in a Thai font, no font warning, the top
labels only, `(none)` only when asked, and one warning line when no Thai font can be had. The
package ships its Thai font, so these pass on a machine with none installed.

Charts are written as SVG with text kept as text, so the test reads what a person sees.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.conftest import ROOT
from watcher.cli import cli
from watcher.core.corpus import Item
from watcher.query import chart_font
from watcher.store import Store

matplotlib = pytest.importorskip("matplotlib")

CATEGORIES = [f"หมวดข่าว{n:02d}" for n in range(25)]  # 25 Thai labels, more than a chart's 20


@pytest.fixture
def chart_db(db_path: Path, now: dt.datetime, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Items in 25 Thai categories (category n has n + 1 items); one of 3 labelled JP."""
    store = Store.open(db_path)
    url_id = 0
    for n, category in enumerate(CATEGORIES):
        for _ in range(n + 1):
            url_id += 1
            countries = ["JP"] if url_id % 3 == 0 else []
            labels = {"countries": countries, "primary": countries, "blocs": [],
                      "ministries": [], "lead_ministry": None, "evidence": []}  # fmt: skip
            item = Item(title=f"ข่าว {url_id}", body=f"เนื้อหา {url_id}", url=f"https://x/{url_id}",
                        source_id=url_id, category=category, published="2020-05-01")  # fmt: skip
            store.add_item(item, origin="import", seen_at=now, labels=labels)
    store.close()
    monkeypatch.setenv("WATCHER_DB", str(db_path))
    monkeypatch.setenv("WATCHER_CONFIG", str(ROOT / "config" / "watcher.toml"))
    return db_path


@pytest.fixture
def text_svg() -> Iterator[None]:
    """SVG text as <text> elements (not outlines), so its words and font can be read."""
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        yield


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def svg_texts(path: Path) -> list[str]:
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<text[^>]*>(.*?)</text>",
                                                           path.read_text(), re.S)]  # fmt: skip


def svg_fonts(path: Path) -> set[str]:
    return set(re.findall(r"font-family:\s*'?([^;'\"]+)", path.read_text()))


def test_thai_labels_are_drawn_in_a_thai_font_without_any_warning(
    chart_db: Path, tmp_path: Path, text_svg: None, caplog: pytest.LogCaptureFixture
) -> None:
    chart = tmp_path / "categories.svg"
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.INFO):
        warnings.simplefilter("always")
        result = run("stats", "--by", "category", "--plot", str(chart))
    assert [str(w.message) for w in caught] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert result.stderr == ""
    assert result.stdout == f"wrote {chart} (20 bars, 325 items)\n"
    texts = svg_texts(chart)
    assert "thaigov.go.th items by category (top 20 of 25; 325 items)" in texts
    assert "หมวดข่าว24" in texts and "หมวดข่าว05" in texts  # the 20 largest
    assert "หมวดข่าว04" not in texts
    assert svg_fonts(chart) & set(chart_font.CANDIDATES)


def test_top_and_none_on_a_country_chart(chart_db: Path, tmp_path: Path, text_svg: None) -> None:
    chart = tmp_path / "countries.svg"
    assert run("stats", "--by", "country", "--plot", str(chart)).stdout == (
        f"wrote {chart} (1 bars, 325 items)\n"
    )
    assert "(none)" not in svg_texts(chart)
    with_none = run("stats", "--by", "country", "--include-none", "--plot", str(chart))
    assert with_none.stdout == f"wrote {chart} (2 bars, 325 items)\n"
    assert {"JP", "(none)", " 108", " 217"} <= set(svg_texts(chart))


def test_top_in_a_table_keeps_none(chart_db: Path) -> None:
    table = run("stats", "--by", "category", "--top", "2", "--format", "csv")
    assert table.stdout.splitlines() == [
        "category,items,percent", "หมวดข่าว24,25,7.7", "หมวดข่าว23,24,7.4",
    ]  # fmt: skip
    countries = run("stats", "--by", "country", "--top", "1", "--format", "csv")
    assert countries.stdout.splitlines()[1:] == ["JP,108,33.2", "(none),217,66.8"]


def test_without_a_thai_font_one_warning_line(
    chart_db: Path, tmp_path: Path, text_svg: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chart_font, "CANDIDATES", ("No Such Thai Font",))
    chart_font.thai_font.cache_clear()
    try:
        chart = tmp_path / "categories.png"
        result = run("stats", "--by", "category", "--top", "3", "--plot", str(chart))
    finally:
        chart_font.thai_font.cache_clear()
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "warning: no Thai font found (No Such Thai Font): Thai labels are drawn as boxes; "
        "install one (Debian/Ubuntu: apt-get install fonts-thai-tlwg; elsewhere Noto Sans Thai)"
    ]
    assert result.stdout == f"wrote {chart} (3 bars, 325 items)\n"
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_readme_pictures_come_from_the_commands_it_shows(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The script runs the README's `--plot docs/…` lines; every chart picture has one."""
    from scripts.draw_readme_charts import README, chart_commands, main

    readme = README.read_text(encoding="utf-8")
    pictures = [picture for _, picture in chart_commands(readme)]
    assert pictures == ["docs/stats.png", "docs/stats-category.png", "docs/stats-month.png"]
    assert pictures == re.findall(r"!\[[^]]*\]\((docs/stats[^)]*)\)", readme)
    assert all((ROOT / picture).is_file() for picture in pictures)
    sample = ROOT / "watcher" / "data" / "demo-sample.jsonl.xz"
    out = tmp_path / "pictures"
    assert main(["--corpus", str(sample), "--db", str(tmp_path / "s.db"), "--out", str(out)]) == 0
    printed = capfd.readouterr()
    assert f"wrote {out / 'stats-category.png'} (14 bars, 300 items)" in printed.out
    assert "warning" not in printed.err
    assert sorted(p.name for p in out.iterdir()) == ["stats-category.png", "stats-month.png",
                                                     "stats.png"]  # fmt: skip


def test_the_package_ships_a_thai_font_with_its_licence() -> None:
    """Sarabun (OFL 1.1) inside the package, used first: no system font package is needed."""
    assert chart_font.SHIPPED.is_file()
    licence = (chart_font.SHIPPED.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert chart_font.thai_font() == "Sarabun"
    assert '"query/fonts/*"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "apt-get" not in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
