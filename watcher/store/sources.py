"""Each source's progress and state, known-empty ids, skipped ids/links, HTTP validators."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from watcher.store.base import StoreBase
from watcher.store.records import utc_iso

if TYPE_CHECKING:
    from watcher.store.watch_records import SourceSkip, SourceState

__all__ = ["SourceTables"]

_STATE_COLUMNS = (
    "name, last_id, cycles, consecutive_failures, last_success, last_error, last_new_at,"
    " state, state_detail, state_since, blocked_until, blocked_count, backfill"
)


class SourceTables(StoreBase):
    def source_state(self, name: str) -> SourceState:
        from watcher.store.watch_records import SourceState

        row = self.db.execute(
            f"SELECT {_STATE_COLUMNS} FROM sources WHERE name = ?", [name]
        ).fetchone()
        return SourceState(*row) if row else SourceState(name)

    def all_source_states(self) -> list[SourceState]:
        from watcher.store.watch_records import SourceState

        return [
            SourceState(*row)
            for row in self.db.execute(f"SELECT {_STATE_COLUMNS} FROM sources ORDER BY name")
        ]

    def record_cycle(
        self,
        name: str,
        *,
        at: dt.datetime,
        error: str | None = None,
        last_id: int | None = None,
        new_items: int = 0,
        state: str = "ok",
        state_detail: str | None = None,
        blocked_until: dt.datetime | None = None,
    ) -> None:
        """One cycle's outcome. `state` is what the site said; a change restarts state_since."""
        now = utc_iso(at)
        until = utc_iso(blocked_until) if blocked_until else None
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
                " last_new_at = CASE WHEN ? > 0 THEN ? ELSE last_new_at END,"
                " state_since = CASE WHEN state = ? AND state_since IS NOT NULL"
                "   THEN state_since ELSE ? END,"
                " state = ?, state_detail = ?, blocked_until = ?,"
                " blocked_count = CASE WHEN ? = 'blocked' THEN blocked_count + 1 ELSE 0 END"
                " WHERE name = ?",
                [error, error, now, error, error, now, last_id, new_items, now,
                 state, now, state, state_detail, until, state, name],
            )  # fmt: skip

    def set_backfill(self, name: str, progress: str | None) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO sources (name) VALUES (?)", [name])
            db.execute("UPDATE sources SET backfill = ? WHERE name = ?", [progress, name])

    def max_source_id(self, url_prefix: str) -> int | None:
        row = self.db.execute(
            "SELECT max(i.source_id) FROM items i JOIN item_urls u ON u.hash = i.hash"
            " WHERE u.url LIKE ? ESCAPE '\\'",
            [_like_prefix(url_prefix)],
        ).fetchone()
        return row[0] if row and row[0] is not None else None

    def stored_source_ids(self, url_prefix: str, low: int, high: int) -> set[int]:
        """Ids in [low, high] of items stored from URLs under `url_prefix` (backfill skips)."""
        rows = self.db.execute(
            "SELECT DISTINCT i.source_id FROM items i JOIN item_urls u ON u.hash = i.hash"
            " WHERE u.url LIKE ? ESCAPE '\\' AND i.source_id BETWEEN ? AND ?",
            [_like_prefix(url_prefix), low, high],
        )
        return {row[0] for row in rows}

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

    def record_skip(
        self, source: str, key: str, reason: str, at: dt.datetime, *, limit: int,
        give_up: bool = False,
    ) -> SourceSkip:  # fmt: skip
        """One more failed try at `key`; given up once it failed `limit` times (or at once)."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO source_skips (source, key, reason, tries, given_up, last_tried)"
                " VALUES (?,?,?,1,?,?) ON CONFLICT (source, key) DO UPDATE SET"
                " tries = tries + 1, reason = excluded.reason,"
                " given_up = max(given_up, excluded.given_up), last_tried = excluded.last_tried",
                [source, key, reason, int(give_up), utc_iso(at)],
            )
            db.execute(
                "UPDATE source_skips SET given_up = 1 WHERE source = ? AND key = ? AND tries >= ?",
                [source, key, limit],
            )
        skip = self.source_skips(source, key=key)
        return skip[0]

    def source_skips(
        self, source: str, *, key: str | None = None, pending: bool = False
    ) -> list[SourceSkip]:
        sql = (
            "SELECT source, key, reason, tries, given_up, last_tried FROM source_skips"
            " WHERE source = ?"
        )
        params: list[object] = [source]
        if key is not None:
            sql += " AND key = ?"
            params.append(key)
        if pending:
            sql += " AND given_up = 0"
        from watcher.store.watch_records import SourceSkip

        rows = self.db.execute(sql + " ORDER BY last_tried, key", params)
        return [SourceSkip(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]

    def count_skips(self, source: str) -> tuple[int, int]:
        """(pending, given up) skips of a source."""
        row = self.db.execute(
            "SELECT count(*) - coalesce(sum(given_up), 0), coalesce(sum(given_up), 0)"
            " FROM source_skips WHERE source = ?",
            [source],
        ).fetchone()
        return (row[0], row[1]) if row else (0, 0)

    def clear_skip(self, source: str, key: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM source_skips WHERE source = ? AND key = ?", [source, key])

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


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
