"""Read an import's input in a thread while the main thread writes to the database.

Decompressing and most of SQLite's work (the search index above all) run without the GIL, so
reading and parsing the next batch costs the import almost nothing while the current batch is
indexed and committed. Bounded: at most `ahead` records wait in memory.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable
from typing import TypeVar

__all__ = ["read_ahead"]

T = TypeVar("T")

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(source: Iterable[T], ahead: int = 1000) -> Generator[T, None, None]:
    """The items of `source`, in order, produced by a thread up to `ahead` items early.

    An exception in `source` is raised here, at the point it happened; leaving the loop early
    (break, an error in the consumer) stops the thread at its next item.
    """
    waiting: queue.Queue[object] = queue.Queue(maxsize=max(1, ahead))
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in source:
                while not stop.is_set():
                    try:
                        waiting.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            waiting.put(_DONE)
        except BaseException as error:  # handed to the consumer, raised there
            waiting.put(_Failed(error))

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while (item := waiting.get()) is not _DONE:
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():  # unblock a put that is waiting for room
            try:
                waiting.get_nowait()
            except queue.Empty:
                thread.join(0.05)
