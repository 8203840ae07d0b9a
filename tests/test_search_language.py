"""The query language, data-driven (tests/data/search_cases.toml): Python matching and the SQL
search answer every case alike; errors are one line; on the demo sample, both agree on every
item for a set of queries of every shape."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.test_search import add
from watcher.core.errors import InputError
from watcher.match.language import (
    SEARCH_LIMITS,
    SUBSCRIPTION_LIMITS,
    Term,
    fold_item,
    fold_text,
    latin_text,
    parse_query,
    query_matches,
    term_at,
    term_occurs,
)
from watcher.store import ItemFilter, Store
from watcher.store import search as search_module
from watcher.store.search_sql import search_sql

ROOT = Path(__file__).resolve().parents[1]
CASES = tomllib.loads((ROOT / "tests" / "data" / "search_cases.toml").read_text("utf-8"))
DEMO_SAMPLE = ROOT / "watcher" / "data" / "demo-sample.jsonl.xz"
EVERY_ITEM = ItemFilter(variants=True)


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["id"] for case in cases]


@pytest.mark.parametrize("case", CASES["case"], ids=_ids(CASES["case"]))
def test_case(store: Store, now: dt.datetime, case: dict[str, Any]) -> None:
    title = case.get("title", "ข่าว")
    query = parse_query(case["query"])
    assert query_matches(query, fold_item(title, case["body"])) is case["match"], "python"
    digest = add(store, now, 1, title, case["body"])
    add(store, now, 2, "อื่น", "ข่าวอื่นที่ไม่เกี่ยวข้อง other news")
    hits = [hit.item.hash for hit in store.search_items(query, EVERY_ITEM)]
    assert hits == ([digest] if case["match"] else []), "sql"
    assert store.count_search(query, EVERY_ITEM) == len(hits)


@pytest.mark.parametrize("case", CASES["error"], ids=_ids(CASES["error"]))
def test_error_is_one_line_naming_the_problem(case: dict[str, Any]) -> None:
    text = " ".join([case["query"]] * case.get("repeat", 1)) + "x" * case.get("pad", 0)
    limits = SUBSCRIPTION_LIMITS if case.get("limits") == "subscription" else SEARCH_LIMITS
    with pytest.raises(InputError) as error:
        parse_query(text, limits)
    message = str(error.value)
    assert case["says"] in message
    assert "\n" not in message and len(message) < 200
    assert message.startswith("query " if limits is SUBSCRIPTION_LIMITS else "search ")


def test_terms_say_how_they_match() -> None:
    query = parse_query('EV semicon* ยานยนต์ "รถEV" "(EV)" -ไฟ')
    assert query.terms == (
        Term("ev", whole_word=True),
        Term("semicon", whole_word=True, prefix=True),
        Term("ยานยนต์", whole_word=False),
        Term("รถev", whole_word=True),
        Term("(ev)", whole_word=False),
    )
    assert query.excluded == (Term("ไฟ", whole_word=False),)
    assert parse_query("รถ*").terms == (Term("รถ", whole_word=False),)  # Thai: already a prefix


def test_limits_allow_what_they_say() -> None:
    assert len(parse_query(" ".join("ab" for _ in range(10)), SUBSCRIPTION_LIMITS).terms) == 10
    assert parse_query("x" * 200, SUBSCRIPTION_LIMITS).terms == (Term("x" * 200, True),)


def test_term_at_checks_the_rule_where_the_text_is() -> None:
    folded = fold_text("Development of EV-charging")
    (ev,) = parse_query("EV").terms
    assert not term_at(ev, folded, folded.index("ev"))  # in "development"
    assert term_at(ev, folded, folded.index("ev-"))
    assert not term_at(ev, folded, 0)  # "de" is not "ev"


def test_an_accent_continues_the_word_it_follows(store: Store, now: dt.datetime) -> None:
    """Decomposed accents (e + U+0301) join a word in both the index and Python; a query is
    composed (NFC) and the item's text is not, so only its composed spelling is found."""
    body = "cafe\u0301 e\u0301cole"
    digest = add(store, now, 1, "ข่าว", body)
    for text, match in [("cafe", False), ("cole", False), ("café", False), ("e", False)]:
        query = parse_query(text)
        assert query_matches(query, fold_item("ข่าว", body)) is match, text
        assert [h.item.hash for h in store.search_items(query, EVERY_ITEM)] == (
            [digest] if match else []
        ), text


def test_an_updated_item_is_found_by_its_new_words(store: Store, now: dt.datetime) -> None:
    digest = add(store, now, 1, "EV policy", "Development")
    with store.transaction() as db:
        db.execute("UPDATE items SET title = 'Semiconductor policy' WHERE hash = ?", [digest])
    assert [h.item.hash for h in store.search_items(parse_query("semicon*"), EVERY_ITEM)] == [
        digest
    ]
    assert store.search_items(parse_query("EV"), EVERY_ITEM) == []
    # Its Latin text is gone with the change: the exact check of a phrase reads the item.
    assert store.conn.execute("SELECT count(*) FROM search_latin").fetchone() == (0,)
    phrase = parse_query('"semiconductor policy"')
    assert [h.item.hash for h in store.search_items(phrase, EVERY_ITEM)] == [digest]


