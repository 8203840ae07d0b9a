"""Settings: config/watcher.toml and the environment, validated once at start-up.

Every setting is declared once, as a field of a section dataclass with its default and help
text (the README's configuration reference is generated from these). Unknown keys and wrong
types are errors that name the file and the key: a typo must not silently fall back to a default.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
import types
import typing
import urllib.parse
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watcher.core.environment import (
    DEFAULT_CONFIG,
    DEFAULT_DB,
    Environment,
    default_config_path,
    load_environment,
    repo_config_dir,
)
from watcher.core.errors import ConfigError

__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_DB",
    "Config",
    "DedupeSettings",
    "EmailSettings",
    "Environment",
    "FetchSettings",
    "LimitSettings",
    "NotifySettings",
    "SelectorSettings",
    "ServeSettings",
    "SourceConfig",
    "TelegramSettings",
    "WatcherSettings",
    "build_section",
    "default_config_path",
    "fits_type",
    "load_environment",
    "parse_sections",
    "read_toml",
    "reference_markdown",
    "repo_config_dir",
    "required",
    "setting",
    "time_of_day",
    "type_name",
]


def required(help: str) -> Any:
    """A declared key without a default: config refuses a table that lacks it."""
    return field(metadata={"help": help})


def setting(default: Any, help: str, *, low: float | None = None, high: float | None = None) -> Any:
    """A declared key with its default; a number's `low`..`high` (inclusive) are checked at
    load, so `per_host_interval = inf` or a timeout of a year is an error naming the key, not a
    hang (issue 27). Every float must be finite, declared range or not."""
    metadata = {"help": help, "range": (low, high)}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class WatcherSettings:
    timezone: str = setting("Asia/Bangkok", "zone of a digest's day and of digest times")
    baseline_first_cycle: bool = setting(
        True, "a source's first cycle on an empty database stores items without alerting"
    )
    stop_grace_seconds: float = setting(
        1.0,
        "on SIGTERM, seconds cycles get to finish the item in hand before they are cancelled",
        low=0,
        high=300,
    )
    log_format: str = setting("text", "log lines as `text` or `json`")
    log_level: str = setting("INFO", "DEBUG, INFO, WARNING or ERROR")
    min_free_disk_mb: int = setting(
        100,
        "`watcher health` fails when the database's filesystem has less free space",
        low=0,
        high=10**12,  # a test asks for a petabyte to force the failure
    )

    def __post_init__(self) -> None:
        if self.log_format not in ("text", "json"):
            raise ValueError("log_format: must be text or json")
        if self.min_free_disk_mb < 0:
            raise ValueError("min_free_disk_mb: must be 0 or more")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("log_level: must be DEBUG, INFO, WARNING or ERROR")
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone: unknown zone {self.timezone!r}") from None


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str = setting(
        "thaigov-watcher/0.1 (polite news monitor; operators: add a contact here)",
        "User-Agent sent with every request",
    )
    connect_timeout: float = setting(10.0, "seconds to open a connection", low=0.1, high=600)
    read_timeout: float = setting(
        30.0, "seconds between bytes before giving up", low=0.1, high=3600
    )
    total_timeout: float = setting(60.0, "seconds for a whole response", low=0.1, high=3600)
    max_bytes: int = setting(
        5_000_000, "response size cap; the rest is never read", low=1000, high=2000000000
    )
    retries: int = setting(3, "retries on timeouts, connection errors, 429 and 5xx", low=0, high=20)
    backoff_seconds: float = setting(
        1.0, "first retry delay, doubled each time, with jitter", low=0, high=3600
    )
    max_backoff_seconds: float = setting(
        120.0, "longest wait between retries (and Retry-After)", low=0, high=86400
    )
    per_host_interval: float = setting(
        1.0, "at least this many seconds between requests to a host", low=0, high=3600
    )
    respect_robots: bool = setting(True, "fetch, cache and honour robots.txt")
    robots_ttl_seconds: int = setting(
        86400, "how long a robots.txt is trusted", low=0, high=2592000
    )
    allowed_hosts: list[str] = setting([], "extra hosts redirects may lead to")
    challenge_markers: list[str] = setting(
        ["Just a moment", "cf-chl", "challenge-platform", "Checking your browser",
         "Attention Required! | Cloudflare", "DDoS protection by"],
        "text marking a bot-protection challenge (in 403/503 bodies and 200 page titles)",
    )  # fmt: skip
    blocked_backoff_hours: float = setting(
        1.0,
        "first wait after a bot-protection block, doubled per block, at most 24 hours",
        low=0,
        high=24,
    )


@dataclass(frozen=True)
class SelectorSettings:
    page_title_prefix: str = setting("รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-", "prefix of <title>")
    category: str = setting("span.headtitle-2", "CSS selector of the category")
    title: str = setting("div.news-2 h3.news-1", "CSS selector of the title block")
    body: str = setting("div.border-normal.clearfix", "CSS selector of the body")
    date: str = setting("", "CSS selector of the date banner; empty = scan the page text")
    page_end: str = setting(
        "</html>", "text a complete page ends with (a cut page is refused); empty: no check"
    )
    next_page: str = setting("a[rel=next]", "CSS selector of a listing's next-page link")


_TIME_OF_DAY = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def time_of_day(text: str) -> str:
    """A time of day as HH:MM (24 h); "7:30" becomes "07:30", anything else is a ValueError.

    Digest times are compared as text ("07:30" <= "10:05"), so they must be normalised once,
    here, where the setting (or a chat's /digest_time) is read.
    """
    match = _TIME_OF_DAY.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected HH:MM (24 h), got {text!r}")
    return f"{int(match[1]):02d}:{match[2]}"


def _normalise_digest_time(settings: Any) -> None:
    try:
        object.__setattr__(settings, "digest_time", time_of_day(settings.digest_time))
    except ValueError as error:
        raise ValueError(f"digest_time: {error}") from None


@dataclass(frozen=True)
class TelegramSettings:
    admin_chat_ids: list[int] = setting([], "chats that get /stats and source-health alerts")
    digest_time: str = setting("07:30", "default daily digest time, HH:MM in `timezone`")
    send_empty_digest: bool = setting(False, "send a digest on a day with no matching item")
    max_subscriptions: int = setting(20, "subscriptions allowed per chat", low=1, high=1000)
    messages_per_second: float = setting(30.0, "overall send rate", low=0.01, high=1000)
    per_chat_interval: float = setting(
        1.0, "seconds between messages to one chat", low=0, high=3600
    )
    drain_interval: float = setting(
        1.0, "seconds between two passes of the outbox sender", low=0.01, high=3600
    )
    health_failures: int = setting(
        3, "failed cycles in a row before admins are told", low=1, high=10000
    )
    stale_hours: int = setting(
        48, "hours without a new item before admins are told", low=1, high=100000
    )

    def __post_init__(self) -> None:
        _normalise_digest_time(self)


@dataclass(frozen=True)
class EmailSettings:
    digest_time: str = setting("07:00", "daily e-mail digest time, HH:MM in `timezone`")
    timezone: str = setting(
        "", "zone of the e-mail digest's day and time; empty = [watcher] timezone"
    )
    subject: str = setting(
        "thaigov-watcher: {count} ข่าวใหม่ / new items, {date}", "subject template"
    )
    send_empty_digest: bool = setting(False, "send a digest on a day with no matching item")
    send_empty: bool | None = setting(None, "deprecated alias of `send_empty_digest`")
    unsubscribe: str = setting(
        "mailto:{sender}?subject=unsubscribe", "List-Unsubscribe target ({sender}, {address})"
    )
    sender: str = setting("", "From address when SMTP_FROM is not set")
    excerpt_chars: int = setting(
        300, "length of each item's opening lines in a digest", low=40, high=100000
    )
    timeout_seconds: float = setting(
        30.0, "seconds to wait for the SMTP server", low=0.1, high=3600
    )
    max_message_bytes: int = setting(
        5_000_000,
        "largest e-mail sent; a bigger digest is split (the server's SIZE if lower)",
        low=100000,
        high=1000000000,
    )
    retry_interval_seconds: int = setting(
        60,
        "how often `watcher run` sends e-mails that are due again after a transient failure",
        low=1,
        high=86400,
    )

    def __post_init__(self) -> None:
        _normalise_digest_time(self)
        if self.send_empty is not None:  # the old name wins only when the new one is unset
            object.__setattr__(self, "send_empty_digest", self.send_empty_digest or self.send_empty)
        if self.timezone:
            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"timezone: unknown zone {self.timezone!r}") from None
        if self.excerpt_chars < 40:
            raise ValueError("excerpt_chars: must be at least 40")
        if self.retry_interval_seconds < 1:
            raise ValueError("retry_interval_seconds: must be at least 1")
        if self.max_message_bytes < 100_000:
            raise ValueError("max_message_bytes: must be at least 100000")


@dataclass(frozen=True)
class NotifySettings:
    """Apprise subscribers (`--notify URL`): LINE, Slack, Discord, Teams, webhooks…"""

    digest_time: str = setting("07:30", "default daily digest time, HH:MM in [watcher] timezone")
    send_empty_digest: bool = setting(False, "send a digest on a day with no matching item")
    timeout_seconds: float = setting(
        10.0, "seconds to wait for a service to answer", low=0.1, high=3600
    )
    pause_after_failures: int = setting(
        5,
        "failed tries in a row (500s, timeouts) before a subscriber is paused",
        low=1,
        high=10000,
    )
    drain_interval: float = setting(
        5.0, "seconds between two passes of the outbox sender", low=0.01, high=3600
    )

    def __post_init__(self) -> None:
        _normalise_digest_time(self)
        if self.pause_after_failures < 1:
            raise ValueError("pause_after_failures: must be at least 1")
        if self.timeout_seconds <= 0 or self.drain_interval <= 0:
            raise ValueError("timeout_seconds, drain_interval: must be positive")


_LOOPBACK = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class ServeSettings:
    """`watcher serve` as the world reaches it (behind a reverse proxy, usually)."""

    public_url: str = setting(
        "",
        "the https:// address people reach `watcher serve` at; with WATCHER_SECRET set, e-mails"
        " carry one-click unsubscribe links (RFC 8058) that serve honours; empty = none",
    )

    def __post_init__(self) -> None:
        url = self.public_url.strip().rstrip("/")
        if url:
            parts = urllib.parse.urlsplit(url)
            local = parts.scheme == "http" and parts.hostname in _LOOPBACK
            if not (parts.scheme == "https" or local) or not parts.hostname:
                raise ValueError(
                    f"public_url: must be an https:// URL (http:// only on localhost),"
                    f" not {self.public_url!r}"
                )
            if parts.query or parts.fragment:
                raise ValueError(f"public_url: no query or fragment, not {self.public_url!r}")
        object.__setattr__(self, "public_url", url)


@dataclass(frozen=True)
class DedupeSettings:
    near_duplicate_days: int = setting(
        30,
        "an item similar to one first seen this many days before or after is its variant",
        low=1,
        high=3650,
    )
    near_duplicate_threshold: float = setting(
        0.85,
        "5-character shingle Jaccard from which two items are one story (0.5 to 1)",
        low=0.5,
        high=1.0,
    )

    def __post_init__(self) -> None:
        if self.near_duplicate_days < 1:
            raise ValueError("near_duplicate_days: must be at least 1")
        if not 0.5 <= self.near_duplicate_threshold <= 1.0:
            raise ValueError("near_duplicate_threshold: must be between 0.5 and 1")


@dataclass(frozen=True)
class LimitSettings:
    """Budgets that end work on outside input, whatever the input does (issue 27)."""

    parse_budget_seconds: float = setting(
        20.0, "seconds one page, feed or listing may take to parse (in a worker thread, off the"
        " event loop); past it the page counts as a failed try of its id or link"
    )  # fmt: skip
    give_up_after: int = setting(
        3, "failed tries (fetch or parse) after which an id or link is given up, shown in"
        " `watcher sources`"
    )  # fmt: skip
    cycle_requests: int = setting(
        600, "requests one cycle of one source may send; past it the cycle ends and says so"
        " (the next cycle goes on from where it stopped)"
    )  # fmt: skip
    cycle_new_items: int = setting(
        200, "items one cycle of one source may find; past it the cycle ends and says so"
    )
    discovery_requests: int = setting(
        400, "requests a sequence's frontier discovery may send (~75 find a frontier 100,000 ids"
        " away); past it: 'the site answers every id: no frontier'"
    )  # fmt: skip
    id_range: int = setting(
        16_777_216, "ids a sequence may look beyond its start or its newest item in one cycle"
    )

    def __post_init__(self) -> None:
        if not 0 < self.parse_budget_seconds <= 3600:
            raise ValueError("parse_budget_seconds: must be above 0 and at most 3600")
        for name in ("give_up_after", "cycle_requests", "cycle_new_items",
                     "discovery_requests", "id_range"):  # fmt: skip
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be at least 1")


SOURCE_COMMON = {
    "name", "kind", "url", "parser", "selectors", "interval_seconds", "jitter_seconds", "enabled",
    "ignore_robots",
}  # fmt: skip
PARSERS = ("thaigov", "article")


@dataclass(frozen=True)
class SourceConfig:
    """One [[sources]] table: the keys every kind shares, and the kind's own `options`.

    The kind's options are declared once, by the kind (watcher/sources/, `Options`), and built
    and validated here through the same `_build` as every section, so errors name file and key.
    """

    name: str
    kind: str
    url: str
    options: Any = None
    parser: str = "thaigov"
    selectors: SelectorSettings = field(default_factory=SelectorSettings)
    interval_seconds: int = 900
    jitter_seconds: int = 30
    enabled: bool = True
    ignore_robots: bool = False


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    watcher: WatcherSettings = field(default_factory=WatcherSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    selectors: SelectorSettings = field(default_factory=SelectorSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    email: EmailSettings = field(default_factory=EmailSettings)
    dedupe: DedupeSettings = field(default_factory=DedupeSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    serve: ServeSettings = field(default_factory=ServeSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    sources: tuple[SourceConfig, ...] = ()

    @property
    def directory(self) -> Path:
        return self.path.parent if self.path else repo_config_dir()


SECTIONS: dict[str, type] = {
    "watcher": WatcherSettings,
    "fetch": FetchSettings,
    "selectors": SelectorSettings,
    "telegram": TelegramSettings,
    "email": EmailSettings,
    "dedupe": DedupeSettings,
    "notify": NotifySettings,
    "serve": ServeSettings,
    "limits": LimitSettings,
}


def reference_markdown() -> str:
    """The configuration reference of the sections, generated from the declarations above."""
    lines = []
    for section, cls in SECTIONS.items():
        lines += [f"**[{section}]**", "", "| key | default | meaning |", "|---|---|---|"]
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            default = (
                f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            )
            kind = type_name(hints[f.name])
            lines.append(f"| `{f.name}` ({kind}) | `{default!r}` | {f.metadata['help']} |")
        lines.append("")
    return "\n".join(lines)


def read_toml(path: Path) -> dict[str, Any]:
    """The config file as TOML data; every way it can fail is one ConfigError naming the file."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"{path}: config file not found") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read config: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from error


def parse_sections(
    data: Mapping[str, Any], path: Path | None = None, sources: tuple[SourceConfig, ...] = ()
) -> Config:
    """Every [section] of the file; the [[sources]] tables are the source kinds' to read
    (watcher.sources.settings), so this floor needs no registry of kinds."""
    where = str(path or "<config>")
    unknown = set(data) - set(SECTIONS) - {"sources"}
    if unknown:
        raise ConfigError(f"{where}: unknown section [{sorted(unknown)[0]}]")
    sections = {
        name: build_section(cls, data.get(name, {}), where, name) for name, cls in SECTIONS.items()
    }
    return Config(path=path, sources=sources, **sections)


def build_section(cls: type, raw: Any, where: str, section: str) -> Any:
    """A table → the dataclass `cls` declares: unknown keys and wrong types name file and key."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: {section}: must be a table")
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    values = {}
    for name, value in raw.items():
        if name not in fields:
            raise ConfigError(f"{where}: {section}.{name}: unknown key")
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{where}: {section}.{name}: must be a finite number, got {value}")
        if not fits_type(value, hints[name]):
            raise ConfigError(
                f"{where}: {section}.{name}: expected {type_name(hints[name])},"
                f" got {type(value).__name__} {value!r}"
            )
        values[name] = float(value) if hints[name] is float else value
    try:
        built = cls(**values)
    except ValueError as error:
        raise ConfigError(f"{where}: {section}.{error}") from None
    for f in dataclasses.fields(cls):  # after the class's own checks, which say more
        low, high = f.metadata.get("range", (None, None))
        value = values.get(f.name)
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if (low is not None and value < low) or (high is not None and value > high):
            raise ConfigError(
                f"{where}: {section}.{f.name}: must be between {low} and {high}, got {value!r}"
            )
    return built


def fits_type(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(fits_type(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is list:
        (inner,) = typing.get_args(hint)
        return isinstance(value, list) and all(fits_type(v, inner) for v in value)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")
