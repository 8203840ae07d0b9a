"""The index's folding computed twice, in Python for an import and in SQL for every other
writer, must give the same terms: a contentless index forgets an entry only when given the
same terms again. And an index built either way answers the same."""

from __future__ import annotations

import datetime as dt
import json
import logging
import lzma
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_search import EV_BODY, add, found
from watcher.cli import cli
from watcher.cli.context import AppContext
from watcher.store import Store
from watcher.store.schema import (
    MIGRATIONS,
    SEARCH_TABLES,
    _indexed,
    _searchable,
    fold_for_index,
)

DEMO_SAMPLE = Path(__file__).resolve().parents[1] / "watcher" / "data" / "demo-sample.jsonl.xz"
AWKWARD = [
    "Electric VEHICLE ยานยนต์ไฟฟ้า",
    "กํา\u200bลัง ก\u0e4d\u0e32 ก\u0e4d\u200b\u0e32 ก\u0e4d\r\u0e32",  # NIKHAHIT + SARA AA, split
    "line\r\nbreaks\n\nand\rreturns",
    "\ufeffBOM \u00adsoft\u00adhyphen zero\u200cwidth\u200djoiner\u2060word",
    "ÉCOLE Été Ярмарка ΑΘΗΝΑ İstanbul ǅ",  # non-ASCII capitals stay as they are
    "日本 ASEAN+3 เอเปค (APEC) 100%",
    "NUL\x00inside\x00 and \U0001f1ef\U0001f1f5 flags",
    "",
]


def sql_fold(conn: sqlite3.Connection, text: str) -> str:
    return str(conn.execute(f"SELECT {_indexed('?')}", [text]).fetchone()[0])


def test_python_folds_as_sql_does() -> None:
    conn = sqlite3.connect(":memory:")
    texts = list(AWKWARD)
    with lzma.open(DEMO_SAMPLE, "rt", encoding="utf-8") as sample:
        texts += [line for _, line in zip(range(100), sample, strict=False)]
    for text in texts:
        assert fold_for_index(text) == sql_fold(conn, text), text[:60]
    assert fold_for_index("ÉCOLE Electric\r\nก\u0e4d\u0e32") == "École electric  กำ"


def vocabulary(store: Store) -> list[tuple[object, ...]]:
    """Every (index, term, item, column, offset) the two indexes hold."""
    conn = store.db.conn
    rows: list[tuple[object, ...]] = []
    for table in SEARCH_TABLES:
        conn.execute(f"CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, {table}, 'instance')")
        try:
            rows += conn.execute(
                "SELECT ?, v.term, s.hash, v.col, v.offset FROM temp.vocab v"
                " JOIN search_rows s ON s.id = v.doc",
                [table],
            ).fetchall()
        finally:
            conn.execute("DROP TABLE temp.vocab")
    return sorted(rows)


def test_an_index_from_held_text_is_the_index_sql_rebuilds(store: Store, now: dt.datetime) -> None:
    with store.transaction():
        for n, text in enumerate(AWKWARD[:-1]):
            add(store, now, n, text[:12] or "ว่าง", f"{text} {EV_BODY}")
    held = vocabulary(store)
    assert {row[0] for row in held} == set(SEARCH_TABLES)
    assert held and store.rebuild_search_index() == len(AWKWARD) - 1
    assert vocabulary(store) == held


def test_a_deleted_item_leaves_no_term_behind(store: Store, now: dt.datetime) -> None:
    kept = add(store, now, 1, "หัวข้อ", EV_BODY)
    before = vocabulary(store)
    gone = add(store, now, 2, "Electric VEHICLE", " ".join(AWKWARD))
    with store.transaction() as db:
        db.execute("DELETE FROM item_urls WHERE hash = ?", [gone])
        db.execute("DELETE FROM items WHERE hash = ?", [gone])
    assert vocabulary(store) == before
    assert found(store, "ยานยนต์ไฟฟ้า") == [kept]


@pytest.mark.parametrize("query", ["electric vehicle", "ELECTRIC", "Vehicle"])
def test_latin_letters_match_whatever_their_case(
    store: Store, now: dt.datetime, query: str
) -> None:
    digest = add(store, now, 1, "EV", "รถยนต์ไฟฟ้า (Electric VEHICLE) ในไทย")
    assert found(store, query) == [digest]


def version_9_database(path: Path) -> Path:
    """A database as version 9 left it, one item indexed by FTS5 folding case itself."""
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:9]:
        for statement in migration:
            conn.execute(statement)
    conn.execute(
        "INSERT INTO items (hash, title, body, first_seen, last_seen, origin)"
        " VALUES ('a1', 'Electric Vehicle', ?, '2024-01-01T00:00:00+00:00',"
        " '2024-01-01T00:00:00+00:00', 'import')",
        [EV_BODY],
    )
    conn.execute(
        "INSERT INTO items_fts (rowid, title, body) SELECT s.id,"
        f" {_searchable('i.title')}, {_searchable('i.body')}"
        " FROM search_rows s JOIN items i ON i.hash = s.hash"
    )
    conn.execute("UPDATE search_rows SET pending = 0")
    conn.execute("PRAGMA user_version = 9")
    conn.commit()
    conn.close()
    return path


def test_a_database_indexed_before_migration_10_is_indexed_again(tmp_path: Path) -> None:
    store = Store.open(version_9_database(tmp_path / "v9.db"))
    try:
        assert store.schema_version == len(MIGRATIONS)
        assert found(store, "ELECTRIC vehicle") == ["a1"]
        assert found(store, "ยานยนต์ไฟฟ้า") == ["a1"]
        store.db.execute("INSERT INTO items_fts (items_fts) VALUES ('integrity-check')")
    finally:
        store.close()


def test_a_command_says_once_that_it_upgrades_the_database(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    version_9_database(db_path)
    monkeypatch.setenv("WATCHER_DB", str(db_path))
    first = CliRunner().invoke(cli, ["search", "electric", "--format", "json"])
    assert first.exit_code == 0, first.output
    assert first.stderr == (
        f"{db_path}: upgrading the database from schema 9 to {len(MIGRATIONS)}, once;"
        " on a large history this takes a minute\n"
    )
    assert [row["hash"] for row in json.loads(first.stdout)] == ["a1"]
    again = CliRunner().invoke(cli, ["search", "electric", "--format", "json"])
    assert again.exit_code == 0 and again.stderr == ""


def test_a_command_that_keeps_a_log_says_it_there(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """`watcher run` logs JSON lines when so configured: the notice must be one of them."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    version_9_database(db_path)
    monkeypatch.setenv("WATCHER_DB", str(db_path))
    app = AppContext(_logging=True)
    with caplog.at_level(logging.WARNING, logger="watcher.store"):
        app.store.close()
    assert [r.getMessage() for r in caplog.records if r.name == "watcher.store"] == [
        f"{db_path}: upgrading the database from schema 9 to {len(MIGRATIONS)}, once;"
        " on a large history this takes a minute"
    ]
    assert capsys.readouterr().err == ""


def test_search_help_says_how_case_is_matched() -> None:
    shown = CliRunner().invoke(cli, ["search", "--help"])
    assert shown.exit_code == 0
    assert "A Latin word matches whole words in any case" in " ".join(shown.output.split())
