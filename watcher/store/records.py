"""Plain records the store hands out and takes in when it is read.

The watching side's records (storing an item, a source's progress, queued deliveries) live in
watch_records.py: a command that only reads never builds their classes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a listing reads records and never needs the parser's module (hashlib, re)
    from watcher.core.corpus import Item

Labels = Mapping[str, Any]  # the classifier's Labels.to_json()

__all__ = [
    "HISTORY_ORIGINS",
    "ITEM_FIELDS",
    "ItemFilter",
    "Labels",
    "StoredItem",
    "utc_iso",
]


HISTORY_ORIGINS = ("import", "backfill", "baseline")  # stored, never alerted, never in a digest


def utc_iso(moment: dt.datetime) -> str:
    """Timestamps are stored as UTC ISO text so they sort and compare as strings."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class ItemFilter:
    """The one filter vocabulary of `seen list`, `search`, `export`, `stats`, bot and digests."""

    countries: tuple[str, ...] = ()
    blocs: tuple[str, ...] = ()
    ministries: tuple[str, ...] = ()
    lead_ministries: tuple[str, ...] = ()  # the item's lead ministry is one of these
    since: str | None = None  # ISO date, on `published` (inclusive)
    until: str | None = None  # ISO date, on `published` (inclusive)
    seen_from: str | None = None  # UTC ISO timestamp, on `first_seen` (inclusive)
    seen_to: str | None = None  # UTC ISO timestamp, on `first_seen` (exclusive)
    exclude_origins: tuple[str, ...] = ()
    limit: int | None = None
    variants: bool = False  # near-duplicates of an earlier story too (one row per story if not)


ITEM_FIELDS = (
    "hash",
    "published",
    "title",
    "countries",
    "primary",
    "blocs",
    "ministries",
    "lead_ministry",
    "category",
    "url",
    "first_seen",
    "origin",
    "kind",
)


@dataclass(frozen=True)
class StoredItem:
    hash: str
    url: str | None
    title: str
    body: str
    category: str | None
    published: str | None
    first_seen: str
    origin: str
    source_id: int | None = None
    countries: tuple[str, ...] = ()
    primary: tuple[str, ...] = ()
    blocs: tuple[str, ...] = ()
    ministries: tuple[str, ...] = ()
    lead_ministry: str | None = None
    evidence: tuple[dict[str, Any], ...] = ()
    revision_of: str | None = None
    kind: str = "news"  # "news" | "cabinet_summary" (the classifier's Labels.kind)
    near_duplicate_of: str | None = None  # hash of the first item of the story this repeats
    near_similarity: float | None = None

    def to_item(self) -> Item:
        from watcher.core.corpus import Item

        return Item(
            title=self.title,
            body=self.body,
            url=self.url,
            source_id=self.source_id,
            category=self.category,
            published=self.published,
        )

    def to_json(self) -> dict[str, Any]:
        """The item's public fields, in ITEM_FIELDS order (JSON, CSV and export all use it)."""
        labels = {"countries", "primary", "blocs", "ministries"}
        return {
            name: list(getattr(self, name)) if name in labels else getattr(self, name)
            for name in ITEM_FIELDS
        }
