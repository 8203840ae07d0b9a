"""One item's way in: Item → reject empty → hash → dedupe → classify → store + outbox.

Imports and live polling go through the same `Pipeline.process`, so an item imported from the
corpus and the same item fetched from the site dedupe, and every stored item is labelled.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from watcher.corpus import Item, rejection_reason
from watcher.reader import ReadRecord
from watcher.store import Store

__all__ = ["Classifies", "ImportSummary", "ItemResult", "Pipeline", "utc_now"]

IMPORT_BATCH = 500  # items per transaction on import: one commit per batch, not per item


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _Labels(Protocol):
    def to_json(self) -> dict[str, Any]: ...


class Classifies(Protocol):
    def classify(self, title: str, body: str, category: str | None = None) -> _Labels: ...


@dataclass(frozen=True)
class ItemResult:
    status: str  # "new" | "duplicate" | "revision" | "rejected"
    hash: str | None
    reason: str | None = None
    labels: Mapping[str, Any] | None = None
    queued: int = 0


@dataclass
class ImportSummary:
    counts: Counter[str] = field(default_factory=Counter)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)

    def line(self) -> str:
        c = self.counts
        return (
            f"{c['new']} new, {c['duplicate']} duplicate, {c['revision']} revision,"
            f" {c['rejected']} rejected"
        )


class Pipeline:
    def __init__(
        self,
        store: Store,
        classifier: Classifies | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.store = store
        self.classifier = classifier
        self.clock = clock

    def labels_for(self, item: Item) -> dict[str, Any] | None:
        if self.classifier is None:
            return None
        return self.classifier.classify(item.title, item.body, item.category).to_json()

    def process(self, item: Item, *, origin: str, alert: bool) -> ItemResult:
        reason = rejection_reason(item)
        if reason is not None:
            return ItemResult("rejected", None, reason)
        digest = item.hash
        labels = None if self.store.has_item(digest) else self.labels_for(item)
        outcome = self.store.add_item(
            item, origin=origin, seen_at=self.clock(), labels=labels, alert=alert
        )
        return ItemResult(outcome.status, digest, None, labels, outcome.queued)

    def reclassify(
        self, hashes: Iterable[str], on_progress: Callable[[int], None] | None = None
    ) -> Counter[str]:
        """Re-label stored items (after the gazetteers changed); counts changed/unchanged."""
        counts: Counter[str] = Counter()
        iterator = iter(hashes)
        while batch := list(itertools.islice(iterator, IMPORT_BATCH)):
            with self.store.transaction():
                for digest in batch:
                    stored = self.store.get_item(digest)
                    if stored is None:
                        continue
                    labels = self.labels_for(stored.to_item()) or {}
                    before = stored.to_json() | {"evidence": list(stored.evidence)}
                    changed = any(before[key] != value for key, value in labels.items())
                    if changed:
                        self.store.set_labels(digest, labels, self.clock())
                    counts["changed" if changed else "unchanged"] += 1
            if on_progress is not None:
                on_progress(sum(counts.values()))
        return counts

    def import_records(
        self,
        records: Iterable[ReadRecord],
        on_result: Callable[[ReadRecord, ItemResult], None] | None = None,
    ) -> ImportSummary:
        """History: stored, classified and searchable, never alerted, never in a digest."""
        summary = ImportSummary()
        iterator = iter(records)
        while batch := list(itertools.islice(iterator, IMPORT_BATCH)):
            with self.store.transaction():
                for record in batch:
                    self._import_one(record, summary, on_result)
        return summary

    def _import_one(
        self,
        record: ReadRecord,
        summary: ImportSummary,
        on_result: Callable[[ReadRecord, ItemResult], None] | None,
    ) -> None:
        if record.item is None:
            result = ItemResult("rejected", None, record.error or "unreadable")
        else:
            result = self.process(record.item, origin="import", alert=False)
        summary.counts[result.status] += 1
        if result.status == "rejected":
            summary.rejected.append((record.where, result.reason or ""))
        if on_result is not None:
            on_result(record, result)
