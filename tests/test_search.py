"""Full-text search: trigram substrings in Thai runs, the index kept in step, syntax, filters."""

from __future__ import annotations

import datetime as dt
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from watcher.core.corpus import Item
from watcher.core.errors import InputError
from watcher.match.language import Term, TextQuery
from watcher.query import search as query
from watcher.store import ItemFilter, Store
from watcher.store.schema import MIGRATIONS

URL = "https://www.thaigov.go.th/news/contents/details/{}"
EV_BODY = "กระทรวงอุตสาหกรรมส่งเสริมการผลิตรถจักรยานยนต์ไฟฟ้าในประเทศ"


def labels(countries: list[str], ministries: list[str]) -> dict[str, Any]:
    return {
        "countries": countries, "primary": countries[:1], "blocs": [],
        "ministries": ministries, "lead_ministry": (ministries or [None])[0], "evidence": [],
    }  # fmt: skip


def add(
    store: Store, now: dt.datetime, url_id: int, title: str, body: str,
    *, published: str = "2024-06-01", tags: dict[str, Any] | None = None,
) -> str:  # fmt: skip
    item = Item(title=title, body=body, url=URL.format(url_id), source_id=url_id,
                category="ด้านเศรษฐกิจ", published=published)  # fmt: skip
    return store.add_item(item, origin="import", seen_at=now, labels=tags).hash


def found(store: Store, text: str, where: ItemFilter | None = None) -> list[str]:
    return [f.item.hash for f in query.search(store, text, where or ItemFilter())]


def test_finds_a_substring_inside_a_thai_run(store: Store, now: dt.datetime) -> None:
    ev = add(store, now, 1, "ส่งเสริมยานยนต์", EV_BODY)
    add(store, now, 2, "ข่าวอื่น", "การท่องเที่ยวภาคใต้")
    assert found(store, "ยานยนต์ไฟฟ้า") == [ev]
    assert found(store, "ยนต์ไฟ") == [ev]  # starts and ends mid-word
    assert found(store, "ยานยนต์น้ำมัน") == []


def test_latin_terms_ignore_case_and_line_breaks(store: Store, now: dt.datetime) -> None:
    digest = add(store, now, 1, "EV", "รถยนต์ไฟฟ้า (Electric\nVehicle) ในไทย")
    assert found(store, "electric vehicle") == [digest]
    assert found(store, '"electric vehicle"') == [digest]
    assert found(store, '"vehicle electric"') == []


def test_invisible_characters_and_decomposed_sara_am_still_match(
    store: Store, now: dt.datetime
) -> None:
    digest = add(store, now, 1, "หัวข้อ", "การประชุมคณะกรรม\u200bการด้านน\u0e4d\u0e32เข้า")
    assert found(store, "คณะกรรมการ") == [digest]
    assert found(store, "นำเข้า") == [digest]


def test_short_terms_match(store: Store, now: dt.datetime) -> None:
    """A two-letter Latin word is a word-index lookup (ranked); a two-letter Thai term, which
    neither index can hold, is a scan (unranked)."""
    ev = add(store, now, 1, "นโยบาย EV", "ยานยนต์ไฟฟ้า")
    add(store, now, 2, "ข่าวอื่น", "การเกษตร")
    hits = query.search(store, "ev", ItemFilter())
    assert [h.item.hash for h in hits] == [ev]
    assert hits[0].rank is not None
    assert found(store, "ยานยนต์ EV") == [ev]
    assert found(store, "ไฟ -EV") == []
    (scanned,) = query.search(store, "ไฟ", ItemFilter())
    assert scanned.item.hash == ev and scanned.rank is None


def test_like_wildcards_in_a_short_term_are_literal(store: Store, now: dt.datetime) -> None:
    add(store, now, 1, "หัวข้อ", "อัตรา 5 ต่อปี")
    percent = add(store, now, 2, "หัวข้อ", "อัตรา 5% ต่อปี")
    assert found(store, "5%") == [percent]


def test_and_or_and_exclusion(store: Store, now: dt.datetime) -> None:
    jp = add(store, now, 1, "ไทย-ญี่ปุ่น", "ความร่วมมือด้านการค้ากับญี่ปุ่น")
    kr = add(store, now, 2, "ไทย-เกาหลี", "ความร่วมมือด้านการค้ากับเกาหลี")
    both = add(store, now, 3, "ไทย-ญี่ปุ่น-เกาหลี", "การค้ากับญี่ปุ่นและเกาหลี")
    assert set(found(store, "ญี่ปุ่น OR เกาหลี")) == {jp, kr, both}
    assert set(found(store, "ญี่ปุ่น เกาหลี")) == {both}
    assert set(found(store, "การค้า -เกาหลี")) == {jp}
    assert set(found(store, '"ด้านการค้า" ญี่ปุ่น OR เกาหลี')) == {jp, kr}


