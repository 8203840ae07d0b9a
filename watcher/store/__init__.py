"""The state database: the only package that speaks SQL.

Everything that must survive a restart lives here: items and the URLs they were seen at, their
labels, each source's progress and HTTP validators, subscribers, and the outbox. Storing an item
and queuing its alerts happen in one transaction, so a crash loses no alert and a row marked sent
is never sent again. One module per group of tables; `Store` is the one handle on all of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from watcher.store.base import BUSY_TIMEOUT_SECONDS
from watcher.store.connection import DamagedDatabase, describe_db_error
from watcher.store.counts import COUNT_DIMENSIONS, CountTables
from watcher.store.items import ItemTables, filter_sql
from watcher.store.offloop import off_loop
from watcher.store.records import (
    HISTORY_ORIGINS,
    ITEM_FIELDS,
    ItemFilter,
    Labels,
    StoredItem,
    utc_iso,
)
from watcher.store.schema import SEARCH_INVISIBLE
from watcher.store.search import SearchHit, SearchTables, TextQuery
from watcher.store.sources import SourceTables

if TYPE_CHECKING:
    from watcher.store.watch_records import (
        AddOutcome,
        NearCandidate,
        NearQuery,
        OutboxRow,
        SourceSkip,
        SourceState,
    )

_WATCH_RECORDS = {
    "AddOutcome", "NearCandidate", "NearQuery", "OutboxRow", "SourceSkip", "SourceState",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    """The watching side's records, built on first use (watch_records.py says why)."""
    if name in _WATCH_RECORDS:
        return getattr(importlib.import_module("watcher.store.watch_records"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "COUNT_DIMENSIONS",
    "HISTORY_ORIGINS",
    "ITEM_FIELDS",
    "SEARCH_INVISIBLE",
    "AddOutcome",
    "DamagedDatabase",
    "ItemFilter",
    "Labels",
    "NearCandidate",
    "NearQuery",
    "OutboxRow",
    "SearchHit",
    "SourceSkip",
    "SourceState",
    "Store",
    "StoredItem",
    "TextQuery",
    "describe_db_error",
    "filter_sql",
    "off_loop",
    "utc_iso",
]


class Store(ItemTables, SourceTables, SearchTables, CountTables):
    """A handle on the state database: Store.open(path), or Store.memory() for tests."""
