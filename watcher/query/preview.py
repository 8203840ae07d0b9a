"""What a subscription would have sent: `watcher subscribers preview` and the bot's /preview.

A person tunes their words before subscribing, as Google Alerts shows the results of a query
before it is saved. The preview applies the subscription's own rule (labels and words, through
the same `Subscription.matches` the store uses for new items) to the items published in the
last N days, one per story as alerts go, so what it counts is what would have arrived.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from watcher.match.language import fold_item
from watcher.match.subscriptions import Subscription
from watcher.store import ItemFilter, Store, StoredItem

__all__ = ["MAX_DAYS", "Preview", "preview"]

MAX_DAYS = 366  # a year back is what a preview is for; more is an export


@dataclass(frozen=True)
class Preview:
    count: int  # items of the window the subscription matches
    newest: tuple[StoredItem, ...]  # the newest of them, at most `shown`
    since: dt.date
    until: dt.date


def preview(
    store: Store, subscription: Subscription, *, until: dt.date, days: int = 30, shown: int = 5
) -> Preview:
    """The items published in the `days` days ending on `until` that `subscription` matches."""
    since = until - dt.timedelta(days=days - 1)
    where = ItemFilter(since=since.isoformat(), until=until.isoformat())
    reads_text = subscription.query is not None
    count, newest = 0, list[StoredItem]()
    for item in store.iter_items(where, newest_first=True):
        folded = fold_item(item.title, item.body) if reads_text else None
        if subscription.matches(
            item.countries, item.blocs, item.ministries, item.lead_ministry, folded
        ):
            count += 1
            if len(newest) < shown:
                newest.append(item)
    return Preview(count, tuple(newest), since, until)
