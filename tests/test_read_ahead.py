"""read_ahead: the input in order, its errors where they happened, the thread ended on leaving."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from watcher.ingest.read_ahead import read_ahead


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.is_alive()}


def test_items_come_in_order_and_the_thread_ends() -> None:
    assert list(read_ahead(range(5000), ahead=7)) == list(range(5000))
    time.sleep(0.05)
    assert "read-ahead" not in _threads()


def test_an_error_in_the_source_is_raised_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("disk gone")

    got = []
    with pytest.raises(OSError, match="disk gone"):
        for item in read_ahead(source()):
            got.append(item)
    assert got == [1, 2]


def test_leaving_early_stops_the_thread_and_reads_at_most_ahead_more() -> None:
    produced = []

    def source() -> Iterator[int]:
        for n in range(1_000_000):
            produced.append(n)
            yield n

    reader = read_ahead(source(), ahead=10)
    assert [next(reader) for _ in range(3)] == [0, 1, 2]
    time.sleep(0.1)  # the thread fills the queue and waits
    assert len(produced) <= 3 + 10 + 1
    reader.close()
    deadline = time.monotonic() + 2
    while "read-ahead" in _threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "read-ahead" not in _threads()
    assert len(produced) <= 3 + 10 + 2
