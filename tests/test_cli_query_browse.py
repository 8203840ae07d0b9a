"""`watcher browse` for real: Datasette on 127.0.0.1, pages and canned queries over HTTP.

The canned search must answer exactly as `watcher search` does (one parser): the same items in
the same order for AND, "phrases", OR and -exclusion, with the same snippets, 20 a page.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from watcher.cli import cli
from watcher.core.corpus import Item
from watcher.store import Store

pytest.importorskip("datasette")

ROOT = Path(__file__).resolve().parents[1]
LABELS = {"countries": ["JP"], "primary": ["JP"], "blocs": [], "ministries": ["industry"],
          "lead_ministry": "industry", "evidence": []}  # fmt: skip


OPENING = "ย่อหน้าแรกของข่าว "  # the body's first words, shown in a cell
SEARCHED = [
    (10, "รถยนต์ไฟฟ้าจากญี่ปุ่น", OPENING + "ญี่ปุ่น ลงทุน รถยนต์ไฟฟ้า ในไทย " + "ต่อ " * 400 + "ท้ายข่าว"),
    (11, "ญี่ปุ่นเท่านั้น", "ข่าวเกี่ยวกับ ญี่ปุ่น และการท่องเที่ยว"),
    (12, "ลงทุนอย่างเดียว", "ข่าวเกี่ยวกับ การลงทุน ในประเทศ"),
    (13, "เกาหลีลงทุน", "ข่าว เกาหลี รถยนต์ไฟฟ้า ลงทุน และ โควิด"),
]
QUERIES = [
    "ญี่ปุ่น ลงทุน",  # AND of words: not one phrase
    '"ลงทุน รถยนต์"',  # a phrase
    "ญี่ปุ่น OR เกาหลี",
    "ลงทุน -โควิด",
    "ยนต์ไฟ",  # inside a word
    "ข่าว",  # more than a page
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(base: str, server: subprocess.Popen[str], deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"browse exited: {server.communicate()}")
        try:
            httpx.get(f"{base}/-/versions.json", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)  # polling a condition with a deadline, not waiting blind
    raise AssertionError("datasette did not start within the deadline")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One server for the module: starting Datasette takes a few seconds."""
    now = dt.datetime(2026, 11, 19, 3, 0, tzinfo=dt.UTC)
    db_path = tmp_path_factory.mktemp("browse") / "history.db"
    store = Store.open(db_path)
    for url_id, title, labels in ((1, "ไทย-ญี่ปุ่น ยานยนต์ไฟฟ้า", LABELS), (2, "ข่าวในประเทศ", None)):
        item = Item(title=title, body=f"เนื้อหา {title}", url=f"https://x/{url_id}",
                    published=f"2024-06-0{url_id}")  # fmt: skip
        store.add_item(item, origin="import", seen_at=now, labels=labels)
    for url_id, title, body in SEARCHED:
        item = Item(title=title, body=body, url=f"https://x/{url_id}", category="ด้านเศรษฐกิจ",
                    published="2023-03-01")  # fmt: skip
        store.add_item(item, origin="import", seen_at=now, labels=LABELS)
    for n in range(25):  # one page and five more
        item = Item(title=f"ข่าวทุเรียน {n}", body=f"ผลไม้ ทุเรียน ส่งออก ครั้งที่ {n}",
                    url=f"https://x/d{n}", published=f"2022-01-{n + 1:02d}")  # fmt: skip
        store.add_item(item, origin="import", seen_at=now)
    store.close()
    base, process = start_browse(db_path)
    try:
        yield base, db_path
    finally:
        process.terminate()
        process.communicate(timeout=30)


def start_browse(db_path: Path) -> tuple[str, subprocess.Popen[str]]:
    """`watcher browse` on `db_path` in a process of its own, once it answers."""
    port = free_port()
    env = dict(os.environ, WATCHER_DB=str(db_path), PYTHONPATH=str(ROOT),
               WATCHER_CONFIG=str(ROOT / "config" / "watcher.toml"))  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "watcher", "browse", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, time.monotonic() + 30)
    except AssertionError:
        process.kill()
        raise
    return base, process