def test_a_title_match_ranks_above_a_body_match(store: Store, now: dt.datetime) -> None:
    in_body = add(store, now, 1, "การประชุม", "หารือเรื่องเซมิคอนดักเตอร์กับญี่ปุ่น")
    in_title = add(store, now, 2, "เซมิคอนดักเตอร์", "หารือการลงทุนกับญี่ปุ่น")
    for url_id in range(3, 6):
        add(store, now, url_id, "ข่าวอื่น", f"การท่องเที่ยว {url_id}")
    hits = query.search(store, "เซมิคอนดักเตอร์", ItemFilter())
    assert [h.item.hash for h in hits] == [in_title, in_body]
    assert hits[0].rank is not None and hits[1].rank is not None
    assert hits[0].rank > hits[1].rank
    newest = query.search(store, "ญี่ปุ่น", ItemFilter(), newest_first=True)
    assert {h.item.hash for h in newest} == {in_body, in_title}


def test_filters_are_the_listing_filters(store: Store, now: dt.datetime) -> None:
    jp = add(store, now, 1, "ญี่ปุ่น", "การลงทุน", tags=labels(["JP"], ["industry"]))
    add(store, now, 2, "เกาหลี", "การลงทุน", tags=labels(["KR"], ["commerce"]))
    add(store, now, 3, "เก่า", "การลงทุน", published="2019-01-01", tags=labels(["JP"], []))
    for where in (
        ItemFilter(countries=("JP",), since="2020-01-01"),
        ItemFilter(ministries=("industry",)),
        ItemFilter(countries=("JP",), until="2024-12-31", since="2024-01-01", limit=5),
    ):
        listed = [i.hash for i in store.list_items(where)]
        assert found(store, "การลงทุน", where) == listed == [jp]
    assert len(found(store, "การลงทุน", ItemFilter(limit=2))) == 2


def test_revisions_are_not_results(store: Store, now: dt.datetime) -> None:
    first = add(store, now, 1, "หัวข้อ", "ฉบับแรกของข่าวประชาสัมพันธ์")
    add(store, now, 1, "หัวข้อ", "ฉบับแก้ไขของข่าวประชาสัมพันธ์")
    assert found(store, "ข่าวประชาสัมพันธ์") == [first]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('"ยานยนต์', "unbalanced quote"),
        ('ยาน"ยนต์"', "unbalanced quote"),
        ("OR ญี่ปุ่น", "OR needs a term"),
        ("ญี่ปุ่น OR", "OR needs a term"),
        ("ญี่ปุ่น OR OR จีน", "OR needs a term"),
        ("ญี่ปุ่น OR -จีน", "cannot be part of an OR"),
        ('""', "empty phrase"),
        ("-", "empty phrase or lone '-'"),
        ("-จีน", "at least one word"),
        ("   ", "at least one word"),
        ("\u200b", "at least one word"),
    ],
)
def test_syntax_errors_are_one_clear_line(store: Store, text: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem) as error:
        query.search(store, text, ItemFilter())
    assert "\n" not in str(error.value)


def test_fts_operators_typed_by_the_user_are_plain_text(store: Store, now: dt.datetime) -> None:
    digest = add(store, now, 1, "หัวข้อ", "ข้อความ NEAR(ab) AND * ^ : {x}")
    assert found(store, "NEAR(ab)") == [digest]
    assert found(store, "{x} AND") == [digest]
    a, b, c, d = (Term(letter, whole_word=True) for letter in "abcd")
    assert query.parse_query("a OR b c -d") == TextQuery(((a, b), (c,)), (d,))


def test_snippet_marks_the_match_and_keeps_thai_clusters_whole(
    store: Store, now: dt.datetime
) -> None:
    body = "ก่อนหน้า " * 40 + EV_BODY + " หลังจากนั้น" * 40
    add(store, now, 1, "หัวข้อ", body)
    (hit,) = query.search(store, "ยานยนต์ไฟฟ้า", ItemFilter())
    assert "«ยานยนต์ไฟฟ้า»" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    inner = hit.snippet.strip("…")
    assert unicodedata.category(inner[0]) != "Mn"
    assert len(inner) <= query.SNIPPET_CHARS + 4


def test_snippet_of_a_title_only_match_is_the_start_of_the_body(
    store: Store, now: dt.datetime
) -> None:
    add(store, now, 1, "เซมิคอนดักเตอร์", "เนื้อข่าวสั้น")
    (hit,) = query.search(store, "เซมิคอนดักเตอร์", ItemFilter())
    assert hit.snippet == "เนื้อข่าวสั้น"


