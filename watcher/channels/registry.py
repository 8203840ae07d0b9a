"""The registry of channels, by the name subscribers carry ("telegram", "email", "apprise").

A channel is one module with one class that declares what the rest of the watcher asks of it:

- `name`, and here its CLI option (`subscribers add --telegram/--email/--notify`) and default
  mode;
- `validate_address(text) -> str` (InputError in one line) and `shown_address(address)` (what
  `subscribers list` prints: a secret address is masked);
- `from_settings(config, env)` → an instance, `async with` opens and closes it;
- `previewer(config, env)` → what renders its digests without sending (no server, no token),
  for `watcher digest --preview`;
- `send_alert(row, item)` and `send_digest(row, digest)`, raising the outbox's three error
  kinds: TransientDeliveryError (retry), PermanentDeliveryError (pause this subscriber),
  ChannelError (the channel is down: stop, pause no one); a bare DeliveryError fails one row.

Adding a channel is its module plus one entry below. Each module is imported only when used,
so commands that never send import neither python-telegram-bot nor Apprise.
"""

from __future__ import annotations

import importlib
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from watcher.channels.outbox import Channel
from watcher.channels.rendered import Previews
from watcher.core.config import Config, Environment

__all__ = [
    "CHANNELS",
    "ChannelInfo",
    "OpenableChannel",
    "channel_class",
    "channel_settings",
    "digest_zone",
    "open_channel",
    "open_previewer",
]


@dataclass(frozen=True)
class ChannelInfo:
    name: str
    option: str  # `watcher subscribers add|remove` option naming the address
    metavar: str
    help: str
    default_mode: str  # "instant" | "daily" | "both"
    target: str  # "module:Class"
    section: str  # the config section with its digest_time and send_empty_digest


CHANNELS: dict[str, ChannelInfo] = {
    info.name: info
    for info in (
        ChannelInfo("telegram", "--telegram", "CHAT_ID", "Telegram chat id.", "instant",
                    "watcher.channels.telegram.send:TelegramChannel", "telegram"),
        ChannelInfo("email", "--email", "ADDRESS", "E-mail address.", "daily",
                    "watcher.channels.email.send:EmailChannel", "email"),
        ChannelInfo("apprise", "--notify", "URL",
                    "An Apprise URL: line://, slack://, discord://, msteams://, json://… (a"
                    " secret: never logged, masked in `subscribers list`).", "instant",
                    "watcher.channels.apprise:AppriseChannel", "notify"),
    )
}  # fmt: skip


class OpenableChannel(Channel, AbstractAsyncContextManager["OpenableChannel"], Protocol):
    """A channel built from settings; `async with` opens and closes its connection."""


class ChannelClass(Protocol):
    def from_settings(self, config: Config, env: Environment) -> OpenableChannel: ...

    def validate_address(self, text: str) -> str: ...

    def shown_address(self, address: str) -> str: ...

    def previewer(self, config: Config, env: Environment) -> Previews: ...


def channel_class(name: str) -> ChannelClass:
    """The class of channel `name` (KeyError for a name not in CHANNELS)."""
    module_name, class_name = CHANNELS[name].target.split(":")
    cls: ChannelClass = getattr(importlib.import_module(module_name), class_name)
    return cls


def open_channel(name: str, config: Config, env: Environment) -> OpenableChannel:
    """Build the channel `name` (ConfigError when its environment is missing)."""
    return channel_class(name).from_settings(config, env)


def open_previewer(name: str, config: Config, env: Environment) -> Previews:
    """What renders channel `name`'s digests without sending them."""
    return channel_class(name).previewer(config, env)


def channel_settings(config: Config, name: str) -> Any:
    """The config section of channel `name`: digest_time, send_empty_digest and its own."""
    return getattr(config, CHANNELS[name].section)


def digest_zone(config: Config, name: str) -> ZoneInfo:
    """The zone of a channel's digest days: its own `timezone` if set, else [watcher]'s."""
    zone = getattr(channel_settings(config, name), "timezone", "")
    return ZoneInfo(zone or config.watcher.timezone)
