"""The e-mail channel: digests (and alerts) as multipart messages over SMTP.

smtplib blocks, so every SMTP conversation runs in a worker thread (asyncio.to_thread) and the
event loop keeps serving the bot and the scheduler. One connection is opened on the first send
and reused for the rest of a drain; any failure drops it, so the next message starts clean.

SMTP answers map onto the outbox's rules: 4xx and network trouble are transient (retried with
backoff), a 5xx for the recipient or the message is permanent (the subscriber is paused with the
server's reason). A refused login or sender is neither: it is the operator's to fix, so it stops
the drain with one clear line instead of pausing every subscriber in turn.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import logging
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from types import TracebackType
from urllib.parse import quote
from zoneinfo import ZoneInfo

from watcher.channels.digest import Digest, group_items, local_day
from watcher.channels.email.render import (
    EmailRenderer,
    NameLookup,
    RenderedEmail,
    build_message,
)
from watcher.channels.email.unsubscribe import OneClick
from watcher.channels.outbox import PartsRecorder, no_parts_recorder
from watcher.channels.rendered import Rendered
from watcher.classify import Gazetteer, default_gazetteer_dir, load_gazetteer
from watcher.core.config import Config, Environment
from watcher.core.errors import (
    ChannelError,
    ConfigError,
    DeliveryError,
    InputError,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from watcher.match.subscriptions import Subscriber
from watcher.store import OutboxRow, StoredItem

__all__ = ["DEFAULT_PORTS", "EmailChannel", "SmtpSettings", "email_zone", "gazetteer_names"]

log = logging.getLogger(__name__)

_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str = "none"  # "none" | "starttls" | "ssl"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    max_message_bytes: int = 5_000_000
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


class EmailChannel:
    """A Channel (watcher.channels.outbox) that sends through one SMTP server."""

    name = "email"

    def __init__(
        self,
        smtp: SmtpSettings,
        renderer: EmailRenderer,
        *,
        sender: str,
        unsubscribe: str,
        tz: ZoneInfo,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        one_click: OneClick | None = None,
    ) -> None:
        self.smtp = smtp
        self.one_click = one_click
        self.renderer = renderer
        self.sender = sender
        self.sender_address = parseaddr(sender)[1]
        self.unsubscribe_template = unsubscribe
        self.tz = tz
        self.clock = clock
        self._client: smtplib.SMTP | None = None
        self._lock = asyncio.Lock()
        self._record_parts: PartsRecorder = no_parts_recorder
        self._refused_limit: int | None = None  # below a size this server refused (552)

    @staticmethod
    def validate_address(text: str) -> str:
        if not _ADDRESS.match(text.strip()):
            raise InputError(f"{text[:80]!r} is not an e-mail address")
        return text.strip()

    @staticmethod
    def shown_address(address: str) -> str:
        return address

    @classmethod
    def from_settings(cls, config: Config, env: Environment) -> EmailChannel:
        if not env.smtp_host:
            raise ConfigError("environment: SMTP_HOST: not set; e-mail needs an SMTP server")
        return cls._built(config, env, env.smtp_host)

    @classmethod
    def previewer(cls, config: Config, env: Environment) -> EmailChannel:
        """The channel as it renders, for `watcher digest --preview`: it connects to nothing,
        so SMTP_HOST may be unset; the rest is checked as for sending."""
        return cls._built(config, env, env.smtp_host or "")

    @classmethod
    def _built(cls, config: Config, env: Environment, host: str) -> EmailChannel:
        sender = _checked_sender(env.smtp_from or config.email.sender)
        if bool(env.smtp_user) != bool(env.smtp_password):
            raise ConfigError("environment: SMTP_USER and SMTP_PASSWORD: set both or neither")
        _check_unsubscribe(config.email.unsubscribe)
        one_click = OneClick.from_settings(config, env)
        smtp = SmtpSettings(
            host=host,
            port=env.smtp_port or DEFAULT_PORTS[env.smtp_tls],
            tls=env.smtp_tls,
            user=env.smtp_user,
            password=env.smtp_password,
            timeout=config.email.timeout_seconds,
            max_message_bytes=config.email.max_message_bytes,
        )
        renderer = EmailRenderer(
            subject=config.email.subject,
            names=gazetteer_names(),
            excerpt_chars=config.email.excerpt_chars,
        )
        return cls(
            smtp,
            renderer,
            sender=sender,
            unsubscribe=config.email.unsubscribe,
            tz=email_zone(config),
            one_click=one_click,
        )

    async def __aenter__(self) -> EmailChannel:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        async with self._lock:
            await asyncio.to_thread(self._disconnect)

    def set_parts_recorder(self, recorder: PartsRecorder) -> None:
        self._record_parts = recorder

    async def send_digest(self, row: OutboxRow, digest: Digest) -> None:
        """One message, or several under the size limit (a retry resumes after the last part
        the server accepted). A server that refuses the first part as too large after DATA
        without having advertised a SIZE (552) has told us its limit is below that part's size:
        the digest is split again under it, and later digests start there."""
        async with self._lock:
            limit = await asyncio.to_thread(self._size_limit, row.subscriber.address)
        accepted = row.parts_sent
        while True:
            messages = self._digest_messages(row, digest, limit)
            try:
                for number, message in enumerate(messages[accepted:], start=accepted + 1):
                    async with self._lock:
                        await asyncio.to_thread(self._deliver, message, row.subscriber.address)
                    accepted = number
                    if number < len(messages):
                        await self._record_parts(row.id, number)
                return
            except MessageTooLarge:
                if accepted > 0:  # parts went out under this split: another would skip items
                    raise
                refused = len(messages[0].as_bytes())
                limit = min(limit, refused - 1)  # every new part is smaller: this ends
                self._refused_limit = min(self._refused_limit or limit, limit)
                log.warning(
                    "SMTP %s refused a %d-byte e-mail as too large (no SIZE advertised):"
                    " splitting the digest under that size",
                    self.smtp.where,
                    refused,
                )

    def _digest_messages(self, row: OutboxRow, digest: Digest, limit: int) -> list[EmailMessage]:
        """The digest in as few messages as keep each under `limit` bytes, as sent."""
        unsubscribe = self.unsubscribe_targets(row.subscriber)
        items, count = digest.items, 1
        while True:
            chunks = _chunks(items, count)
            rendered = [
                self.renderer.digest(
                    dataclasses.replace(digest, sections=group_items(chunk)),
                    unsubscribe=unsubscribe[0],
                )
                for chunk in chunks
            ]
            if len(rendered) > 1:
                rendered = [
                    dataclasses.replace(part, subject=f"{part.subject} ({n}/{len(rendered)})")
                    for n, part in enumerate(rendered, 1)
                ]
            key = f"digest.{row.digest_date}.s{row.subscriber.id}.r{row.id}"
            messages = [
                self._message(part, row, f"{key}.p{n}" if len(rendered) > 1 else key, unsubscribe)
                for n, part in enumerate(rendered, 1)
            ]
            largest = max(len(message.as_bytes()) for message in messages)
            if largest <= limit:
                return messages
            if len(chunks) >= len(items):
                raise DeliveryError(
                    f"digest for {row.subscriber.address}: one item alone is {largest} bytes,"
                    f" over the {limit}-byte limit"
                )
            count = min(len(items), max(count * 2, -(-largest * len(chunks) // limit) + 1))

    def preview_digest(self, subscriber: Subscriber, digest: Digest) -> Rendered:
        """The messages `send_digest` would send (split under the configured size limit, as
        no server is asked for its own): each one's headers and text part, and its HTML."""
        kind = "weekly" if digest.weekly else "digest"
        row = OutboxRow(0, subscriber, kind, "", digest.day.isoformat(), 0)
        messages = self._digest_messages(row, digest, self.smtp.max_message_bytes)
        return Rendered(
            tuple(_headers_and_text(message) for message in messages),
            tuple(_part(message, "html") for message in messages),
        )

    def _size_limit(self, recipient: str) -> int:
        """Runs in a worker thread: the configured cap, or the server's EHLO SIZE if lower."""
        try:
            advertised = self._connection().esmtp_features.get("size", "")
        except (smtplib.SMTPException, OSError) as error:
            self._disconnect()
            raise delivery_error(error, recipient, self.smtp) from error
        server = int(advertised) if advertised.strip().isdigit() else 0
        limit = min(self.smtp.max_message_bytes, server) if server else self.smtp.max_message_bytes
        return min(limit, self._refused_limit or limit)

    async def send_alert(self, row: OutboxRow, item: StoredItem) -> None:
        day = local_day(dt.datetime.fromisoformat(item.first_seen), self.tz)
        digest = Digest(day, row.subscriber, group_items([item]))
        unsubscribe = self.unsubscribe_targets(row.subscriber)
        rendered = self.renderer.alert(item, digest, unsubscribe=unsubscribe[0])
        await self._send(rendered, row, f"alert.{item.hash}.s{row.subscriber.id}", unsubscribe)

    def unsubscribe_for(self, address: str) -> str:
        """The configured [email] unsubscribe target (a mailto: by default)."""
        return self.unsubscribe_template.format(
            sender=self.sender_address, address=quote(address, safe="@")
        )

    def unsubscribe_targets(self, subscriber: Subscriber) -> tuple[str, ...]:
        """List-Unsubscribe's targets, the one the footer shows first: the signed one-click
        link when [serve] public_url is set, then the configured target."""
        configured = self.unsubscribe_for(subscriber.address)
        if self.one_click is None:
            return (configured,)
        return (self.one_click.link(subscriber.id, subscriber.address), configured)

    async def _send(
        self, rendered: RenderedEmail, row: OutboxRow, key: str, unsubscribe: tuple[str, ...]
    ) -> None:
        message = self._message(rendered, row, key, unsubscribe)
        async with self._lock:
            await asyncio.to_thread(self._deliver, message, row.subscriber.address)

    def _message(
        self, rendered: RenderedEmail, row: OutboxRow, key: str, unsubscribe: tuple[str, ...]
    ) -> EmailMessage:
        recipient = row.subscriber.address
        try:
            return build_message(
                rendered,
                sender=self.sender,
                recipient=recipient,
                unsubscribe=unsubscribe,
                message_key=f"thaigov-watcher.{key}",
                now=self.clock(),
                one_click=self.one_click is not None,
            )
        except (ValueError, IndexError) as error:
            raise PermanentDeliveryError(
                f"{recipient!r} is not a usable address: {error}"
            ) from error

    def _deliver(self, message: EmailMessage, recipient: str) -> None:
        """Runs in a worker thread: the whole SMTP conversation for one message."""
        reused = self._client is not None
        try:
            try:
                self._connection().send_message(
                    message, from_addr=self.sender_address, to_addrs=[recipient]
                )
            except smtplib.SMTPServerDisconnected:
                if not reused:
                    raise
                self._disconnect()  # the server dropped an idle connection: one fresh try
                self._connection().send_message(
                    message, from_addr=self.sender_address, to_addrs=[recipient]
                )
        except (smtplib.SMTPException, OSError) as error:
            self._disconnect()
            raise delivery_error(error, recipient, self.smtp) from error
        log.info("e-mail %s sent to %s", message["Message-ID"], recipient)

    def _connection(self) -> smtplib.SMTP:
        if self._client is None:
            self._client = connect(self.smtp)
        return self._client

    def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An SMTP session with TLS as configured and logged in when credentials are set."""
    context = settings.ssl_context or ssl.create_default_context()
    client: smtplib.SMTP
    if settings.tls == "ssl":
        client = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        client.ehlo()
        if settings.tls == "starttls":
            if not client.has_extn("starttls"):
                raise ChannelError(
                    f"SMTP {settings.where} does not offer STARTTLS (SMTP_TLS=starttls);"
                    " refusing to send in clear text"
                )
            client.starttls(context=context)
            client.ehlo()
        if settings.user and settings.password:
            client.login(settings.user, settings.password)
    except BaseException:
        client.close()
        raise
    return client


class MessageTooLarge(DeliveryError):
    """The server refused this message for its size (552): a bare DeliveryError, so this one
    message fails when nothing smaller can be made of it; a digest is split again first."""


def delivery_error(error: Exception, recipient: str, smtp: SmtpSettings) -> DeliveryError:
    """What an SMTP failure means for the outbox (never quoting the password)."""
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return ChannelError(
            f"SMTP {smtp.where} refused the login of {smtp.user!r}: {_reply(error)}"
        )
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return ChannelError(f"SMTP {smtp.where}: {error} (check SMTP_TLS, SMTP_USER)")
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = error.recipients.get(recipient, (451, b"refused"))
        reason = f"SMTP refused {recipient}: {code} {_text(text)}"
        return PermanentDeliveryError(reason) if code >= 500 else TransientDeliveryError(reason)
    if _too_large(error):  # 552 at MAIL FROM (SIZE=) or after DATA: this message only
        assert isinstance(error, smtplib.SMTPResponseException)
        return MessageTooLarge(
            f"SMTP {smtp.where} refused the message as too large: {_reply(error)}"
        )
    if isinstance(error, smtplib.SMTPSenderRefused):
        reason = f"SMTP {smtp.where} refused the sender {error.sender}: {_reply(error)}"
        return ChannelError(reason) if error.smtp_code >= 500 else TransientDeliveryError(reason)
    if isinstance(error, smtplib.SMTPConnectError):
        return TransientDeliveryError(
            f"SMTP {smtp.where} refused the connection: {_reply(error)}", unreachable=True
        )
    if isinstance(error, smtplib.SMTPResponseException):
        reason = f"SMTP {smtp.where} refused the message to {recipient}: {_reply(error)}"
        if error.smtp_code >= 500:
            return PermanentDeliveryError(reason)
        return TransientDeliveryError(reason)
    return TransientDeliveryError(
        f"SMTP {smtp.where} unreachable: {error or type(error).__name__}", unreachable=True
    )


def _too_large(error: Exception) -> bool:
    if not isinstance(error, smtplib.SMTPResponseException):
        return False
    reply = _text(error.smtp_error).lower()
    return error.smtp_code == 552 or (error.smtp_code >= 500 and "size" in reply)


PREVIEW_HEADERS = ("From", "To", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post")


def _headers_and_text(message: EmailMessage) -> str:
    """A message as a person reads it: the headers that matter, then the text part."""
    lines = [f"{name}: {message[name]}" for name in PREVIEW_HEADERS if message[name] is not None]
    return "\n".join(lines) + "\n\n" + _part(message, "plain")


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    return "" if part is None else str(part.get_content())


def _chunks(items: list[StoredItem], count: int) -> list[list[StoredItem]]:
    """`items` in `count` runs of near-equal length, in order (at least one, maybe empty)."""
    size = max(1, -(-len(items) // max(count, 1)))
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def email_zone(config: Config) -> ZoneInfo:
    """The zone of e-mail digest days and times: [email] timezone, else [watcher] timezone."""
    return ZoneInfo(config.email.timezone or config.watcher.timezone)


def gazetteer_names(directory: Path | None = None) -> NameLookup:
    """Country, bloc and ministry names from the classifier's gazetteer, in the reader's lang."""
    gazetteer = _gazetteer(directory or default_gazetteer_dir())
    lookups: dict[str, Callable[[str, str], str]] = {
        "country": gazetteer.country_name,
        "bloc": gazetteer.bloc_name,
        "ministry": gazetteer.ministry_name,
    }

    def names(kind: str, code: str, lang: str) -> str:
        return lookups[kind](code, lang)

    return names


@functools.lru_cache(maxsize=4)
def _gazetteer(directory: Path) -> Gazetteer:
    """Loaded once per process: `watcher run` opens the channel for every drain."""
    return load_gazetteer(directory)


def _checked_sender(sender: str) -> str:
    """SMTP_FROM (or [email] sender) as a From header, refused at start-up when it cannot be."""
    problem = "environment: SMTP_FROM: not set or not an address (nor [email] sender)"
    if not sender or "@" not in parseaddr(sender)[1]:
        raise ConfigError(problem)
    try:
        EmailMessage(policy=policy.SMTP)["From"] = sender
    except (ValueError, IndexError) as error:
        raise ConfigError(f"{problem}: {error}") from error
    return sender.strip()


def _check_unsubscribe(template: str) -> None:
    try:
        template.format(sender="s@example.org", address="a@example.org")
    except (KeyError, IndexError, ValueError) as error:
        raise ConfigError(
            f"email.unsubscribe: bad template {template!r} ({error!s}); fields: {{sender}},"
            " {address}"
        ) from error


def _reply(error: smtplib.SMTPResponseException) -> str:
    return f"{error.smtp_code} {_text(error.smtp_error)}"


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return " ".join(text.split())
