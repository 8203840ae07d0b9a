"""What `watcher run` prints before its first cycle: sources, when they poll, which channels
are on and for how many subscribers — so a person sees at once that the daemon will do what
they meant (a token not exported, a source disabled) instead of learning it hours later.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from dataclasses import dataclass

import jinja2

from watcher.channels.registry import CHANNELS
from watcher.core.config import Config, Environment
from watcher.store import Store

__all__ = ["ChannelLine", "SourceLine", "render_start_summary", "start_summary"]


@dataclass(frozen=True)
class SourceLine:
    name: str
    kind: str
    parser: str
    every: str
    first_poll: str


@dataclass(frozen=True)
class ChannelLine:
    name: str
    on: bool
    why: str
    subscribers: int
    paused: int


def _duration(seconds: int) -> str:
    """900 → '15 min', 3600 → '1 h', 45 → '45 s'."""
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _channel_state(name: str, env: Environment, subscribers: int) -> tuple[bool, str]:
    """(on, why) the way the daemon decides it: Telegram needs its token, e-mail SMTP_HOST,
    Apprise its library and at least one subscriber's URL."""
    if name == "telegram":
        if env.telegram_token:
            return True, "TELEGRAM_BOT_TOKEN set"
        return False, "TELEGRAM_BOT_TOKEN not set: alerts stay queued"
    if name == "email":
        if env.smtp_host:
            return True, f"SMTP_HOST {env.smtp_host}"
        return False, "SMTP_HOST not set"
    if name == "apprise" and importlib.util.find_spec("apprise") is None:
        return False, "apprise not installed"
    return (subscribers > 0), ("URLs from its subscribers" if subscribers else "no subscriber")


def start_summary(
    config: Config, env: Environment, store: Store, now: dt.datetime
) -> tuple[list[SourceLine], list[ChannelLine]]:
    """The enabled sources (each first polls at start: the scheduler's next_run_time is now)
    and every registered channel with its subscriber count."""
    started = now.astimezone().strftime("%H:%M:%S")
    sources = [
        SourceLine(
            source.name,
            source.kind,
            source.parser,
            _duration(source.interval_seconds)
            + (f" ± {_duration(source.jitter_seconds)}" if source.jitter_seconds else ""),
            f"now ({started})",
        )
        for source in config.sources
        if source.enabled
    ]
    channels = []
    for name in CHANNELS:
        rows = store.subscribers(name)
        paused = sum(1 for row in rows if row.paused_reason is not None)
        on, why = _channel_state(name, env, len(rows))
        channels.append(ChannelLine(name, on, why, len(rows), paused))
    return sources, channels


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("watcher", "templates/cli"),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
    autoescape=False,
)


def render_start_summary(
    config: Config, env: Environment, store: Store, now: dt.datetime | None = None
) -> str:
    """The start summary as the person running `watcher run` reads it."""
    sources, channels = start_summary(config, env, store, now or dt.datetime.now(dt.UTC))
    template = _TEMPLATES.get_template("run_start.txt.j2")
    return template.render(sources=sources, channels=channels, db_path=store.path).rstrip("\n")
