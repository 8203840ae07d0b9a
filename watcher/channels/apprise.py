"""The Apprise channel: `--notify URL` subscribers on LINE, Slack, Discord, Teams, Matrix,
generic JSON/form webhooks and the other services Apprise knows.

Messages carry the same content as Telegram's (the Telegram renderer's plain text: alerts
with the evidence, digests grouped and split at item boundaries). A subscriber's URL holds
its credentials, so it is a secret: registered with the log redactor before any send, never
put in an error text, shown masked in `subscribers list` (`shown_address`).

Apprise answers a send with True/False and says why only in its log, so each send runs under
an `apprise.LogCapture` and the captured lines are read for the HTTP status or the connection
failure (sends are serialised for that reason). The mapping onto the outbox's three kinds:
429, 5xx, timeouts and connection errors are transient (retried with backoff, and the
subscriber paused after [notify] pause_after_failures tries in a row); any other refusal by the
service (401, 403, 404…) is permanent for this subscriber (paused); a service Apprise cannot
use at all here (a plugin whose dependency is missing) is the channel being down for it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from types import TracebackType
from typing import Self
from urllib.parse import parse_qsl, urlsplit

import apprise

from watcher.channels.digest import Digest
from watcher.channels.outbox import PartsRecorder, no_parts_recorder
from watcher.channels.rendered import TextPreviewer
from watcher.channels.telegram.render import Message, Names, TelegramRenderer
from watcher.core.config import Config, Environment
from watcher.core.errors import (
    ChannelError,
    InputError,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from watcher.core.logs import add_secrets
from watcher.core.redaction import MIN_SECRET
from watcher.store import OutboxRow, StoredItem

__all__ = ["AppriseChannel", "notify_error", "url_secrets"]

log = logging.getLogger(__name__)

_STATUS = re.compile(r"error=(\d{3})")
_CONNECTION = ("connection error", "socket exception", "timed out", "timeout")
_SECRET_PART = MIN_SECRET  # any part the redactor can mask: a 4-character path segment
# showed in Apprise's DEBUG log (issue 27); a common word there ("hook") is masked too
_MIN_REST = 4  # "slack://" alone is no secret, and masking it would hide the service name


def url_secrets(url: str) -> list[str]:
    """The URL and the parts of it that may be credentials, for the log redactor."""
    parts = urlsplit(url)
    rest = url.split("://", 1)[1] if "://" in url else url
    found = [url if len(rest) >= _MIN_REST else "", parts.password or "", parts.username or ""]
    # as Apprise and urllib3 log the request: "http://host:port/path", "POST /path HTTP/1.1"
    found += [parts.path, f"{parts.netloc.rsplit('@', 1)[-1]}{parts.path}"] if parts.path else []
    found += [segment for segment in parts.path.split("/") if len(segment) >= _SECRET_PART]
    found += [value for _, value in parse_qsl(parts.query) if len(value) >= _SECRET_PART]
    if "://" in url:  # services like discord://ID/TOKEN put tokens in the "host" too
        found += [p for p in url.split("://", 1)[1].split("/") if len(p) >= _SECRET_PART]
    return [part for part in found if part]


def notify_error(service: str, captured: str) -> Exception:
    """What Apprise's log says about a failed send, as the outbox's error kind."""
    text = captured.lower()
    status = _STATUS.findall(captured)
    if status:
        code = int(status[-1])
        reason = f"{service} service answered HTTP {code}"
        if code == 429 or code >= 500:
            return TransientDeliveryError(reason)
        return PermanentDeliveryError(reason)
    if any(marker in text for marker in _CONNECTION):
        return TransientDeliveryError(f"{service} service unreachable or too slow")
    return TransientDeliveryError(f"{service} service did not accept the message")


class AppriseChannel:
    """Channel "apprise" of the outbox; one Apprise plugin per send, built from the URL."""

    name = "apprise"
    concurrency = 1  # sends are read back from Apprise's log, one at a time

    def __init__(
        self,
        renderer: TelegramRenderer,
        *,
        timeout: float = 10.0,
        pause_after: int = 5,
    ) -> None:
        self.renderer = renderer
        self.timeout = timeout
        self.pause_after = pause_after
        self._lock = asyncio.Lock()
        self._record_parts: PartsRecorder = no_parts_recorder

    # --- what the registry asks of every channel ------------------------------------------

    @staticmethod
    def validate_address(text: str) -> str:
        """An Apprise URL it can use, or InputError in one line that does not quote it."""
        url = text.strip()
        add_secrets(url_secrets(url))
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        if not scheme:
            raise InputError("not a URL (expected SERVICE://…, e.g. json://host/path)")
        if scheme not in _known_schemes():
            raise InputError(f"unknown Apprise service {scheme[:20]!r}")
        if apprise.Apprise.instantiate(url) is None:
            raise InputError(f"malformed {scheme}:// URL (see the Apprise wiki)")
        return url

    @staticmethod
    def shown_address(address: str) -> str:
        """The service and a fingerprint: enough to tell subscribers apart, nothing to use."""
        scheme = address.split("://", 1)[0] if "://" in address else "?"
        digest = hashlib.sha256(address.encode("utf-8")).hexdigest()[:8]
        return f"{scheme}://*** ({digest})"

    @classmethod
    def from_settings(cls, config: Config, env: Environment, names: Names | None = None) -> Self:
        from watcher.classify import default_gazetteer_dir, load_gazetteer

        renderer = TelegramRenderer(names or load_gazetteer(default_gazetteer_dir()))
        settings = config.notify
        return cls(
            renderer, timeout=settings.timeout_seconds, pause_after=settings.pause_after_failures
        )

    @classmethod
    def previewer(cls, config: Config, env: Environment) -> TextPreviewer:
        """Digests as this channel sends them (plain text), for `watcher digest --preview`."""
        from watcher.classify import default_gazetteer_dir, load_gazetteer

        return TextPreviewer(TelegramRenderer(load_gazetteer(default_gazetteer_dir())))

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Nothing held open: each send builds its plugin."""

    def set_parts_recorder(self, recorder: PartsRecorder) -> None:
        self._record_parts = recorder

    # --- sending --------------------------------------------------------------------------

    async def send_alert(self, row: OutboxRow, item: StoredItem) -> None:
        message = self.renderer.alert(item, row.subscriber)
        await self.deliver(row.subscriber.address, message)

    async def send_digest(self, row: OutboxRow, digest: Digest) -> None:
        parts = self.renderer.digest(digest)
        for number, message in enumerate(parts[row.parts_sent :], start=row.parts_sent + 1):
            await self.deliver(row.subscriber.address, message)
            if number < len(parts):
                await self._record_parts(row.id, number)

    async def deliver(self, url: str, message: Message) -> None:
        add_secrets(url_secrets(url))
        async with self._lock:
            await asyncio.to_thread(self._notify, url, message.plain)

    def _notify(self, url: str, text: str) -> None:
        """Runs in a worker thread: one send, its failure read from Apprise's log."""
        plugin = apprise.Apprise.instantiate(url)
        scheme = url.split("://", 1)[0].lower() if "://" in url else "?"
        if plugin is None:
            raise PermanentDeliveryError(f"{scheme}: the stored URL is no longer usable")
        if not plugin.enabled:
            raise ChannelError(f"{scheme}: Apprise cannot use this service here (disabled)")
        plugin.socket_connect_timeout = self.timeout
        plugin.socket_read_timeout = self.timeout
        title, _, body = text.partition("\n")
        with apprise.LogCapture(level=logging.DEBUG) as captured:
            sent = plugin.notify(body=body or title, title=title if body else "")
        if not sent:
            raise notify_error(scheme, captured.getvalue())


def _known_schemes() -> set[str]:
    schemes: set[str] = set()
    for details in apprise.Apprise().details()["schemas"]:
        for key in ("protocols", "secure_protocols"):
            value = details.get(key) or ()
            schemes |= {value} if isinstance(value, str) else set(value)
    return {scheme.lower() for scheme in schemes}