def test_index_follows_updates_and_deletes(store: Store, now: dt.datetime) -> None:
    digest = add(store, now, 1, "หัวข้อเดิม", "เนื้อหาเดิม")
    with store.transaction() as db:
        db.execute("UPDATE items SET body = 'เนื้อหาใหม่' WHERE hash = ?", [digest])
    assert found(store, "เนื้อหาใหม่") == [digest]
    assert found(store, "เนื้อหาเดิม") == []
    with store.transaction() as db:
        db.execute("DELETE FROM item_urls WHERE hash = ?", [digest])
        db.execute("DELETE FROM items WHERE hash = ?", [digest])
    assert found(store, "เนื้อหาใหม่") == []
    assert store.search_index_rows() == 0


def test_a_rolled_back_item_leaves_no_index_entry(store: Store, now: dt.datetime) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        add(store, now, 1, "หัวข้อ", "ยานยนต์ไฟฟ้า")
        raise RuntimeError("crash after the insert")
    assert store.count_items() == 0
    assert store.search_index_rows() == 0
    assert found(store, "ยานยนต์") == []


def test_rebuild_restores_a_lost_index(store: Store, now: dt.datetime) -> None:
    digest = add(store, now, 1, "หัวข้อ", EV_BODY)
    with store.transaction() as db:
        db.execute("INSERT INTO items_fts (items_fts) VALUES ('delete-all')")
    assert found(store, "ยานยนต์") == []
    assert store.rebuild_search_index() == 1
    assert found(store, "ยานยนต์") == [digest]


def test_upgrading_a_database_indexes_its_items(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO items (hash, title, body, first_seen, last_seen, origin)"
        " VALUES ('a1', 'หัวข้อ', ?, '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00',"
        " 'import')",
        [EV_BODY],
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = Store.open(path)
    try:
        assert found(store, "ยานยนต์ไฟฟ้า") == ["a1"]
    finally:
        store.close()


def test_a_page_of_a_listing_is_the_head_of_the_whole_listing(
    store: Store, now: dt.datetime
) -> None:
    dates = ["2024-01-02", "2023-05-01", "2024-01-02", None, "2025-03-01"]
    for url_id, published in enumerate(dates):
        item = Item(title=f"ข่าว {url_id}", body="เนื้อหา", url=URL.format(url_id),
                    published=published)  # fmt: skip
        store.add_item(item, origin="import", seen_at=now + dt.timedelta(minutes=url_id))
    for newest_first in (True, False):
        whole = [i.hash for i in store.list_items(ItemFilter(), newest_first=newest_first)]
        for limit in range(6):
            page = store.list_items(ItemFilter(limit=limit), newest_first=newest_first)
            assert [i.hash for i in page] == whole[:limit]


def test_items_in_order_reads_in_chunks_and_skips_unknown(store: Store, now: dt.datetime) -> None:
    from watcher.store.items import items_in_order

    hashes = [add(store, now, n, f"ข่าว {n}", f"เนื้อหา {n}") for n in range(5)]
    wanted = [hashes[3], "0" * 16, hashes[0], hashes[4], hashes[1]]
    got = items_in_order(store.conn, wanted, chunk=2)
    assert [i.hash for i in got] == [hashes[3], hashes[0], hashes[4], hashes[1]]


def test_matching_hashes_are_the_listing_without_its_rows(store: Store, now: dt.datetime) -> None:
    add(store, now, 1, "ญี่ปุ่น", "การลงทุน", tags=labels(["JP"], ["industry"]))
    add(store, now, 2, "เกาหลี", "การลงทุน", tags=labels(["KR"], ["commerce"]))
    add(store, now, 3, "เก่า", "การลงทุน", published="2019-01-01", tags=labels(["JP"], []))
    add(store, now, 4, "ไม่ระบุวัน", "ข่าว", published=None)
    add(store, now, 1, "ญี่ปุ่น", "ฉบับแก้ไข")  # a revision: not listed
    for where in (
        ItemFilter(),
        ItemFilter(countries=("JP",)),
        ItemFilter(ministries=("commerce",)),
        ItemFilter(limit=2),
        ItemFilter(since="2020-01-01", variants=True),
    ):
        listed = [item.hash for item in store.iter_items(where)]
        assert store.matching_hashes(where) == listed
    assert len(store.matching_hashes(ItemFilter())) == 4
    assert [i.hash for i in store.get_items(store.matching_hashes(ItemFilter())[::-1])] == [
        i.hash for i in store.iter_items(ItemFilter())
    ][::-1]
