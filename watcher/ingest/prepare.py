"""Classify and fingerprint import batches in worker processes while the main process writes.

Labels and near-duplicate fingerprints are pure CPU work on one item at a time, and they were
half of an import's time on one core while the other idled; the store's writes stay on the
main process's single SQLite connection. With `workers` processes, batch N+1 is labelled while
batch N is written; results come back in input order, so an import decides exactly as the
one-process path does (the same `Pipeline.process`, given the work already done).
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from watcher.core.corpus import Item

if TYPE_CHECKING:
    from watcher.classify import Classifies
    from watcher.ingest.neardup import Fingerprint

__all__ = ["Prepared", "Preparer", "default_workers"]

CHUNK = 100  # items a worker takes at once: big enough to amortise pickling, small enough to share


def default_workers(main_writes: bool = True) -> int:
    """One worker per core beyond the main process's own (none on one core). When the main
    process has little to write (reclassify: most labels come out unchanged), one per core."""
    cores = os.cpu_count() or 1
    if cores == 1:
        return 0
    return min(4, cores - 1 if main_writes else cores)


@dataclass(frozen=True)
class Prepared:
    """The CPU work on one item done ahead: its hash, labels and fingerprint."""

    digest: str
    seen_at: dt.datetime
    labels: dict[str, Any] | None
    print_: Fingerprint | None


_STATE: dict[str, Any] = {}


def _start_worker(classifier: Classifies | None, detect: bool) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the import and says what was
    # kept; a worker ignores it rather than print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STATE["classifier"] = classifier
    _STATE["detect"] = detect


def prepare_one(
    item: Item, seen_at: dt.datetime, classifier: Classifies | None, detect: bool
) -> Prepared:
    labels = None
    if classifier is not None:
        labels = classifier.classify(item.title, item.body, item.category).to_json()
    print_ = None
    if detect:
        from watcher.ingest.neardup import fingerprint, story_day
        from watcher.store import utc_iso

        print_ = fingerprint(item, story_day(item.published, utc_iso(seen_at)))
    return Prepared(item.hash, seen_at, labels, print_)


def _prepare_chunk(work: Sequence[tuple[Item, dt.datetime]]) -> list[Prepared]:
    classifier, detect = _STATE["classifier"], _STATE["detect"]
    return [prepare_one(item, seen_at, classifier, detect) for item, seen_at in work]


class Preparer:
    """A pool of `workers` processes, each with its own copy of the classifier (sent once)."""

    def __init__(self, classifier: Classifies | None, detect: bool, workers: int) -> None:
        # fork shares the loaded classifier for free; with threads running (a daemon), fork
        # could copy a held lock, so spawn then.
        method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
        self._frozen = method == "fork"
        if self._frozen:
            # What exists now is only read by the workers: out of the collector's sight, a
            # worker's collections neither walk nor copy the parent's pages (gc.freeze's use).
            gc.freeze()
        self._pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_start_worker,
            initargs=(classifier, detect),
        )

    def __enter__(self) -> Preparer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._frozen:
            gc.unfreeze()

    def _submit(self, work: list[tuple[Item, dt.datetime]]) -> list[Future[list[Prepared]]]:
        return [
            self._pool.submit(_prepare_chunk, work[start : start + CHUNK])
            for start in range(0, len(work), CHUNK)
        ]

    def ahead(
        self,
        batches: Iterable[list[Any]],
        item_of: Callable[[Any], Item | None],
        clock: Callable[[], dt.datetime],
    ) -> Iterator[tuple[list[Any], dict[int, Prepared]]]:
        """Each batch with its prepared items (by position; unreadable records have none),
        the next batch already submitted while the caller writes this one."""
        iterator = iter(batches)

        def submit(batch: list[Any]) -> tuple[list[Any], list[int], list[Future[list[Prepared]]]]:
            positions = [i for i, record in enumerate(batch) if item_of(record) is not None]
            work = [(item_of(batch[i]), clock()) for i in positions]
            return batch, positions, self._submit(work)  # type: ignore[arg-type]

        pending = [submit(batch) for batch in itertools.islice(iterator, 1)]
        while pending:
            batch, positions, futures = pending.pop(0)
            pending.extend(submit(b) for b in itertools.islice(iterator, 1))
            results = [p for future in futures for p in future.result()]
            yield batch, dict(zip(positions, results, strict=True))
