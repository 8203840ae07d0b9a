"""The outbox sender: drains due rows through a channel and records what happened to each.

A row is marked sent only after the channel accepted the message, so a crash between sending
and marking can repeat that one message (at-least-once) but never loses one. Transient failures
(Telegram 429, SMTP 4xx, network) wait and retry without limit; permanent ones (Telegram 403,
SMTP 5xx for the recipient) pause the subscriber and keep their rows for when they come back.

Subscribers are served concurrently (up to `concurrency`), each one's rows in order: a chat
that may get one message a second must not hold up the other forty-nine. After a transient
failure the subscriber's other rows wait too, so a 429 is not answered with more requests.
A set `stop` event lets rows already being sent finish and be marked, and starts no new ones.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from watcher.channels.digest import Digest, build_digest
from watcher.channels.status import ChannelStatus
from watcher.core.errors import (
    ChannelError,
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from watcher.store import OutboxRow, Store, StoredItem, off_loop

__all__ = [
    "Channel",
    "DrainReport",
    "OutboxSender",
    "PartsRecorder",
    "ReportsParts",
    "no_parts_recorder",
    "retry_delay",
]

log = logging.getLogger(__name__)


class Channel(Protocol):
    """A way to reach subscribers; raises Transient/PermanentDeliveryError when refused.

    A channel may also declare `pause_after` (int): after that many transient failures in a
    row for one row, its subscriber is paused instead of retried for ever (a webhook that
    keeps answering 500); channels without it retry transient failures without limit.
    """

    name: str  # the subscribers' channel column: a name in watcher.channels.registry.CHANNELS

    async def send_alert(self, row: OutboxRow, item: StoredItem) -> None: ...

    async def send_digest(self, row: OutboxRow, digest: Digest) -> None: ...


PartsRecorder = Callable[[int, int], Awaitable[None]]  # (outbox id, parts accepted so far)


async def no_parts_recorder(outbox_id: int, parts: int) -> None:
    """A channel's recorder until a sender sets its own."""


@runtime_checkable
class ReportsParts(Protocol):
    """A channel that sends a digest in several messages and reports each accepted one, so
    a retry resumes after the last accepted part (row.parts_sent) instead of repeating it."""

    def set_parts_recorder(self, recorder: PartsRecorder) -> None: ...


@dataclass(frozen=True)
class DrainReport:
    counts: Counter[str]

    def line(self) -> str:
        shown = sorted((what, n) for what, n in self.counts.items() if n > 0)
        return ", ".join(f"{n} {_SAID.get(what, what)}" for what, n in shown) or "nothing due"


_SAID = {"skipped": "skipped (nothing matched)"}  # a drain skips only digests with no item


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
        concurrency: int = 1,
        status: ChannelStatus | None = None,
    ) -> None:
        self.store = store
        self.status = status  # told when the channel's server cannot be reached, and when it can
        self.channel = channel
        self.tz = tz
        self.send_empty_digest = send_empty_digest
        self.clock = clock
        self.concurrency = max(1, concurrency)
        self._held_until: dict[int, dt.datetime] = {}  # subscriber id → after a transient error
        if isinstance(channel, ReportsParts):
            channel.set_parts_recorder(self._record_parts)

    async def _record_parts(self, outbox_id: int, parts: int) -> None:
        await off_loop(self.store.mark_parts_sent, outbox_id, parts)

    async def drain(
        self,
        limit: int = 100,
        *,
        per_subscriber: int | None = None,
        stop: asyncio.Event | None = None,
    ) -> DrainReport:
        """Send the rows due now (at most `limit`, `per_subscriber` each), oldest first."""
        now = self.clock()
        self._held_until = {k: t for k, t in self._held_until.items() if t > now}
        queues: dict[int, list[OutboxRow]] = {}
        due = await off_loop(
            self.store.due_outbox, self.channel.name, now, limit, per_subscriber=per_subscriber
        )
        for row in due:
            if self._held_until.get(row.subscriber.id, now) <= now:
                queues.setdefault(row.subscriber.id, []).append(row)
        counts: Counter[str] = Counter()
        slots = asyncio.Semaphore(self.concurrency)

        async def serve(queue: list[OutboxRow]) -> None:
            async with slots:
                for row in queue:
                    if stop is not None and stop.is_set():
                        return
                    outcome = await self.send_row(row)
                    counts[outcome] += 1
                    if outcome in ("retried", "paused"):
                        return

        await asyncio.gather(*(serve(queue) for queue in queues.values()))
        return DrainReport(counts)

    async def send_row(self, row: OutboxRow) -> str:
        quiet = row.subscriber.quiet
        if row.kind == "alert" and quiet is not None:
            local = self.clock().astimezone(self.tz)
            if quiet.contains(local.time()):
                if quiet.mode == "hold":
                    await off_loop(self.store.hold, row.id, quiet.ends_after(local))
                    return "held"
                row = dataclasses.replace(row, silent=True)
        try:
            if row.kind == "alert":
                item = await off_loop(self.store.get_item, row.item_hash)
                if item is None:
                    await off_loop(self.store.mark_failed, row.id, f"item {row.item_hash} is gone")
                    return "failed"
                await self.channel.send_alert(row, item)
            else:
                day = dt.date.fromisoformat(row.digest_date)
                frequency = "weekly" if row.kind == "weekly" else "daily"
                digest = await off_loop(
                    build_digest, self.store, row.subscriber, day, self.tz, frequency
                )
                if digest.count == 0 and not self.send_empty_digest:
                    what = "that week" if digest.weekly else "that day"
                    await off_loop(self.store.mark_skipped, row.id, f"no matching item {what}")
                    return "skipped"
                await self.channel.send_digest(row, digest)
        except TransientDeliveryError as error:
            if error.unreachable and self.status is not None:
                self.status.down(self.channel.name, error)
            wait = max(error.retry_after or 0.0, retry_delay(row.attempts))
            not_before = self.clock() + dt.timedelta(seconds=wait)
            await off_loop(
                self.store.mark_retry, row.id, str(error), not_before, plain_text=error.plain_text
            )
            self._held_until[row.subscriber.id] = not_before
            pause_after: int | None = getattr(self.channel, "pause_after", None)
            if pause_after is not None and row.attempts + 1 >= pause_after:
                reason = f"{row.attempts + 1} failed tries in a row: {error}"
                await off_loop(self.store.pause_subscriber, row.subscriber.id, reason)
                log.warning("subscriber %s paused: %s", _who(row), reason)
                return "paused"
            log.warning("outbox %s to %s: will retry in %.0f s: %s", row.id, _who(row), wait, error)
            return "retried"
        except ChannelError:
            raise
        except PermanentDeliveryError as error:
            await off_loop(self.store.pause_subscriber, row.subscriber.id, str(error))
            log.warning("subscriber %s paused: %s", _who(row), error)
            return "paused"
        except DeliveryError as error:  # this one message can never go (e.g. refused as is)
            await off_loop(self.store.mark_failed, row.id, str(error))
            log.error("outbox %s to %s failed: %s", row.id, _who(row), error)
            return "failed"
        await off_loop(self.store.mark_sent, row.id, self.clock())
        if self.status is not None:
            self.status.up(self.channel.name)
        return "sent"


def _who(row: OutboxRow) -> str:
    return f"{row.subscriber.channel}:{row.subscriber.id}"
