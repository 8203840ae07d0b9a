"""Subscribers and their subscriptions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from watcher.store.base import StoreBase
from watcher.store.records import (
    utc_iso,
)

if TYPE_CHECKING:  # built where read: a search or a listing never needs them (6 ms a start)
    from watcher.match.subscriptions import QuietHours, Subscriber, Subscription

__all__ = ["SubscriberTables"]


class SubscriberTables(StoreBase):
    def add_subscriber(
        self,
        channel: str,
        address: str,
        *,
        mode: str = "instant",
        lang: str = "th",
        at: dt.datetime,
    ) -> Subscriber:
        """The subscriber for (channel, address), created if new; its mode is updated."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO subscribers (channel, address, mode, lang, created_at)"
                " VALUES (?,?,?,?,?) ON CONFLICT (channel, address) DO UPDATE SET mode = ?",
                [channel, address, mode, lang, utc_iso(at), mode],
            )
        found = self.find_subscriber(channel, address)
        assert found is not None
        return found

    def add_subscription(self, subscriber_id: int, subscription: Subscription) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO subscriptions (subscriber_id, countries, blocs, ministries,"
                " everything, lead_only, query, mode, paused) VALUES (?,?,?,?,?,?,?,?,?)",
                [subscriber_id, *_subscription_columns(subscription)],
            )
            return int(cursor.lastrowid or 0)

    def replace_subscription(self, subscriber_id: int, subscription: Subscription) -> bool:
        """Store a changed subscription (same id, same subscriber); False when there is none."""
        with self.transaction() as db:
            return (
                db.execute(
                    "UPDATE subscriptions SET countries = ?, blocs = ?, ministries = ?,"
                    " everything = ?, lead_only = ?, query = ?, mode = ?, paused = ?"
                    " WHERE id = ? AND subscriber_id = ?",
                    [*_subscription_columns(subscription), subscription.id, subscriber_id],
                ).rowcount
                > 0
            )

    def set_quiet_hours(self, subscriber_id: int, quiet: QuietHours | None) -> None:
        values = [quiet.start, quiet.end, quiet.mode] if quiet else [None, None, None]
        with self.transaction() as db:
            db.execute(
                "UPDATE subscribers SET quiet_start = ?, quiet_end = ?, quiet_mode = ?"
                " WHERE id = ?",
                [*values, subscriber_id],
            )

    def audience_version(self) -> int:
        """Moves whenever any process changes a subscriber or a subscription."""
        return int(self.conn.execute("SELECT n FROM audience_version").fetchone()[0])

    def remove_subscription(self, subscriber_id: int, subscription_id: int | None) -> int:
        """Remove one subscription, or all of them with subscription_id=None."""
        with self.transaction() as db:
            if subscription_id is None:
                sql, params = "DELETE FROM subscriptions WHERE subscriber_id = ?", [subscriber_id]
            else:
                sql = "DELETE FROM subscriptions WHERE subscriber_id = ? AND id = ?"
                params = [subscriber_id, subscription_id]
            return db.execute(sql, params).rowcount

    def remove_subscriber(self, subscriber_id: int) -> bool:
        with self.transaction() as db:
            db.execute("DELETE FROM outbox WHERE subscriber_id = ?", [subscriber_id])
            db.execute("DELETE FROM subscriptions WHERE subscriber_id = ?", [subscriber_id])
            return db.execute("DELETE FROM subscribers WHERE id = ?", [subscriber_id]).rowcount > 0

    def update_subscriber(self, subscriber_id: int, **changes: Any) -> None:
        allowed = {"mode", "lang", "digest_time", "paused_reason", "weekly_day", "weekly_time"}
        if not changes or set(changes) - allowed:
            raise ValueError(f"cannot update {sorted(set(changes) - allowed)}")
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self.transaction() as db:
            db.execute(
                f"UPDATE subscribers SET {assignments} WHERE id = ?",
                [*changes.values(), subscriber_id],
            )

    def find_subscriber(self, channel: str, address: str) -> Subscriber | None:
        found = self._subscribers("WHERE channel = ? AND address = ?", [channel, address])
        return found[0] if found else None

    def get_subscriber(self, subscriber_id: int) -> Subscriber | None:
        found = self._subscribers("WHERE id = ?", [subscriber_id])
        return found[0] if found else None

    def subscribers(self, channel: str | None = None) -> list[Subscriber]:
        if channel is None:
            return self._subscribers("", [])
        return self._subscribers("WHERE channel = ?", [channel])

    def _subscribers(self, where: str, params: Sequence[Any]) -> list[Subscriber]:
        from watcher.match.subscriptions import QuietHours, Subscriber, Subscription

        rows = self.db.execute(
            "SELECT id, channel, address, mode, lang, digest_time, paused_reason, quiet_start,"
            f" quiet_end, quiet_mode, weekly_day, weekly_time FROM subscribers {where} ORDER BY id",
            params,
        ).fetchall()
        by_subscriber: dict[int, list[Subscription]] = {row[0]: [] for row in rows}
        for row in self.db.execute(
            "SELECT subscriber_id, id, countries, blocs, ministries, everything, lead_only,"
            " query, mode, paused FROM subscriptions ORDER BY id"
        ):
            if row[0] in by_subscriber:
                by_subscriber[row[0]].append(
                    Subscription(
                        countries=tuple(row[2].split()),
                        blocs=tuple(row[3].split()),
                        ministries=tuple(row[4].split()),
                        everything=bool(row[5]),
                        id=row[1],
                        lead_only=bool(row[6]),
                        query=row[7],
                        mode=row[8],
                        paused=bool(row[9]),
                    )
                )
        return [
            Subscriber(
                id=row[0],
                channel=row[1],
                address=row[2],
                mode=row[3],
                lang=row[4],
                digest_time=row[5],
                paused_reason=row[6],
                subscriptions=tuple(by_subscriber[row[0]]),
                quiet=QuietHours(row[7], row[8], row[9] or "hold") if row[7] and row[8] else None,
                weekly_day=row[10],
                weekly_time=row[11],
            )
            for row in rows
        ]


def _subscription_columns(subscription: Subscription) -> list[Any]:
    return [
        " ".join(subscription.countries),
        " ".join(subscription.blocs),
        " ".join(subscription.ministries),
        int(subscription.everything),
        int(subscription.lead_only),
        subscription.query,
        subscription.mode,
        int(subscription.paused),
    ]
