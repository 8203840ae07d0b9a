"""The state database: dedupe semantics, labels, outbox rows, and a broken or busy file."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from watcher.core.corpus import Item
from watcher.core.errors import StoreError
from watcher.match.subscriptions import Subscription
from watcher.store import ItemFilter, Store
from watcher.store.schema import MIGRATIONS

URL = "https://www.thaigov.go.th/news/contents/details/{}"
JP_LABELS = {
    "countries": ["JP"],
    "primary": ["JP"],
    "blocs": [],
    "ministries": ["industry"],
    "lead_ministry": "industry",
    "evidence": [{"code": "JP", "alias": "ญี่ปุ่น"}],
}


def item(body: str = "เนื้อหา", url_id: int = 1, title: str = "หัวข้อ") -> Item:
    return Item(
        title=title, body=body, url=URL.format(url_id), source_id=url_id, published="2026-11-19"
    )


def test_new_then_same_hash_elsewhere_is_a_duplicate(store: Store, now: dt.datetime) -> None:
    first = store.add_item(item(url_id=1), origin="poll", seen_at=now)
    again = store.add_item(item(url_id=2), origin="poll", seen_at=now)
    assert (first.status, again.status) == ("new", "duplicate")
    assert [u["url"] for u in store.item_urls(first.hash)] == [URL.format(1), URL.format(2)]
    assert store.count_items() == 1


def test_same_url_new_hash_is_a_revision(store: Store, now: dt.datetime) -> None:
    first = store.add_item(item("ฉบับแรก"), origin="poll", seen_at=now)
    second = store.add_item(item("ฉบับแก้ไข"), origin="poll", seen_at=now)
    assert second.status == "revision"
    assert [i.hash for i in store.revisions(second.hash)] == [first.hash, second.hash]
    assert [i.hash for i in store.list_items(ItemFilter())] == [first.hash]
    found = store.get_item(URL.format(1))
    assert found is not None and found.hash == second.hash


def test_alerts_queued_only_for_matching_instant_subscribers(
    store: Store, now: dt.datetime
) -> None:
    jp = store.add_subscriber("telegram", "100", at=now)
    store.add_subscription(jp.id, Subscription(countries=("JP",)))
    kr = store.add_subscriber("telegram", "200", at=now)
    store.add_subscription(kr.id, Subscription(countries=("KR",)))
    daily = store.add_subscriber("email", "a@example.org", mode="daily", at=now)
    store.add_subscription(daily.id, Subscription(everything=True))
    outcome = store.add_item(item(), origin="poll", seen_at=now, labels=JP_LABELS, alert=True)
    assert outcome.queued == 1
    due = store.due_outbox("telegram", now)
    assert [(row.subscriber.address, row.item_hash) for row in due] == [("100", outcome.hash)]
    assert store.due_outbox("email", now) == []


def test_import_never_alerts(store: Store, now: dt.datetime) -> None:
    sub = store.add_subscriber("telegram", "100", at=now)
    store.add_subscription(sub.id, Subscription(everything=True))
    store.add_item(item(), origin="import", seen_at=now, labels=JP_LABELS, alert=False)
    assert store.due_outbox("telegram", now) == []


def test_sent_rows_are_not_due_again(store: Store, now: dt.datetime) -> None:
    sub = store.add_subscriber("telegram", "100", at=now)
    store.add_subscription(sub.id, Subscription(everything=True))
    store.add_item(item(), origin="poll", seen_at=now, labels=JP_LABELS, alert=True)
    (row,) = store.due_outbox("telegram", now)
    store.mark_sent(row.id, now)
    assert store.due_outbox("telegram", now) == []
    assert store.outbox_counts() == {"sent": 1}


def test_digest_is_queued_once_per_day(store: Store, now: dt.datetime) -> None:
    sub = store.add_subscriber("email", "a@example.org", mode="daily", at=now)
    assert store.queue_digest(sub.id, "2026-11-19", now)
    assert not store.queue_digest(sub.id, "2026-11-19", now)
    assert store.queue_digest(sub.id, "2026-11-19", now, force=True)


def test_filters_on_labels_and_dates(store: Store, now: dt.datetime) -> None:
    store.add_item(item("ญี่ปุ่น", 1), origin="import", seen_at=now, labels=JP_LABELS)
    store.add_item(
        item("ในประเทศ", 2), origin="import", seen_at=now, labels={"ministries": ["culture"]}
    )
    assert len(store.list_items(ItemFilter(countries=("JP",)))) == 1
    assert len(store.list_items(ItemFilter(countries=("JP",), ministries=("culture",)))) == 0
    assert len(store.list_items(ItemFilter(ministries=("culture", "industry")))) == 2
    assert len(store.list_items(ItemFilter(since="2026-11-20"))) == 0
    assert len(store.list_items(ItemFilter(until="2026-11-19", limit=1))) == 1


def test_schema_is_versioned(tmp_path: Path) -> None:
    handle = Store.open(tmp_path / "w.db")
    assert handle.schema_version == len(MIGRATIONS)
    handle.close()
    assert Store.open(tmp_path / "w.db").schema_version == len(MIGRATIONS)


def test_not_a_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "watcher.db"
    path.write_bytes(b"this is not sqlite, it is a text file" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a valid SQLite database"):
        Store.open(path)
    assert path.read_bytes() == before


def test_locked_database_gives_a_clear_error(tmp_path: Path, now: dt.datetime) -> None:
    path = tmp_path / "watcher.db"
    Store.open(path).close()
    blocker = sqlite3.connect(path)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        handle = Store.open(path, timeout=0.1)
    except StoreError as error:
        assert "locked" in str(error)
    else:
        with pytest.raises(StoreError, match="locked by another process"):
            handle.add_item(item(), origin="poll", seen_at=now)
    finally:
        blocker.rollback()
        blocker.close()
