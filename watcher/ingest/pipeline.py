"""One item's way in: Item → reject empty → hash → dedupe → classify → near-duplicates → store.

Imports and live polling go through the same `Pipeline.process`, so an item imported from the
corpus and the same item fetched from the site dedupe, and every stored item is labelled.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from watcher.classify import Classifies
from watcher.core.corpus import Item, rejection_reason
from watcher.core.errors import StoreError
from watcher.ingest.read_ahead import read_ahead
from watcher.ingest.reader import ReadRecord
from watcher.store import NearQuery, Store, StoredItem, utc_iso

if TYPE_CHECKING:
    from watcher.ingest.neardup import Fingerprint, NearDuplicates
    from watcher.ingest.prepare import Prepared

__all__ = [
    "ImportInterrupted",
    "ImportSummary",
    "ItemResult",
    "Pipeline",
    "utc_now",
]

IMPORT_BATCH = 500  # items per transaction on import: one commit per batch, not per item


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ItemResult:
    status: str  # "new" | "duplicate" | "revision" | "variant" | "skipped" | "rejected"
    hash: str | None
    reason: str | None = None
    labels: Mapping[str, Any] | None = None
    queued: int = 0


REJECTIONS_KEPT = 100  # rejected inputs an import keeps to show; the rest are only counted


@dataclass
class ImportSummary:
    """Counts by outcome; skipped pages by reason; the first REJECTIONS_KEPT rejections."""

    counts: Counter[str] = field(default_factory=Counter)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)
    skipped: Counter[str] = field(default_factory=Counter)  # reason → count

    def copy(self) -> ImportSummary:
        return ImportSummary(Counter(self.counts), list(self.rejected), Counter(self.skipped))

    def line(self) -> str:
        c = self.counts
        text = (
            f"{c['new']} new, {c['duplicate']} duplicate, {c['revision']} revision,"
            f" {c['variant']} variant, {c['skipped']} skipped, {c['rejected']} rejected"
        )
        if self.skipped:
            reasons = ", ".join(f"{n} {reason}" for reason, n in self.skipped.most_common())
            text += f" (skipped, left empty by the site: {reasons})"
        return text


class ImportInterrupted(StoreError):
    """The database failed mid-import (a full disk): the batches before it are committed and
    stay, the failing batch was rolled back. Says how much is in, so nobody guesses."""

    def __init__(self, error: StoreError, committed: ImportSummary) -> None:
        done = committed.counts.total()
        super().__init__(
            f"{error}; import stopped after {done} inputs, committed: {committed.line()};"
            " the rest was not imported: fix the cause and import again (what is stored"
            " already counts as duplicate)"
        )
        self.committed = committed


class Pipeline:
    def __init__(
        self,
        store: Store,
        classifier: Classifies | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
        near_duplicates: NearDuplicates | None = None,
        workers: int | None = None,
    ) -> None:
        """`workers`: processes that label and fingerprint import batches ahead of the writes
        (None: one per core beyond this one; 0: all in this process)."""
        self.store = store
        self.workers = workers
        self.classifier = classifier
        self.clock = clock
        self.near_duplicates = near_duplicates
        self._pending_indexed = near_duplicates is None

    def labels_for(self, item: Item) -> dict[str, Any] | None:
        if self.classifier is None:
            return None
        return self.classifier.classify(item.title, item.body, item.category).to_json()

    def process(
        self, item: Item, *, origin: str, alert: bool, ready: Prepared | None = None
    ) -> ItemResult:
        """`ready`: the item's hash, labels and fingerprint computed ahead (by a worker)."""
        reason = rejection_reason(item)
        if reason is not None:
            return ItemResult("skipped", None, reason)
        digest = item.hash if ready is None else ready.digest
        if not self._pending_indexed:
            self.index_pending()
        seen_at = self.clock() if ready is None else ready.seen_at
        known = self.store.has_item(digest)
        if ready is not None:
            labels = None if known else ready.labels
            near = None if known else self._near_query(ready.print_, item, seen_at, labels)
        else:
            labels = None if known else self.labels_for(item)
            near = None if known else self._near_query(None, item, seen_at, labels)
        # The store looks the candidates up, decides and writes the item with its band keys in
        # one transaction: no writer slips a story in between, a crash leaves neither half.
        outcome = self.store.add_item(
            item,
            origin=origin,
            seen_at=seen_at,
            labels=labels,
            alert=alert,
            near=near,
            digest=digest,
        )
        return ItemResult(outcome.status, digest, None, labels, outcome.queued)

    def near_query(self, item: Item, seen_at: dt.datetime) -> NearQuery | None:
        """How the store finds the story `item` repeats, if any (None: detection is off)."""
        return self._near_query(None, item, seen_at)

    def _near_query(
        self, print_: Fingerprint | None, item: Item, seen_at: dt.datetime,
        labels: Mapping[str, Any] | None = None,
    ) -> NearQuery | None:  # fmt: skip
        detector = self.near_duplicates
        if detector is None:
            return None
        if print_ is None:
            from watcher.ingest.neardup import fingerprint, story_day

            print_ = fingerprint(item, story_day(item.published, utc_iso(seen_at)))
        found, day = print_, print_.day
        return NearQuery(
            found.bands, day, *detector.window(day), lambda c: detector.choose(found, c, labels)
        )

    def index_pending(self, batch: int = IMPORT_BATCH) -> int:
        """Give items stored before near-duplicate detection existed their band keys (once).

        They become stories of their own: history is not relinked, only made findable.
        """
        from watcher.ingest.neardup import fingerprint, story_day

        self._pending_indexed = True
        done = 0
        while hashes := self.store.pending_near_duplicates(batch):
            with self.store.transaction():
                for digest in hashes:
                    stored = self.store.get_item(digest)
                    if stored is None:  # gone since: nothing to index, no longer pending
                        self.store.index_near_duplicate(digest, "", ())
                        continue
                    day = story_day(stored.published, stored.first_seen)
                    bands = fingerprint(stored.to_item(), day).bands
                    self.store.index_near_duplicate(digest, day, bands)
                    done += 1
        return done

    def reclassify(
        self, hashes: Iterable[str], on_progress: Callable[[int], None] | None = None
    ) -> Counter[str]:
        """Re-label stored items (after the gazetteers changed); counts changed/unchanged.

        With workers, batch N+1 is read and labelled while batch N's changes are written."""
        counts: Counter[str] = Counter()
        iterator = iter(hashes)
        batches = (
            self._stored(chunk)
            for chunk in iter(lambda: list(itertools.islice(iterator, IMPORT_BATCH)), [])
        )
        workers = self._workers(main_writes=False)
        if not workers or self.classifier is None:
            for batch in batches:
                self._relabel(batch, {}, counts, on_progress)
            return counts
        from watcher.ingest.prepare import Preparer

        with Preparer(self.classifier, False, workers) as preparer:
            for batch, ready in preparer.ahead(batches, lambda s: s.to_item(), self.clock):
                self._relabel(batch, ready, counts, on_progress)
        return counts

    def _stored(self, hashes: list[str]) -> list[StoredItem]:
        return self.store.get_items(hashes)

    def _relabel(
        self,
        batch: list[StoredItem],
        ready: Mapping[int, Prepared],
        counts: Counter[str],
        on_progress: Callable[[int], None] | None,
    ) -> None:
        with self.store.transaction():
            for position, stored in enumerate(batch):
                done = ready.get(position)
                labels = (done.labels if done else self.labels_for(stored.to_item())) or {}
                before = stored.to_json() | {"evidence": list(stored.evidence)}
                changed = any(before[key] != value for key, value in labels.items())
                if changed:
                    self.store.set_labels(stored.hash, labels, self.clock())
                counts["changed" if changed else "unchanged"] += 1
        if on_progress is not None:
            on_progress(sum(counts.values()))

    def _workers(self, main_writes: bool = True) -> int:
        from watcher.ingest.prepare import default_workers

        return default_workers(main_writes) if self.workers is None else self.workers

    def import_records(
        self,
        records: Iterable[ReadRecord],
        on_result: Callable[[ReadRecord, ItemResult], None] | None = None,
    ) -> ImportSummary:
        """History: stored, classified and searchable, never alerted, never in a digest."""
        summary = ImportSummary()
        iterator = iter(records)
        first = list(itertools.islice(iterator, IMPORT_BATCH))
        # The rest is read by a thread; it starts at the second batch, after the workers were
        # forked for the first (a fork must not copy a thread's held locks).
        with contextlib.closing(read_ahead(iterator, 2 * IMPORT_BATCH)) as rest:
            batches = itertools.chain(
                [first], iter(lambda: list(itertools.islice(rest, IMPORT_BATCH)), [])
            )
            from watcher.ingest.prepare import Preparer

            workers = self._workers()
            if (
                len(first) < IMPORT_BATCH
                or not workers
                or (self.classifier is None and self.near_duplicates is None)
            ):  # one batch or no CPU work to share: a pool would cost more than it saves
                for batch in batches:
                    self._import_batch(batch, {}, summary, on_result)
                return summary
            with Preparer(self.classifier, self.near_duplicates is not None, workers) as prep:
                for batch, ready in prep.ahead(batches, lambda r: r.item, self.clock):
                    self._import_batch(batch, ready, summary, on_result)
        return summary

    def _import_batch(
        self,
        batch: list[ReadRecord],
        ready: Mapping[int, Prepared],
        summary: ImportSummary,
        on_result: Callable[[ReadRecord, ItemResult], None] | None,
    ) -> None:
        before = summary.copy()
        try:
            with self.store.transaction():
                for position, record in enumerate(batch):
                    self._import_one(record, summary, on_result, ready.get(position))
        except StoreError as error:
            raise ImportInterrupted(error, before) from error

    def _import_one(
        self,
        record: ReadRecord,
        summary: ImportSummary,
        on_result: Callable[[ReadRecord, ItemResult], None] | None,
        ready: Prepared | None = None,
    ) -> None:
        if record.item is None:
            result = ItemResult("rejected", None, record.error or "unreadable")
        else:
            result = self.process(record.item, origin="import", alert=False, ready=ready)
        summary.counts[result.status] += 1
        if result.status == "rejected" and len(summary.rejected) < REJECTIONS_KEPT:
            summary.rejected.append((record.where, result.reason or ""))
        elif result.status == "skipped":
            summary.skipped[result.reason or ""] += 1
        if on_result is not None:
            on_result(record, result)
