"""The search index written once per transaction: an item and its entry still commit together.

Items inserted in one transaction are indexed by one statement just before it commits; an item
changed or deleted before that commit is indexed as it ends up (or not at all); a row another
writer left pending is indexed when the store next opens the database.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from tests.test_search import EV_BODY, add, found
from watcher.store import Store


def pending(store: Store) -> int:
    return int(store.db.execute("SELECT count(*) FROM search_rows WHERE pending = 1").fetchone()[0])


def test_a_batch_is_searchable_once_committed_and_nothing_is_left_pending(
    store: Store, now: dt.datetime
) -> None:
    with store.transaction():
        digests = [add(store, now, n, f"หัวข้อ {n}", f"{EV_BODY} ข่าวที่ {n}") for n in range(30)]
        assert pending(store) == 30  # inside the transaction: not indexed yet
    assert pending(store) == 0
    assert sorted(found(store, "ยานยนต์ไฟฟ้า")) == sorted(digests)
    assert store.search_index_rows() == 30


def test_a_failed_batch_leaves_neither_items_nor_entries(store: Store, now: dt.datetime) -> None:
    add(store, now, 1, "หัวข้อแรก", EV_BODY)
    with pytest.raises(RuntimeError), store.transaction():
        for n in range(2, 12):
            add(store, now, n, f"หัวข้อ {n}", "เซมิคอนดักเตอร์")
        raise RuntimeError("crash before the commit")
    assert store.count_items() == 1 and store.search_index_rows() == 1
    assert found(store, "เซมิคอนดักเตอร์") == []
    assert len(found(store, "ยานยนต์")) == 1


def test_changed_or_deleted_before_the_commit_is_indexed_as_it_ends_up(
    store: Store, now: dt.datetime
) -> None:
    with store.transaction() as db:
        changed = add(store, now, 1, "หัวข้อ", "เนื้อหาเดิม")
        gone = add(store, now, 2, "หัวข้ออื่น", "ข้อความที่ลบไป")
        db.execute("UPDATE items SET body = 'เนื้อหาใหม่' WHERE hash = ?", [changed])
        db.execute("DELETE FROM item_urls WHERE hash = ?", [gone])
        db.execute("DELETE FROM items WHERE hash = ?", [gone])
    assert found(store, "เนื้อหาใหม่") == [changed]
    assert found(store, "เนื้อหาเดิม") == [] and found(store, "ข้อความที่ลบ") == []
    assert store.search_index_rows() == 1
    store.db.execute(
        "INSERT INTO items_fts (items_fts) VALUES ('integrity-check')"
    )  # raises if not


def test_a_row_left_pending_by_another_writer_is_indexed_at_the_next_open(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO items (hash, title, body, first_seen, last_seen, origin)"
        " VALUES ('a1', 'หัวข้อ', ?, '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00',"
        " 'import')",
        [EV_BODY],
    )
    conn.commit()
    conn.close()
    store = Store.open(path)
    try:
        assert found(store, "ยานยนต์ไฟฟ้า") == ["a1"]
        assert pending(store) == 0
    finally:
        store.close()
