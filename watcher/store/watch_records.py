"""Records of the watching side: what storing an item did, an item's near-duplicate lookup,
each source's progress and the ids it skipped, and the deliveries queued in the outbox.

Apart from records.py because a command that only reads (`seen`, `search`, `export`) never
needs them, and Python builds each frozen dataclass's methods from source at import: these six
took about 15 ms of a cold `watcher search` (32 M instructions, callgrind).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from watcher.match.subscriptions import Subscriber

__all__ = ["AddOutcome", "NearCandidate", "NearQuery", "OutboxRow", "SourceSkip", "SourceState"]


@dataclass(frozen=True)
class AddOutcome:
    status: str  # "new" | "duplicate" | "revision" | "variant"
    hash: str
    queued: int = 0  # outbox rows written with the item


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
