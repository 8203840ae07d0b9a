"""What a subscriber's daily or weekly digest holds and how it is grouped: one implementation
behind the Telegram, e-mail and Apprise digests, so every channel agrees on the content.

A day is a calendar day in the configured zone (Asia/Bangkok by default). A daily digest holds
the items first seen that day by polling (imports, backfills and baselines are history, never
digested) that match the subscriber's daily subscriptions; a weekly digest, the seven days
ending on its day, for the weekly subscriptions. Items are grouped by primary partner country,
then by lead ministry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from watcher.match.language import fold_item
from watcher.match.subscriptions import Subscriber
from watcher.store import HISTORY_ORIGINS, ItemFilter, Store, StoredItem, utc_iso

__all__ = [
    "Digest",
    "DigestSection",
    "build_digest",
    "day_window",
    "group_items",
    "local_day",
    "queue_daily_digests",
    "queue_digests",
    "queue_due_digests",
    "queue_weekly_digests",
]

WEEK = 7


@dataclass(frozen=True)
class DigestSection:
    country: str | None  # primary partner; None = no primary partner
    ministry: str | None  # lead ministry; None = none
    items: tuple[StoredItem, ...]


@dataclass(frozen=True)
class Digest:
    day: dt.date  # the (last) day it covers
    subscriber: Subscriber
    sections: tuple[DigestSection, ...]
    first_day: dt.date | None = None  # a weekly digest's first day; None for a daily one

    @property
    def weekly(self) -> bool:
        return self.first_day is not None

    @property
    def count(self) -> int:
        return sum(len(section.items) for section in self.sections)

    @property
    def items(self) -> list[StoredItem]:
        return [item for section in self.sections for item in section.items]


def local_day(moment: dt.datetime, tz: ZoneInfo) -> dt.date:
    return moment.astimezone(tz).date()


def day_window(day: dt.date, tz: ZoneInfo) -> tuple[str, str]:
    """The UTC bounds [start, end) of a local calendar day, as the store compares them."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return utc_iso(start), utc_iso(end)


def group_items(items: Iterable[StoredItem]) -> tuple[DigestSection, ...]:
    groups: dict[tuple[str | None, str | None], list[StoredItem]] = {}
    for item in items:
        country = item.primary[0] if item.primary else None
        groups.setdefault((country, item.lead_ministry), []).append(item)

    def order(key: tuple[str | None, str | None]) -> tuple[bool, str, bool, str]:
        country, ministry = key
        return (country is None, country or "", ministry is None, ministry or "")

    return tuple(
        DigestSection(*key, tuple(sorted(groups[key], key=lambda i: i.first_seen)))
        for key in sorted(groups, key=order)
    )


def build_digest(
    store: Store, subscriber: Subscriber, day: dt.date, tz: ZoneInfo, frequency: str = "daily"
) -> Digest:
    """The items of `day` (or of the week ending on it) for the subscriptions sent then."""
    first = day - dt.timedelta(days=WEEK - 1) if frequency == "weekly" else day
    start, end = day_window(first, tz)[0], day_window(day, tz)[1]
    where = ItemFilter(seen_from=start, seen_to=end, exclude_origins=HISTORY_ORIGINS)
    wanted = subscriber.at(frequency)
    reads_text = any(s.query for s in wanted)
    matching = [
        item
        for item in store.iter_items(where, newest_first=False)
        if any(
            s.matches(
                item.countries,
                item.blocs,
                item.ministries,
                item.lead_ministry,
                fold_item(item.title, item.body) if reads_text else None,
            )
            for s in wanted
        )
    ]
    return Digest(day, subscriber, group_items(matching), first if frequency == "weekly" else None)


def queue_daily_digests(
    store: Store,
    channel: str,
    day: dt.date,
    now: dt.datetime,
    *,
    force: bool = False,
    due: Callable[[Subscriber], bool] = lambda subscriber: True,
) -> int:
    """The one digest queuer: a row per daily subscriber of `channel` for `day` (those `due`);
    how many were new. Idempotent (one digest per subscriber and day) unless `force`."""
    return queue_digests(store, channel, day, now, force=force, due=due)


def queue_digests(
    store: Store,
    channel: str,
    day: dt.date,
    now: dt.datetime,
    *,
    frequency: str = "daily",
    force: bool = False,
    due: Callable[[Subscriber], bool] = lambda subscriber: True,
) -> int:
    """A row per subscriber of `channel` sent a digest at `frequency` ("daily", or "weekly":
    the week ending on `day`); how many were new. Idempotent unless `force`."""
    kind = "weekly" if frequency == "weekly" else "digest"
    return sum(
        store.queue_digest(subscriber.id, day.isoformat(), now, force=force, kind=kind)
        for subscriber in store.subscribers(channel)
        if subscriber.wants(frequency) and due(subscriber)
    )


def queue_due_digests(
    store: Store, channel: str, now: dt.datetime, tz: ZoneInfo, default_time: str
) -> int:
    """Yesterday's digest for every daily subscriber whose digest time (theirs, else
    `default_time`, both HH:MM) has passed today; a missed minute is caught up later. The
    weekly digests due today are queued with them."""
    local = now.astimezone(tz)
    clock = local.strftime("%H:%M")
    yesterday = local.date() - dt.timedelta(days=1)
    return queue_daily_digests(
        store,
        channel,
        yesterday,
        now,
        due=lambda subscriber: clock >= (subscriber.digest_time or default_time),
    ) + queue_weekly_digests(store, channel, now, tz, default_time)


def queue_weekly_digests(
    store: Store, channel: str, now: dt.datetime, tz: ZoneInfo, default_time: str
) -> int:
    """The past week's digest for every weekly subscriber whose weekday it is and whose time
    (theirs, else their digest time, else `default_time`) has passed; one per week."""
    local = now.astimezone(tz)
    clock = local.strftime("%H:%M")
    last_day = local.date() - dt.timedelta(days=1)
    return sum(
        store.queue_digest(subscriber.id, last_day.isoformat(), now, kind="weekly")
        for subscriber in store.subscribers(channel)
        if subscriber.wants_weekly
        and subscriber.weekly_day == local.weekday()
        and clock >= (subscriber.weekly_time or subscriber.digest_time or default_time)
    )