def test_the_latin_text_is_kept_for_every_writer(store: Store, now: dt.datetime) -> None:
    """Held text, rows a writer outside the store left pending, and a rebuild: all give each
    search row the Latin text of its item."""
    add(store, now, 1, "EV ข่าว", "COVID-19 ระลอกใหม่ U.S.")
    with store.transaction() as db:  # as a writer outside the store: no text held
        db.execute(
            "INSERT INTO items (hash, title, body, first_seen, last_seen, origin) VALUES"
            " ('b2', 'ภาษาไทย', 'prime minister ข่าว', '2024-01-01', '2024-01-01', 'import')"
        )

    def latin() -> set[tuple[str, str]]:
        rows = store.conn.execute(
            "SELECT s.hash, l.text, i.title, i.body FROM search_latin l"
            " JOIN search_rows s ON s.id = l.id JOIN items i ON i.hash = s.hash"
        ).fetchall()
        for _, text, title, body in rows:
            assert text == latin_text(fold_item(title, body))
        return {(digest, text) for digest, text, _, _ in rows}

    before = latin()
    assert len(before) == 2 and ("b2", "\x01\x00prime minister \x01") in before
    assert store.rebuild_search_index() == 2
    assert latin() == before


@pytest.mark.parametrize("text", ["COVID-19", '"prime minister"', "U.S.", "e-commerce", "in"])
def test_the_latin_text_answers_as_the_whole_text(
    demo_store: tuple[Store, list[tuple[str, str]]], text: str
) -> None:
    (term,) = parse_query(text).terms
    for _, folded in demo_store[1]:
        assert term_occurs(term, latin_text(folded)) == term_occurs(term, folded)


# Every shape: Latin words (two letters too), prefixes, phrases, Latin beside Thai, Thai
# substrings (three letters and two), OR, exclusion, punctuation.
SAMPLE_QUERIES = [
    "EV", "ev", "AI", "ASEAN", "covid", "covid-19", "COVID-19 วัคซีน", "thailand", "thai*",
    "co*", "a", "1", "2562", '"prime minister"', '"ministry of"', "นายกรัฐมนตรี", "ไทย",
    "ไฟ", "รัฐมนตรี -นายก", "ญี่ปุ่น OR จีน", "ASEAN OR อาเซียน", "ยานยนต์ EV", "EV -ไฟฟ้า",
    "นร.", "(EV)", "ฯ", "ศ.", "e-commerce", "U.S.", "Development", "ment*", "in",
    '"prime minister" OR นายก', "covid-19 -วัคซีน", "e-commerce OR ASEAN OR ไทย",
    "ไทย -covid-19", '"รัฐมนตรี COVID"', "ASEAN* ญี่ปุ่น OR จีน -EV",
]  # fmt: skip


@pytest.fixture(scope="module")
def demo_store(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Store, list[tuple[str, str]]]]:
    from click.testing import CliRunner

    from watcher.cli import cli

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result: Result = CliRunner().invoke(
        cli, ["--db", str(path), "import", str(DEMO_SAMPLE)], catch_exceptions=False
    )
    assert result.exit_code in (0, 1), result.output
    store = Store.open(path)
    rows = store.conn.execute(
        "SELECT hash, title, body FROM items WHERE revision_of IS NULL"
    ).fetchall()
    yield store, [(digest, fold_item(title, body)) for digest, title, body in rows]
    store.close()


@pytest.mark.parametrize("text", SAMPLE_QUERIES)
def test_python_and_sql_agree_on_the_demo_sample(
    demo_store: tuple[Store, list[tuple[str, str]]], text: str
) -> None:
    store, items = demo_store
    query = parse_query(text)
    by_python = {digest for digest, folded in items if query_matches(query, folded)}
    by_sql = [hit.item.hash for hit in store.search_items(query, EVERY_ITEM)]
    assert len(by_sql) == len(set(by_sql))
    assert set(by_sql) == by_python
    assert store.count_search(query, EVERY_ITEM) == len(by_sql)


def test_the_sample_queries_find_something(
    demo_store: tuple[Store, list[tuple[str, str]]],
) -> None:
    """The agreement above is not vacuous: most of its queries match items."""
    _, items = demo_store
    hits = [sum(query_matches(parse_query(t), f) for _, f in items) for t in SAMPLE_QUERIES]
    assert sum(1 for count in hits if count) >= len(SAMPLE_QUERIES) * 2 // 3, hits


