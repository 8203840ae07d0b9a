"""Labelling and fingerprinting in worker processes decides exactly as in one process.

The same records imported with `workers=0` (all in this process) and `workers=2` (batches
prepared ahead in a pool) give the same counts and the same stored rows: labels, revisions,
variants and their stories, band keys, search index entries.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.test_crash import WORDS, crash_item
from watcher.classify import Classifier, default_gazetteer_dir
from watcher.core.corpus import Item
from watcher.ingest import pipeline
from watcher.ingest.neardup import NearDuplicates
from watcher.ingest.pipeline import Pipeline
from watcher.ingest.reader import ReadRecord
from watcher.store import Store


def long_story(n: int, changed: int | None = None) -> Item:
    """A story long enough for near-duplicate detection; `changed` swaps one of its words."""
    words = random.Random(n).choices(WORDS, k=220)
    if changed is not None:
        words[changed] = "เปลี่ยนแปลง"
    return Item(
        title=f"เรื่องยาวที่ {n}: นายกรัฐมนตรีหารือกับญี่ปุ่น",
        body=" ".join(words),
        category="ด้านต่างประเทศ",
        published="2023-07-25",
    )


def records() -> list[ReadRecord]:
    items = [crash_item(n) for n in range(260)]
    items += [long_story(n) for n in range(20)] + [long_story(n, changed=7) for n in range(20)]
    items += [crash_item(n) for n in range(0, 260, 13)]  # seen again: duplicates
    rows = [ReadRecord(f"gen:{n}", item) for n, item in enumerate(items)]
    rows.insert(100, ReadRecord("gen:bad", None, "not JSON"))
    return rows


def stored(store: Store) -> list[tuple[object, ...]]:
    return store.db.execute(
        "SELECT i.hash, countries, primary_countries, ministries, lead_ministry, kind,"
        " revision_of, near_duplicate_of, near_similarity, s.id IS NOT NULL,"
        " (SELECT group_concat(bucket) FROM near_duplicate_bands b WHERE b.hash = i.hash)"
        " FROM items i LEFT JOIN search_rows s ON s.hash = i.hash ORDER BY i.hash"
    ).fetchall()


def test_workers_store_what_one_process_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "IMPORT_BATCH", 50)  # several batches in flight
    classifier = Classifier.from_dir(default_gazetteer_dir())
    results = []
    for workers in (0, 2):
        store = Store.open(tmp_path / f"w{workers}.db")
        run = Pipeline(store, classifier, near_duplicates=NearDuplicates(0.85, 30), workers=workers)
        summary = run.import_records(records())
        results.append((summary.counts, summary.rejected, stored(store)))
        store.close()
    one, pooled = results
    assert one[0]["variant"] == 20 and one[0]["duplicate"] == 20 and one[0]["rejected"] == 1
    assert one[2][0][1] is not None  # labelled
    assert pooled == one


def test_reclassify_with_workers_labels_what_one_process_labels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "IMPORT_BATCH", 50)
    classifier = Classifier.from_dir(default_gazetteer_dir())
    results = []
    for workers in (0, 2):
        store = Store.open(tmp_path / f"r{workers}.db")
        Pipeline(store, None, workers=0).import_records(records())  # stored unlabelled
        hashes = [row[0] for row in store.db.execute("SELECT hash FROM items ORDER BY hash")]
        counts = Pipeline(store, classifier, workers=workers).reclassify([*hashes, "gone"])
        results.append((counts, stored(store)))
        store.close()
    one, pooled = results
    assert one[0]["changed"] > 0 and one[0].total() == len(one[1])
    assert pooled == one
