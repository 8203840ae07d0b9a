"""The registry of channels, by the name subscribers carry ("telegram", "email").

Each channel module is imported only when used, so commands that never send import neither
python-telegram-bot nor smtplib machinery.
"""

from __future__ import annotations

import importlib
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from watcher.config import Config, Environment
from watcher.notify.outbox import Channel

__all__ = ["CHANNEL_CLASSES", "OpenableChannel", "open_channel"]

CHANNEL_CLASSES = {
    "telegram": "watcher.notify.telegram:TelegramChannel",
    "email": "watcher.notify.email:EmailChannel",
}


class OpenableChannel(Channel, AbstractAsyncContextManager["OpenableChannel"], Protocol):
    """A channel built from settings; `async with` opens and closes its connection."""


class _ChannelClass(Protocol):
    def from_settings(self, config: Config, env: Environment) -> OpenableChannel: ...


def open_channel(name: str, config: Config, env: Environment) -> OpenableChannel:
    """Build the channel `name` (ConfigError when its environment is missing)."""
    module_name, class_name = CHANNEL_CLASSES[name].split(":")
    cls: _ChannelClass = getattr(importlib.import_module(module_name), class_name)
    return cls.from_settings(config, env)
