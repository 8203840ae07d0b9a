"""Subscribers and their subscriptions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from watcher.match.subscriptions import Subscriber, Subscription
from watcher.store.base import StoreBase
from watcher.store.records import (
    utc_iso,
)

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
                " everything, lead_only) VALUES (?,?,?,?,?,?)",
                [
                    subscriber_id,
                    " ".join(subscription.countries),
                    " ".join(subscription.blocs),
                    " ".join(subscription.ministries),
                    int(subscription.everything),
                    int(subscription.lead_only),
                ],
            )
            return int(cursor.lastrowid or 0)

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
        allowed = {"mode", "lang", "digest_time", "paused_reason"}
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
        rows = self.db.execute(
            "SELECT id, channel, address, mode, lang, digest_time, paused_reason"
            f" FROM subscribers {where} ORDER BY id",
            params,
        ).fetchall()
        by_subscriber: dict[int, list[Subscription]] = {row[0]: [] for row in rows}
        for sid, sub_id, countries, blocs, ministries, everything, lead_only in self.db.execute(
            "SELECT subscriber_id, id, countries, blocs, ministries, everything, lead_only"
            " FROM subscriptions ORDER BY id"
        ):
            if sid in by_subscriber:
                by_subscriber[sid].append(
                    Subscription(
                        tuple(countries.split()),
                        tuple(blocs.split()),
                        tuple(ministries.split()),
                        bool(everything),
                        sub_id,
                        bool(lead_only),
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
            )
            for row in rows
        ]
