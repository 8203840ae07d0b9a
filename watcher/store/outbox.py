"""The outbox: one row per message to send; a row marked sent is never sent again."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from watcher.store.records import utc_iso
from watcher.store.subscribers import SubscriberTables

if TYPE_CHECKING:
    from watcher.store.watch_records import OutboxRow

__all__ = ["OutboxTables"]


class OutboxTables(SubscriberTables):
    def _enqueue(self, subscriber_id: int, kind: str, digest: str, day: str, now: str) -> int:
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO outbox (subscriber_id, kind, item_hash, digest_date,"
            " status, attempts, not_before, created_at) VALUES (?,?,?,?, 'pending', 0, ?, ?)",
            [subscriber_id, kind, digest, day, now, now],
        )
        return cursor.rowcount

    def queue_digest(
        self,
        subscriber_id: int,
        day: str,
        at: dt.datetime,
        *,
        force: bool = False,
        kind: str = "digest",
    ) -> bool:
        """Queue one digest per subscriber and day (`kind` "digest" daily, "weekly" for the
        week ending that day); False when it is already queued."""
        with self.transaction() as db:
            if force:
                db.execute(
                    "DELETE FROM outbox WHERE subscriber_id = ? AND kind = ? AND digest_date = ?",
                    [subscriber_id, kind, day],
                )
            return self._enqueue(subscriber_id, kind, "", day, utc_iso(at)) > 0

    def due_outbox(
        self,
        channel: str,
        now: dt.datetime,
        limit: int = 100,
        *,
        per_subscriber: int | None = None,
    ) -> list[OutboxRow]:
        """Rows due now, oldest first; `per_subscriber` caps each subscriber's share so one
        chat with a long backlog cannot fill the batch and starve the others."""
        from watcher.store.watch_records import OutboxRow

        rows = self.db.execute(
            "SELECT id, subscriber_id, kind, item_hash, digest_date, attempts, plain_text,"
            " parts_sent FROM (SELECT o.*, row_number() OVER"
            " (PARTITION BY o.subscriber_id ORDER BY o.id) AS place"
            " FROM outbox o JOIN subscribers s ON s.id = o.subscriber_id"
            " WHERE o.status = 'pending' AND s.channel = ? AND s.paused_reason IS NULL"
            " AND o.not_before <= ?) WHERE place <= ? ORDER BY id LIMIT ?",
            [channel, utc_iso(now), per_subscriber or limit, limit],
        ).fetchall()
        subscribers = {s.id: s for s in self.subscribers(channel)}
        return [
            OutboxRow(
                row[0],
                subscribers[row[1]],
                row[2],
                row[3],
                row[4],
                row[5],
                bool(row[6]),
                parts_sent=row[7],
            )
            for row in rows
        ]

    def mark_parts_sent(self, outbox_id: int, parts_sent: int) -> None:
        """Record that the first `parts_sent` messages of a digest were accepted."""
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET parts_sent = max(parts_sent, ?) WHERE id = ?",
                [parts_sent, outbox_id],
            )

    def mark_sent(self, outbox_id: int, at: dt.datetime) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1"
                " WHERE id = ?",
                [utc_iso(at), outbox_id],
            )

    def mark_retry(
        self, outbox_id: int, error: str, not_before: dt.datetime, *, plain_text: bool = False
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, not_before = ?,"
                " plain_text = max(plain_text, ?) WHERE id = ?",
                [error, utc_iso(not_before), int(plain_text), outbox_id],
            )

    def hold(self, outbox_id: int, until: dt.datetime) -> None:
        """Not before `until` (quiet hours): no attempt is counted, nothing is lost."""
        with self.transaction() as db:
            db.execute("UPDATE outbox SET not_before = ? WHERE id = ?", [utc_iso(until), outbox_id])

    def mark_failed(self, outbox_id: int, error: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?"
                " WHERE id = ?",
                [error, outbox_id],
            )

    def oldest_due_outbox(self, now: dt.datetime) -> str | None:
        """When the oldest row that is due (and not held by a paused subscriber) was queued."""
        row = self.db.execute(
            "SELECT min(o.created_at) FROM outbox o JOIN subscribers s ON s.id = o.subscriber_id"
            " WHERE o.status = 'pending' AND s.paused_reason IS NULL AND o.not_before <= ?",
            [utc_iso(now)],
        ).fetchone()
        return row[0] if row else None

    def mark_skipped(self, outbox_id: int, reason: str) -> None:
        """Done without sending (an empty day's digest): never due again, and says why."""
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET status = 'skipped', last_error = ? WHERE id = ?",
                [reason, outbox_id],
            )

    def pending_count(self, subscriber_id: int) -> int:
        """Messages queued for a subscriber and not yet sent (what a resume releases)."""
        row = self.db.execute(
            "SELECT count(*) FROM outbox WHERE subscriber_id = ? AND status = 'pending'",
            [subscriber_id],
        ).fetchone()
        return int(row[0])

    def pause_subscriber(self, subscriber_id: int, reason: str) -> None:
        self.update_subscriber(subscriber_id, paused_reason=reason)

    def outbox_counts(self) -> dict[str, int]:
        return {
            status: count
            for status, count in self.db.execute(
                "SELECT status, count(*) FROM outbox GROUP BY status"
            )
        }

    def sent_digest(self, subscriber_id: int, day: str) -> bool:
        return (
            self.db.execute(
                "SELECT 1 FROM outbox WHERE subscriber_id = ? AND kind = 'digest'"
                " AND digest_date = ? AND status = 'sent'",
                [subscriber_id, day],
            ).fetchone()
            is not None
        )

    def digest_statuses(self, channel: str, kind: str, day: str) -> dict[int, str]:
        """The status (pending, sent, skipped, failed) of each `channel` subscriber's digest
        row of `kind` ("digest" or "weekly") for `day`, by subscriber id."""
        rows = self.conn.execute(
            "SELECT o.subscriber_id, o.status FROM outbox o JOIN subscribers s"
            " ON s.id = o.subscriber_id WHERE s.channel = ? AND o.kind = ? AND o.digest_date = ?",
            [channel, kind, day],
        )
        return {int(subscriber_id): str(status) for subscriber_id, status in rows}
