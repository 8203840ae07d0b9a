"""The outbox sender: drains due rows through a channel and records what happened to each.

A row is marked sent only after the channel accepted the message, so a crash between sending
and marking can repeat that one message (at-least-once) but never loses one. Transient failures
(Telegram 429, SMTP 4xx, network) wait and retry without limit; permanent ones (Telegram 403,
SMTP 5xx for the recipient) pause the subscriber and keep their rows for when they come back.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from watcher.digest import Digest, build_digest
from watcher.errors import PermanentDeliveryError, TransientDeliveryError
from watcher.store import OutboxRow, Store, StoredItem

__all__ = ["Channel", "DrainReport", "OutboxSender", "retry_delay"]

log = logging.getLogger(__name__)


class Channel(Protocol):
    """A way to reach subscribers; raises Transient/PermanentDeliveryError when refused."""

    name: str  # the subscribers' channel column: "telegram" | "email"

    async def send_alert(self, row: OutboxRow, item: StoredItem) -> None: ...

    async def send_digest(self, row: OutboxRow, digest: Digest) -> None: ...


@dataclass(frozen=True)
class DrainReport:
    counts: Counter[str]

    def line(self) -> str:
        return ", ".join(f"{n} {what}" for what, n in sorted(self.counts.items())) or "nothing due"


def retry_delay(attempts: int, base: float = 2.0, cap: float = 600.0) -> float:
    """Exponential backoff with full jitter, so many failed rows don't retry in lockstep."""
    return random.uniform(base, min(cap, base * 2 ** min(attempts, 16)))


class OutboxSender:
    def __init__(
        self,
        store: Store,
        channel: Channel,
        *,
        tz: ZoneInfo,
        send_empty_digest: bool = False,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.store = store
        self.channel = channel
        self.tz = tz
        self.send_empty_digest = send_empty_digest
        self.clock = clock

    async def drain(self, limit: int = 100) -> DrainReport:
        """Send every row due now (at most `limit`), oldest first."""
        counts: Counter[str] = Counter()
        for row in self.store.due_outbox(self.channel.name, self.clock(), limit):
            counts[await self.send_row(row)] += 1
        return DrainReport(counts)

    async def send_row(self, row: OutboxRow) -> str:
        try:
            if row.kind == "alert":
                item = self.store.get_item(row.item_hash)
                if item is None:
                    self.store.mark_failed(row.id, f"item {row.item_hash} is not in the database")
                    return "failed"
                await self.channel.send_alert(row, item)
            else:
                day = dt.date.fromisoformat(row.digest_date)
                digest = build_digest(self.store, row.subscriber, day, self.tz)
                if digest.count == 0 and not self.send_empty_digest:
                    self.store.mark_skipped(row.id, "no matching item that day")
                    return "skipped"
                await self.channel.send_digest(row, digest)
        except TransientDeliveryError as error:
            wait = max(error.retry_after or 0.0, retry_delay(row.attempts))
            self.store.mark_retry(row.id, str(error), self.clock() + dt.timedelta(seconds=wait))
            log.warning("outbox %s to %s: will retry in %.0f s: %s", row.id, _who(row), wait, error)
            return "retried"
        except PermanentDeliveryError as error:
            self.store.pause_subscriber(row.subscriber.id, str(error))
            log.warning("subscriber %s paused: %s", _who(row), error)
            return "paused"
        self.store.mark_sent(row.id, self.clock())
        return "sent"


def _who(row: OutboxRow) -> str:
    return f"{row.subscriber.channel}:{row.subscriber.id}"
