"""Each source's progress, known-empty ids and HTTP validators (conditional GET)."""

from __future__ import annotations

import datetime as dt

from watcher.store.base import StoreBase
from watcher.store.records import (
    SourceState,
    utc_iso,
)

__all__ = ["SourceTables"]


class SourceTables(StoreBase):
    def source_state(self, name: str) -> SourceState:
        row = self.db.execute(
            "SELECT name, last_id, cycles, consecutive_failures, last_success, last_error,"
            " last_new_at FROM sources WHERE name = ?",
            [name],
        ).fetchone()
        return SourceState(*row) if row else SourceState(name)

    def all_source_states(self) -> list[SourceState]:
        return [
            SourceState(*row)
            for row in self.db.execute(
                "SELECT name, last_id, cycles, consecutive_failures, last_success, last_error,"
                " last_new_at FROM sources ORDER BY name"
            )
        ]

    def record_cycle(
        self,
        name: str,
        *,
        at: dt.datetime,
        error: str | None = None,
        last_id: int | None = None,
        new_items: int = 0,
    ) -> None:
        now = utc_iso(at)
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO sources (name) VALUES (?)", [name])
            db.execute(
                "UPDATE sources SET cycles = cycles + 1,"
                " consecutive_failures = CASE WHEN ? IS NULL THEN 0"
                "   ELSE consecutive_failures + 1 END,"
                " last_success = CASE WHEN ? IS NULL THEN ? ELSE last_success END,"
                " last_error = ?,"
                " last_error_at = CASE WHEN ? IS NULL THEN last_error_at ELSE ? END,"
                " last_id = max(coalesce(last_id, 0), coalesce(?, 0)),"
                " last_new_at = CASE WHEN ? > 0 THEN ? ELSE last_new_at END WHERE name = ?",
                [error, error, now, error, error, now, last_id, new_items, now, name],
            )

    def max_source_id(self, url_prefix: str) -> int | None:
        row = self.db.execute(
            "SELECT max(i.source_id) FROM items i JOIN item_urls u ON u.hash = i.hash"
            " WHERE u.url LIKE ?",
            [url_prefix.replace("%", "\\%") + "%"],
        ).fetchone()
        return row[0] if row and row[0] is not None else None

    def mark_empty(self, source: str, source_id: int, at: dt.datetime) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO empty_ids (source, source_id, checks, last_checked) VALUES (?,?,1,?)"
                " ON CONFLICT (source, source_id) DO UPDATE SET checks = checks + 1,"
                " last_checked = excluded.last_checked",
                [source, source_id, utc_iso(at)],
            )

    def empty_ids(self, source: str, above: int) -> dict[int, int]:
        """Known-empty ids above `above`, with how often each was checked."""
        return dict(
            self.db.execute(
                "SELECT source_id, checks FROM empty_ids WHERE source = ? AND source_id > ?",
                [source, above],
            ).fetchall()
        )

    def clear_empty(self, source: str, source_id: int, url: str | None = None) -> None:
        """An id once empty now holds an item: forget it was empty (and its validators)."""
        with self.transaction() as db:
            db.execute(
                "DELETE FROM empty_ids WHERE source = ? AND source_id = ?", [source, source_id]
            )
            if url:
                db.execute("DELETE FROM http_cache WHERE url = ?", [url])

    def url_seen(self, url: str) -> bool:
        """Whether an item was ever stored from `url` (a listing's link to a known item)."""
        row = self.db.execute("SELECT 1 FROM item_urls WHERE url = ? LIMIT 1", [url]).fetchone()
        return row is not None

    def http_validators(self, url: str) -> tuple[str | None, str | None]:
        row = self.db.execute(
            "SELECT etag, last_modified FROM http_cache WHERE url = ?", [url]
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def set_http_validators(
        self, url: str, etag: str | None, last_modified: str | None, at: dt.datetime
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO http_cache (url, etag, last_modified, checked_at) VALUES (?,?,?,?)"
                " ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,"
                " last_modified = excluded.last_modified, checked_at = excluded.checked_at",
                [url, etag, last_modified, utc_iso(at)],
            )
