"""Near-duplicate bookkeeping: LSH band keys per item, the candidates they find, a story's variants.

The band keys are written by `ItemTables.add_item` in the item's own transaction, so an item is
never stored without the keys that let the next republication find it (a crash between the two
would let that republication alert a second time).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from watcher.store.base import StoreBase

if TYPE_CHECKING:
    from watcher.store.watch_records import NearCandidate

__all__ = ["PERIOD_DAYS", "NearDuplicateTables", "period_of"]

_CHUNK = 400  # bucket keys per query (an item has 14): SQLite allows 32,766 variables
PERIOD_DAYS = 32
_EPOCH = dt.date(1970, 1, 1)


def period_of(day: str) -> int:
    """The 32-day span `day` (ISO) falls in: the leading part of a band row's key."""
    return (dt.date.fromisoformat(day) - _EPOCH).days // PERIOD_DAYS


class NearDuplicateTables(StoreBase):
    def _write_bands(self, digest: str, story: str, day: str, bands: Sequence[int]) -> None:
        period = period_of(day) if bands else 0
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO near_duplicate_bands (period, bucket, hash, band, story, day)"
            " VALUES (?,?,?,?,?,?)",
            [(period, bucket, digest, band, story, day) for band, bucket in enumerate(bands)],
        )

    def _story_of(self, digest: str) -> str:
        row = self.db.execute(
            "SELECT coalesce(near_duplicate_of, hash) FROM items WHERE hash = ?", [digest]
        ).fetchone()
        return str(row[0]) if row else digest

    def near_duplicate_candidates(
        self, bands: Sequence[int], first_day: str, last_day: str
    ) -> list[NearCandidate]:
        """Items sharing a band bucket with `bands`, dated within [first_day, last_day].

        `order` sorts their stories by when the story's first item was seen (then published).
        """
        from watcher.store.watch_records import NearCandidate

        if not bands:
            return []
        periods = list(range(period_of(first_day), period_of(last_day) + 1))
        found: dict[str, tuple[str, tuple[str, str, str]]] = {}
        for start in range(0, len(bands), _CHUNK):
            part = list(bands[start : start + _CHUNK])
            rows = self.db.execute(
                "SELECT DISTINCT b.hash, b.story, i.first_seen, coalesce(i.published, '')"
                " FROM near_duplicate_bands b JOIN items i ON i.hash = b.story"
                f" WHERE b.period IN ({','.join('?' * len(periods))})"
                f" AND b.bucket IN ({','.join('?' * len(part))}) AND b.day BETWEEN ? AND ?",
                [*periods, *part, first_day, last_day],
            ).fetchall()
            found |= {row[0]: (row[1], (row[2], row[3], row[1])) for row in rows}
        if not found:
            return []
        hashes = list(found)
        marks = ",".join("?" * len(hashes))
        texts = self.db.execute(
            "SELECT hash, title, body, classified_at, countries, blocs, ministries FROM items"
            f" WHERE hash IN ({marks})",
            hashes,
        ).fetchall()
        return [
            NearCandidate(
                row[0],
                found[row[0]][0],
                found[row[0]][1],
                row[1],
                row[2],
                None if row[3] is None else _code_sets(row[4], row[5], row[6]),
            )
            for row in texts
        ]

    def variants(self, story: str) -> list[dict[str, Any]]:
        """The items linked to `story` as near-duplicates, first seen first, with similarity."""
        return list(
            self.db.query(
                "SELECT hash, first_seen, near_similarity AS similarity, url, title FROM items"
                " WHERE near_duplicate_of = ? ORDER BY first_seen, hash",
                [story],
            )
        )

    def pending_near_duplicates(self, limit: int) -> list[str]:
        """Items stored before near-duplicate detection existed, not indexed yet (oldest first)."""
        return [
            row[0]
            for row in self.db.execute(
                "SELECT p.hash FROM near_duplicate_pending p JOIN items i ON i.hash = p.hash"
                " ORDER BY i.first_seen, i.rowid LIMIT ?",
                [limit],
            )
        ]

    def index_near_duplicate(self, digest: str, day: str, bands: Sequence[int]) -> None:
        """Index an already stored item as its own story (the upgrade path)."""
        with self.transaction():
            self._write_bands(digest, self._story_of(digest), day, bands)
            self.db.execute("DELETE FROM near_duplicate_pending WHERE hash = ?", [digest])


def _code_sets(*columns: str | None) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The label columns (JSON lists of codes) as sets: countries, blocs, ministries."""
    countries, blocs, ministries = (
        frozenset(json.loads(column)) if column else frozenset() for column in columns
    )
    return countries, blocs, ministries
