"""A digest as a channel would send it, for `watcher digest --preview`: each channel class's
`previewer(config, env)` returns a `Previews`, which renders with the channel's own renderer
and sends nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from watcher.channels.digest import Digest
from watcher.match.subscriptions import Subscriber

__all__ = ["Previews", "Rendered", "TextPreviewer"]


@dataclass(frozen=True)
class Rendered:
    """One digest as it would go: each message's text, and e-mail's HTML parts."""

    texts: tuple[str, ...]
    html: tuple[str, ...] = ()


class Previews(Protocol):
    def preview_digest(self, subscriber: Subscriber, digest: Digest) -> Rendered: ...


class _Plain(Protocol):
    @property
    def plain(self) -> str: ...


class _TextRenderer(Protocol):
    def digest(self, digest: Digest) -> Sequence[_Plain]: ...


class TextPreviewer:
    """A channel whose digests are text messages (Telegram, Apprise): each as plain text."""

    def __init__(self, renderer: _TextRenderer) -> None:
        self.renderer = renderer

    def preview_digest(self, subscriber: Subscriber, digest: Digest) -> Rendered:
        return Rendered(tuple(message.plain for message in self.renderer.digest(digest)))