def test_canned_queries_and_labels(server: tuple[str, Path]) -> None:
    base, db_path = server
    db = db_path.stem
    by_country = httpx.get(f"{base}/{db}/items_by_country.json",
                           params={"country": "jp", "_shape": "array"})  # fmt: skip
    assert by_country.status_code == 200
    assert by_country.json()[0]["title"] == "ไทย-ญี่ปุ่น ยานยนต์ไฟฟ้า"
    assert len(by_country.json()) == 1 + len(SEARCHED)
    by_ministry = httpx.get(f"{base}/{db}/items_by_ministry.json",
                            params={"ministry": "industry", "_shape": "array"})  # fmt: skip
    assert len(by_ministry.json()) == 1 + len(SEARCHED)
    latest = httpx.get(f"{base}/{db}/latest.json", params={"_shape": "array"}).json()
    assert [row["published"] for row in latest][:2] == ["2024-06-02", "2024-06-01"]
    found = httpx.get(f"{base}/{db}/search.json", params={"q": "ยานยนต์", "_shape": "array"})
    assert [row["title"] for row in found.json()] == ["ไทย-ญี่ปุ่น ยานยนต์ไฟฟ้า"]
    metadata = httpx.get(f"{base}/-/metadata.json").json()
    described = metadata["databases"][db]["tables"]["items"]["description_html"]
    assert "<dt>hash</dt><dd>First 16 hex digits" in described


def cli_search(db_path: Path, query: str, *extra: str) -> list[dict[str, object]]:
    env = {"WATCHER_DB": str(db_path), "WATCHER_CONFIG": str(ROOT / "config" / "watcher.toml")}
    result = CliRunner(env=env).invoke(cli, ["search", query, "--format", "json", *extra])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()] if result.stdout.startswith(
        "{") else json.loads(result.stdout)  # fmt: skip


def canned_search(base: str, db: str, query: str, page: str = "") -> list[dict[str, object]]:
    answer = httpx.get(f"{base}/{db}/search.json",
                       params={"q": query, "page": page, "_shape": "array"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, object]] = answer.json()
    return rows


@pytest.mark.parametrize("query", QUERIES)
def test_canned_search_answers_as_watcher_search(server: tuple[str, Path], query: str) -> None:
    base, db_path = server
    expected = cli_search(db_path, query, "--limit", "20")
    found = canned_search(base, db_path.stem, query)
    assert expected, "each query finds something"
    assert [(r["hash"], r["snippet"]) for r in found] == [
        (r["hash"], r["snippet"]) for r in expected
    ]
    assert [r["rank"] for r in found] == list(range(1, len(found) + 1))


def test_canned_search_syntax_on_known_items(server: tuple[str, Path]) -> None:
    base, db_path = server
    db = db_path.stem

    def titles(query: str) -> set[object]:
        return {row["title"] for row in canned_search(base, db, query)}

    assert titles("ญี่ปุ่น ลงทุน") == {"รถยนต์ไฟฟ้าจากญี่ปุ่น"}
    assert titles("ลงทุน -โควิด") == {"รถยนต์ไฟฟ้าจากญี่ปุ่น", "ลงทุนอย่างเดียว"}
    assert titles("ญี่ปุ่น OR เกาหลี") >= {"ญี่ปุ่นเท่านั้น", "เกาหลีลงทุน"}
    first = canned_search(base, db, '"ลงทุน รถยนต์"')
    assert [row["title"] for row in first] == ["รถยนต์ไฟฟ้าจากญี่ปุ่น"]
    assert "«ลงทุน รถยนต์»" in str(first[0]["snippet"])
    assert first[0]["countries"] == "JP" and first[0]["ministries"] == "industry"


def test_canned_search_pages(server: tuple[str, Path]) -> None:
    base, db_path = server
    one, two = (canned_search(base, db_path.stem, "ทุเรียน", page) for page in ("", "2"))
    assert (len(one), len(two)) == (20, 5)
    assert [row["rank"] for row in two] == [21, 22, 23, 24, 25]
    everything = cli_search(db_path, "ทุเรียน", "--limit", "100")
    assert [row["hash"] for row in one + two] == [row["hash"] for row in everything]
    assert canned_search(base, db_path.stem, "ทุเรียน", "3") == []


@pytest.mark.parametrize(
    ("query", "page", "problem"),
    [
        ("ญี่ปุ่น OR", "", "search 'ญี่ปุ่น OR': OR needs a term on each side"),
        ('"ญี่ปุ่น', "", 'unbalanced quote; put "double quotes" around a whole phrase'),
        ("ญี่ปุ่น", "two", "page 'two': give a page number (1, 2, …)"),
        ("ญี่ปุ่น", "0", "page 0: pages run from 1 to 500"),
    ],
)
def test_canned_search_bad_input_is_one_line(
    server: tuple[str, Path], query: str, page: str, problem: str
) -> None:
    base, db_path = server
    rows = canned_search(base, db_path.stem, query, page)
    assert len(rows) == 1 and problem in str(rows[0]["title"]) and rows[0]["hash"] is None
    assert canned_search(base, db_path.stem, "   ") == []


