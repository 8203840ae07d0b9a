"""A digest run, as `watcher digest` and the daemon's digest jobs make one: queue the day's
digest of every subscriber who gets one, deliver, and say who got none and why.

A run's audience is every subscriber of the channel with a subscription sent at its frequency
(daily, or weekly), paused or not. Each one is sent a digest or skipped for one reason:

- "nothing matched": no item of that day (week) matched, and empty digests are not sent;
- "paused": the subscriber, or every such subscription of theirs, is paused;
- "already sent": an earlier run sent that digest (`watcher digest --force` sends it again);
- "failed before": an earlier run could not send it, for good (`subscribers list` says why).

so a run's line reads "2 queued; 2 sent; 3 skipped: 1 nothing matched, 1 paused, 1 already
sent" and nobody wonders where a digest went.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field

from watcher.channels.digest import queue_digests
from watcher.channels.outbox import DrainReport, OutboxSender
from watcher.channels.registry import channel_settings, digest_zone, open_channel
from watcher.core.config import Config, Environment
from watcher.match.subscriptions import Subscriber
from watcher.store import Store, off_loop

__all__ = [
    "SKIP_REASONS",
    "DigestRun",
    "Skipped",
    "digest_audience",
    "digest_kind",
    "digest_now",
    "paused_note",
    "run_digests",
    "skip_reason",
]

SKIP_REASONS = ("nothing matched", "paused", "already sent", "failed before")
_EARLIER = {"sent": "already sent", "skipped": "nothing matched", "failed": "failed before"}


@dataclass(frozen=True)
class Skipped:
    """How many of a run's audience got no digest, by reason."""

    counts: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, reasons: Iterable[str | None]) -> Skipped:
        return cls(Counter(reason for reason in reasons if reason is not None))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        """ "3 skipped: 1 nothing matched, 1 paused, 1 already sent"; "" when none was."""
        if not self.total:
            return ""
        shown = [r for r in SKIP_REASONS if self.counts[r]]
        shown += sorted(set(self.counts) - set(SKIP_REASONS))
        return f"{self.total} skipped: " + ", ".join(f"{self.counts[r]} {r}" for r in shown)


def digest_kind(frequency: str) -> str:
    """The outbox kind of a digest at `frequency`."""
    return "weekly" if frequency == "weekly" else "digest"


def digest_audience(store: Store, channel: str, frequency: str) -> list[Subscriber]:
    """The subscribers of `channel` with a subscription sent at `frequency`, paused or not."""
    return [s for s in store.subscribers(channel) if _asks_for(s, frequency)]


def _asks_for(subscriber: Subscriber, frequency: str) -> bool:
    return any(
        frequency in dataclasses.replace(s, paused=False).sent(subscriber.mode)
        for s in subscriber.subscriptions
    )


def paused_note(store: Store, channel: str) -> str:
    """What a queue pass of the daemon skips ("; 2 skipped: 2 paused"), or "": the subscribers
    who would get a daily or weekly digest but are paused (nothing is queued for them)."""
    frequencies = ("daily", "weekly")
    paused = [
        s
        for s in store.subscribers(channel)
        if s.paused_reason is not None and any(_asks_for(s, f) for f in frequencies)
    ]
    skipped = Skipped.of("paused" for _ in paused)
    return f"; {skipped.line()}" if paused else ""


def skip_reason(subscriber: Subscriber, frequency: str, earlier: str | None) -> str | None:
    """Why a run sends this member of its audience nothing before any digest is built
    (`earlier`: the status of their row for the day, if a run queued one); None: it may go."""
    if subscriber.paused_reason is not None:
        return "paused"
    return _EARLIER.get(earlier or "")


@dataclass(frozen=True)
class DigestRun:
    label: str  # the channel, as the line names it
    day: dt.date
    queued: int
    report: DrainReport
    skipped: Skipped = field(default_factory=Skipped)
    frequency: str = "daily"
    found_empty: int = 0  # rows this run's drain skipped as empty (in `skipped` already)

    def line(self) -> str:
        what = "weekly digest for the week ending" if self.frequency == "weekly" else "digest for"
        rest = self.report.counts - Counter(skipped=self.found_empty)
        sent = DrainReport(rest).line() if rest or not self.report.counts else "0 sent"
        skipped = self.skipped.line()
        return f"{self.label} {what} {self.day}: {self.queued} queued; {sent}" + (
            f"; {skipped}" if skipped else ""
        )


async def run_digests(
    store: Store,
    channel: str,
    day: dt.date,
    now: dt.datetime,
    drain: Callable[[], Awaitable[DrainReport]],
    *,
    frequency: str = "daily",
    force: bool = False,
    label: str | None = None,
) -> DigestRun:
    """Queue the digest of `day` (the week ending on it) for the audience, `drain`, and
    account for everyone who got none."""
    kind = digest_kind(frequency)
    audience = await off_loop(digest_audience, store, channel, frequency)
    before: Mapping[int, str] = (
        {} if force else await off_loop(store.digest_statuses, channel, kind, day.isoformat())
    )
    queued = await off_loop(
        queue_digests, store, channel, day, now, frequency=frequency, force=force
    )
    report = await drain()
    after = await off_loop(store.digest_statuses, channel, kind, day.isoformat())
    reasons = [skip_reason(s, frequency, before.get(s.id)) for s in audience]
    empty = [
        reason is None and after.get(s.id) == "skipped"
        for s, reason in zip(audience, reasons, strict=True)
    ]
    reasons = [
        "nothing matched" if found else reason for found, reason in zip(empty, reasons, strict=True)
    ]
    return DigestRun(
        label or channel, day, queued, report, Skipped.of(reasons), frequency, sum(empty)
    )


async def digest_now(
    store: Store,
    config: Config,
    env: Environment,
    channel: str,
    day: dt.date,
    now: dt.datetime,
    *,
    frequency: str = "daily",
    force: bool = False,
) -> DigestRun:
    """`watcher digest`: the run for `day`, through the channel opened once queued."""

    async def drain() -> DrainReport:
        async with open_channel(channel, config, env) as opened:
            sender = OutboxSender(
                store,
                opened,
                tz=digest_zone(config, channel),
                send_empty_digest=channel_settings(config, channel).send_empty_digest,
            )
            return await sender.drain(limit=10_000)

    return await run_digests(store, channel, day, now, drain, frequency=frequency, force=force)