def test_a_checked_phrase_keeps_rank_order_and_the_limit(store: Store, now: dt.datetime) -> None:
    """Rows the word index ranks first but the exact rule rejects ("COVID 19", "covid/19") are
    passed over, and the limit counts only rows that match, best first, as without a limit."""
    rejected = [add(store, now, n, f"COVID 19 COVID 19 ข่าว {n}", "covid/19") for n in (1, 2, 3)]
    strong = add(store, now, 4, "COVID-19 COVID-19", "COVID-19 ระลอกใหม่ COVID-19")
    weak = add(store, now, 5, "ข่าวสุขภาพ", "มาตรการ COVID-19 " + "ข่าว " * 200)
    also = add(store, now, 6, "ข่าว COVID-19", "ข่าว")
    query = parse_query("COVID-19")
    every = [h.item.hash for h in store.search_items(query, EVERY_ITEM)]
    assert set(every) == {strong, weak, also} and not set(every) & set(rejected)
    for limit in (1, 2, 3, 4):
        limited = store.search_items(query, ItemFilter(variants=True, limit=limit))
        assert [h.item.hash for h in limited] == every[:limit]
    newest = store.search_items(query, ItemFilter(variants=True, limit=2), newest_first=True)
    assert [h.item.hash for h in newest] == [h.item.hash for h in store.search_items(
        query, EVERY_ITEM, newest_first=True)][:2]  # fmt: skip
    assert store.count_search(query, EVERY_ITEM) == 3
    excluded = parse_query("ข่าว -COVID-19")
    left = {h.item.hash for h in store.search_items(excluded, ItemFilter(variants=True, limit=3))}
    assert left == set(rejected)


def test_a_common_two_letter_term_walks_newest_first_as_the_index_would_list(
    store: Store, now: dt.datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A two-letter Thai term in most items is found by reading items newest first (undated
    last) and checking each, up to `_WALK_ROWS` rows; the answer is the one the indexes give,
    whether the walk fills the limit, runs out of items, or stops at its cap."""
    older = ["รถยนต์ไฟฟ้า", "รถยนต์", "ทางด่วนสำหรับรถยนต์ และรถ", "ขบวนรถยนต์ทางไฟ"]
    for n in range(24):  # the newest 9 without รถ: a walk capped at 8 rows finds nothing
        body = older[n % len(older)] if n < 15 else ["ข่าวทั่วไป", "การประชุม"][n % 2]
        published = None if n in (3, 17) else f"2024-{1 + n // 2:02d}-{1 + n:02d}"
        add(store, now, n, f"ข่าว {n}", body, published=published)
    walked: list[bool] = []
    walk = search_module.SearchTables._walk_newest

    def spy(self: Store, *args: Any) -> Any:
        result = walk(self, *args)
        walked.append(result is not None)
        return result

    monkeypatch.setattr(search_module.SearchTables, "_walk_newest", spy)
    for text in ("รถ", "รถ -ไฟ", "ไฟ -ทาง", "รถ ไฟ"):
        for cap, limit in ((2000, 1), (2000, 5), (2000, 30), (8, 1), (0, 5)):
            query = parse_query(text)
            monkeypatch.setattr(search_module, "_WALK_ROWS", cap)
            walked.clear()
            got = [h.item.hash for h in store.search_items(query, ItemFilter(limit=limit))]
            monkeypatch.setattr(search_module, "_WALK_ROWS", 0)
            indexed = [h.item.hash for h in store.search_items(query, ItemFilter(limit=limit))]
            assert got == indexed, (text, cap, limit)
            assert len(got) == min(limit, store.count_search(query, ItemFilter()))
            if text == "รถ":  # the walk answered, but for the cap reached or none
                assert walked[0] is (cap == 2000), (cap, limit)
    undated = [h for h in store.search_items(parse_query("รถ"), ItemFilter(limit=30))]
    assert undated[-1].item.published is None and undated[0].item.published is not None


def test_a_date_range_leaves_the_index_the_outer_loop(store: Store, now: dt.datetime) -> None:
    """Given a date range, SQLite would read the items in it and ask FTS5 about each, seconds on
    both corpora (ญี่ปุ่น over two months: 1.2 s against 15 ms): the index's rows stay outer."""
    for n in range(30):
        add(store, now, n, f"ญี่ปุ่น {n}", "ความร่วมมือ Japan", published=f"2022-01-{1 + n:02d}")
    where = ItemFilter(limit=20, since="2022-01-05", until="2022-01-09")
    for text in ("ญี่ปุ่น", "Japan", "ญี่ปุ่น Japan", "ความ -Japan"):
        for ordered in (True, False):  # the footer's count sorts nothing, and keeps the plan
            sql, params = search_sql(parse_query(text), where, False, ordered=ordered)
            plan = [row[3] for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
            assert "VIRTUAL TABLE" in plan[0] or plan[0].startswith("CO-ROUTINE"), (text, plan)
            assert ordered == any("ORDER BY" in step for step in plan), (text, plan)
        found = store.search_items(parse_query(text), where)
        assert len(found) == (5 if text != "ความ -Japan" else 0), text
        assert store.count_search(parse_query(text), replace(where, limit=None)) == len(found)