def test_items_page_shows_openings_labels_and_facets(server: tuple[str, Path]) -> None:
    base, db_path = server
    page = httpx.get(f"{base}/{db_path.stem}/items").text
    assert "ท้ายข่าว" not in page, "a whole body on the items page"
    assert OPENING + "ญี่ปุ่น ลงทุน รถยนต์ไฟฟ้า" in page
    assert '<td class="col-countries type-str">JP</td>' in page
    assert '["JP"]' not in page
    assert "What the 21 columns mean</summary>" in page
    assert '<dl class="column-descriptions">' not in page
    facets = httpx.get(f"{base}/{db_path.stem}/items.json").json()["facet_results"]
    assert set(facets) == {"countries", "ministries", "category"}
    japan = [v for v in facets["countries"]["results"] if v["value"] == "JP"]
    assert japan[0]["count"] == 5
    digest = cli_search(db_path, '"ลงทุน รถยนต์"')[0]["hash"]
    row = httpx.get(f"{base}/{db_path.stem}/items/{digest}").text
    assert "รถยนต์ไฟฟ้าจากญี่ปุ่น" in row and "2023-03-01" in row and OPENING in row
    assert "ท้ายข่าว" not in row and '<td class="col-ministries type-str">industry</td>' in row
    card = visible(row[row.index('<article class="watcher-item">') : row.index("</article>")])
    assert card.startswith("รถยนต์ไฟฟ้าจากญี่ปุ่น 2023-03-01 · ด้านเศรษฐกิจ · https://x/10")
    assert "countries JP blocs — ministries industry (lead: industry)" in card
    assert OPENING + "ญี่ปุ่น ลงทุน รถยนต์ไฟฟ้า ในไทย ต่อ" in card and card.endswith("…")
    other = httpx.get(f"{base}/{db_path.stem}/item_codes/country,JP,{digest}")
    assert other.status_code == 200 and "watcher-item" not in other.text


def visible(html: str) -> str:
    """The text a person reads: tags dropped, entities decoded, spaces folded."""
    import html as entities
    import re

    return " ".join(entities.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_search_results_link_to_the_item_page(server: tuple[str, Path]) -> None:
    base, db_path = server
    db = db_path.stem
    page = httpx.get(f"{base}/{db}/search", params={"q": "ญี่ปุ่น ลงทุน"}).text
    digest = canned_search(base, db, "ญี่ปุ่น ลงทุน")[0]["hash"]
    assert f'<a href="/{db}/items/{digest}">{digest}</a>' in page
    assert "«ญี่ปุ่น»" in page and "A OR B needs either" in page


def test_sql_cannot_write(server: tuple[str, Path]) -> None:
    base, db_path = server
    sql = "insert into sources (name) values ('x')"
    refused = httpx.get(f"{base}/{db_path.stem}.json", params={"sql": sql})
    assert refused.status_code == 400
    store = Store.open(db_path)
    try:
        assert store.all_source_states() == []
    finally:
        store.close()


def test_canned_search_on_a_database_needing_an_upgrade_is_one_line(tmp_path: Path) -> None:
    """The search's read-only Store cannot migrate: one row says so, not "function raised"."""
    import asyncio
    import sqlite3

    from watcher.browse.app import BrowseSettings, make_datasette
    from watcher.store.schema import MIGRATIONS

    db_path = tmp_path / "old.db"
    Store.open(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA user_version = 1")
    conn.close()

    async def ask() -> list[dict[str, object]]:
        settings = BrowseSettings(db_path, ROOT / "config" / "datasette" / "metadata.yaml")
        datasette = make_datasette(settings)
        answer = await datasette.client.get("/old/search.json",
                                            params={"q": "ญี่ปุ่น", "_shape": "array"})  # fmt: skip
        assert answer.status_code == 200, answer.text
        rows: list[dict[str, object]] = answer.json()
        return rows

    rows = asyncio.run(ask())
    assert len(rows) == 1 and rows[0]["hash"] is None
    assert rows[0]["title"] == (
        f"search: {db_path}: written by an older watcher (schema 1 of {len(MIGRATIONS)});"
        " run `watcher reindex` once to upgrade it"
    )


def test_a_non_select_query_is_one_line_on_the_terminal(tmp_path: Path) -> None:
    """Datasette refuses it (400, its error page); the terminal gets one line, no traceback."""
    db_path = tmp_path / "history.db"
    Store.open(db_path).close()
    base, process = start_browse(db_path)
    try:
        page = httpx.get(f"{base}/history", params={"sql": "delete from items"})
        assert page.status_code == 400 and "Statement must be a SELECT" in page.text
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=30)
    assert "Traceback" not in err and "locals" not in err
    assert [line for line in err.splitlines() if line.startswith("browse:")] == [
        "browse: /history: 400 Statement must be a SELECT"
    ]
