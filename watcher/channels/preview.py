"""`watcher digest --preview`: each digest a run would send, rendered by the channel's own
renderer, and nothing sent, queued or marked.

The preview follows a real run step by step, reading only: the same audience, the same skip
reasons (paused, already sent, nothing matched), the same `build_digest` and the same rendering
(e-mail's split under the size limit included). A channel class says how it renders without
sending through `previewer(config, env)` (watcher/channels/rendered.py), which needs no server
and no bot token.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from watcher.channels.digest import Digest, build_digest
from watcher.channels.digest_runs import (
    Skipped,
    digest_audience,
    digest_kind,
    skip_reason,
)
from watcher.channels.registry import channel_settings, digest_zone, open_previewer
from watcher.channels.rendered import Previews, Rendered
from watcher.core.config import Config, Environment
from watcher.core.errors import InputError
from watcher.match.subscriptions import Subscriber
from watcher.store import Store

__all__ = ["DigestPreview", "PreviewRun", "preview_digests", "preview_now"]


@dataclass(frozen=True)
class DigestPreview:
    subscriber: Subscriber
    digest: Digest
    rendered: Rendered


@dataclass(frozen=True)
class PreviewRun:
    label: str
    day: dt.date
    frequency: str
    previews: tuple[DigestPreview, ...]
    skipped: Skipped = field(default_factory=Skipped)

    def line(self) -> str:
        what = "weekly digest for the week ending" if self.frequency == "weekly" else "digest for"
        skipped = self.skipped.line()
        return (
            f"{self.label} {what} {self.day} (preview: nothing sent):"
            f" {len(self.previews)} would be sent" + (f"; {skipped}" if skipped else "")
        )


def preview_digests(
    store: Store,
    channel: str,
    previewer: Previews,
    day: dt.date,
    tz: ZoneInfo,
    *,
    frequency: str = "daily",
    subscriber_id: int | None = None,
    force: bool = False,
    send_empty_digest: bool = False,
) -> PreviewRun:
    """What `watcher digest` (with `force`) would send for `day`, to everyone or to one
    subscriber, rendered; InputError when `subscriber_id` gets no such digest."""
    audience = digest_audience(store, channel, frequency)
    if subscriber_id is not None:
        audience = [s for s in audience if s.id == subscriber_id]
        if not audience:
            raise InputError(_no_such(store, channel, subscriber_id, frequency))
    kind = digest_kind(frequency)
    earlier = {} if force else store.digest_statuses(channel, kind, day.isoformat())
    reasons: list[str] = []
    previews: list[DigestPreview] = []
    for subscriber in audience:
        reason = skip_reason(subscriber, frequency, earlier.get(subscriber.id))
        if reason is None:
            digest = build_digest(store, subscriber, day, tz, frequency)
            if digest.count == 0 and not send_empty_digest:
                reason = "nothing matched"
            else:
                rendered = previewer.preview_digest(subscriber, digest)
                previews.append(DigestPreview(subscriber, digest, rendered))
        if reason is not None:
            reasons.append(reason)
    return PreviewRun(channel, day, frequency, tuple(previews), Skipped.of(reasons))


def preview_now(
    store: Store,
    config: Config,
    env: Environment,
    channel: str,
    day: dt.date,
    *,
    frequency: str = "daily",
    subscriber_id: int | None = None,
    force: bool = False,
) -> PreviewRun:
    """`watcher digest --preview`: `preview_digests` with the channel's settings."""
    return preview_digests(
        store,
        channel,
        open_previewer(channel, config, env),
        day,
        digest_zone(config, channel),
        frequency=frequency,
        subscriber_id=subscriber_id,
        force=force,
        send_empty_digest=channel_settings(config, channel).send_empty_digest,
    )


def _no_such(store: Store, channel: str, subscriber_id: int, frequency: str) -> str:
    found = store.get_subscriber(subscriber_id)
    if found is None or found.channel != channel:
        return f"no {channel} subscriber {subscriber_id} (`watcher subscribers list` shows them)"
    other = "--weekly" if frequency == "daily" else "no --weekly"
    return (
        f"subscriber {subscriber_id} has no {frequency} subscription"
        f" (mode {found.mode}); try {other}"
    )
