"""Plain records the store hands out and takes in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a listing reads records and never needs the parser's module (hashlib, re)
    from watcher.core.corpus import Item
    from watcher.match.subscriptions import Subscriber

Labels = Mapping[str, Any]  # the classifier's Labels.to_json()

__all__ = [
    "HISTORY_ORIGINS",
    "ITEM_FIELDS",
    "AddOutcome",
    "ItemFilter",
    "Labels",
    "NearCandidate",
    "NearQuery",
    "OutboxRow",
    "SourceSkip",
    "SourceState",
    "StoredItem",
    "utc_iso",
]


HISTORY_ORIGINS = ("import", "backfill", "baseline")  # stored, never alerted, never in a digest


def utc_iso(moment: dt.datetime) -> str:
    """Timestamps are stored as UTC ISO text so they sort and compare as strings."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class AddOutcome:
    status: str  # "new" | "duplicate" | "revision" | "variant"
    hash: str
    queued: int = 0  # outbox rows written with the item


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


@dataclass(frozen=True)
class NearCandidate:
    """An earlier item sharing an LSH bucket; `order` ranks stories, earliest first
    (the story's first item's first_seen, published date, hash)."""

    hash: str
    story: str
    order: tuple[str, str, str]
    title: str
    body: str
    # (countries, blocs, ministries) as stored; None when the item was never labelled
    labels: tuple[frozenset[str], frozenset[str], frozenset[str]] | None = None


@dataclass(frozen=True)
class NearQuery:
    """What the store needs to find an item's earlier story inside the item's own transaction.

    `bands` are its LSH bucket keys (empty when too short to compare), `day` the date its window
    is measured on, [first_day, last_day] the window; `decide` gets the candidates sharing a
    bucket and returns (story hash, similarity) when the item is a variant, else None.
    """

    bands: tuple[int, ...]
    day: str
    first_day: str
    last_day: str
    decide: Callable[[list[NearCandidate]], tuple[str, float] | None]


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


@dataclass(frozen=True)
class SourceState:
    name: str
    last_id: int | None = None
    cycles: int = 0
    consecutive_failures: int = 0
    last_success: str | None = None
    last_error: str | None = None
    last_new_at: str | None = None
    state: str = "ok"  # ok | refused | blocked | stale | failing
    state_detail: str | None = None
    state_since: str | None = None
    blocked_until: str | None = None
    blocked_count: int = 0
    backfill: str | None = None  # JSON {"from", "to", "next"} of a backfill under way


@dataclass(frozen=True)
class SourceSkip:
    """An id or link a source could not read: retried a few times, then given up for good."""

    source: str
    key: str
    reason: str
    tries: int
    given_up: bool
    last_tried: str


@dataclass(frozen=True)
class OutboxRow:
    id: int
    subscriber: Subscriber
    kind: str  # "alert" | "digest" | "weekly"
    item_hash: str
    digest_date: str
    attempts: int
    plain_text: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)
    parts_sent: int = 0  # messages of a multi-message digest already accepted
    silent: bool = False  # inside the subscriber's quiet hours: send without a sound
