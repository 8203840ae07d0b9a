"""The Telegram channel: sends alerts and digests through python-telegram-bot, paced.

Telegram allows about 30 messages a second overall and one a second per chat; `ChatPacer`
keeps to both (it is PTB's rate limiter, so command replies of the bot share the budget), and
PTB's errors become the outbox's vocabulary: 429 → TransientDeliveryError(retry_after),
403 or "chat not found" → PermanentDeliveryError, a refused markup → the same message again as
plain text once, network trouble → TransientDeliveryError. The token never appears in a message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import re
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from types import TracebackType
from typing import Any, Self

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter, ExtBot
from telegram.request import HTTPXRequest

from watcher.channels.digest import Digest
from watcher.channels.outbox import PartsRecorder, no_parts_recorder
from watcher.channels.rendered import TextPreviewer
from watcher.channels.telegram.render import Message, Names, TelegramRenderer, Terms
from watcher.core.config import Config, Environment
from watcher.core.errors import (
    ConfigError,
    DeliveryError,
    InputError,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from watcher.core.logs import add_secrets, redact
from watcher.store import OutboxRow, StoredItem

__all__ = ["ChatPacer", "TelegramChannel", "delivery_error", "keyboard", "make_bot"]

# Opt in to PTB's timedelta durations now, so RetryAfter does not warn on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "true")

log = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs request URLs, token included

_PACED_ENDPOINTS = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText"}
_PERMANENT_BAD_REQUESTS = ("chat not found", "user is deactivated", "bot was kicked")
_PARSE_ERROR = "can't parse entities"
_CHAT_ID = re.compile(r"^-?\d{1,20}$")


class ChatPacer(BaseRateLimiter[None]):
    """At most `per_second` sends overall, and `per_chat_interval` seconds between two sends
    to one chat. Slots are taken in order of readiness, so a chat that must wait does not hold
    up the others; PTB calls `process_request` around every request of the bot."""

    def __init__(
        self,
        per_second: float = 30.0,
        per_chat_interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.per_chat_interval = per_chat_interval
        self.clock = clock
        self.sleep = sleep
        self._next_send = 0.0
        self._next_for_chat: dict[str, float] = {}
        self._chat_locks: dict[str, asyncio.Lock] = {}

    async def initialize(self) -> None:
        """Nothing to open: the pacer is plain bookkeeping."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def wait(self, chat_id: object) -> float:
        """Wait for a send slot to `chat_id`; returns the clock time of the slot."""
        chat = str(chat_id)
        lock = self._chat_locks.setdefault(chat, asyncio.Lock())
        async with lock:
            chat_ready = self._next_for_chat.get(chat, 0.0)
            await self._sleep_until(chat_ready)
            slot = max(self.clock(), self._next_send, chat_ready)
            self._next_send = slot + self.interval
            await self._sleep_until(slot)
            self._next_for_chat[chat] = slot + self.per_chat_interval
        if not lock.locked() and len(self._chat_locks) > 10_000:
            self._forget_idle()
        return slot

    async def _sleep_until(self, moment: float) -> None:
        delay = moment - self.clock()
        if delay > 0:
            await self.sleep(delay)

    def _forget_idle(self) -> None:
        now = self.clock()
        for chat, next_time in list(self._next_for_chat.items()):
            lock = self._chat_locks.get(chat)
            if next_time <= now and (lock is None or not lock.locked()):
                self._next_for_chat.pop(chat, None)
                self._chat_locks.pop(chat, None)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> Any:
        if endpoint in _PACED_ENDPOINTS and "chat_id" in data:
            await self.wait(data["chat_id"])
        return await callback(*args, **kwargs)


def make_bot(
    token: str, base_url: str | None, pacer: ChatPacer, *, pool_size: int = 64
) -> ExtBot[None]:
    """The one way a bot is built: paced, and pointed at TELEGRAM_API_BASE_URL when set."""
    add_secrets([token])  # the log redactor masks it in PTB's and httpx's records
    request = HTTPXRequest(connection_pool_size=pool_size, read_timeout=15.0)
    return ExtBot(
        token,
        base_url=base_url or "https://api.telegram.org/bot",
        request=request,
        rate_limiter=pacer,
    )


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def delivery_error(error: TelegramError, *, plain_text: bool = False) -> Exception:
    """PTB's error → the outbox's: Transient (retry), Permanent (pause) or DeliveryError (this
    one message can never go: marked failed)."""
    text = redact(error.message)
    if isinstance(error, RetryAfter):
        return TransientDeliveryError(
            text, retry_after=retry_after_seconds(error), plain_text=plain_text
        )
    if isinstance(error, Forbidden):
        return PermanentDeliveryError(text)
    if isinstance(error, BadRequest):
        if any(marker in text.lower() for marker in _PERMANENT_BAD_REQUESTS):
            return PermanentDeliveryError(text)
        return DeliveryError(f"Telegram refused the message: {text}")
    unreachable = isinstance(error, NetworkError)  # no answer at all (BadRequest is above)
    return TransientDeliveryError(text, plain_text=plain_text, unreachable=unreachable)


class TelegramChannel:
    """Channel "telegram" of the outbox; `async with` initializes the bot it owns."""

    name = "telegram"

    def __init__(
        self,
        bot: Bot,
        renderer: TelegramRenderer,
        *,
        owns_bot: bool = True,
        concurrency: int = 32,
    ) -> None:
        self.bot = bot
        self.renderer = renderer
        self.owns_bot = owns_bot
        self.concurrency = concurrency
        self._record_parts: PartsRecorder = no_parts_recorder

    @staticmethod
    def validate_address(text: str) -> str:
        """A chat id: an integer, negative for groups."""
        if not _CHAT_ID.match(text.strip()):
            raise InputError(f"{text[:40]!r} is not a Telegram chat id")
        return text.strip()

    @staticmethod
    def shown_address(address: str) -> str:
        return address

    @classmethod
    def from_settings(
        cls, config: Config, env: Environment, names: Names | None = None
    ) -> TelegramChannel:
        if not env.telegram_token:
            raise ConfigError("environment: TELEGRAM_BOT_TOKEN: not set")
        settings = config.telegram
        pacer = ChatPacer(settings.messages_per_second, settings.per_chat_interval)
        bot = make_bot(env.telegram_token, env.telegram_base_url, pacer)
        return cls(bot, TelegramRenderer(names or load_names()))

    @classmethod
    def previewer(cls, config: Config, env: Environment) -> TextPreviewer:
        """Digests as this channel renders them, for `watcher digest --preview`: no bot, so
        no token needed; each message as its plain text."""
        return TextPreviewer(TelegramRenderer(load_names()))

    async def __aenter__(self) -> Self:
        if self.owns_bot:
            try:
                await self.bot.initialize()
            except TelegramError as error:
                message = redact(error.message)
                raise ConfigError(f"Telegram: cannot reach the Bot API: {message}") from error
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.owns_bot:
            await self.bot.shutdown()

    def set_parts_recorder(self, recorder: PartsRecorder) -> None:
        self._record_parts = recorder

    async def send_alert(self, row: OutboxRow, item: StoredItem) -> None:
        message = self.renderer.alert(item, row.subscriber)
        await self.deliver(row.subscriber.address, message, plain=row.plain_text, silent=row.silent)

    async def send_digest(self, row: OutboxRow, digest: Digest) -> None:
        parts = self.renderer.digest(digest)
        for number, message in enumerate(parts[row.parts_sent :], start=row.parts_sent + 1):
            await self.deliver(row.subscriber.address, message, plain=row.plain_text)
            if number < len(parts):
                await self._record_parts(row.id, number)

    async def send_text(self, chat_id: str | int, text: str) -> None:
        """A plain message outside the outbox (admin health alerts)."""
        await self.deliver(chat_id, Message(text, text), plain=True)

    async def deliver(
        self, chat_id: str | int, message: Message, *, plain: bool = False, silent: bool = False
    ) -> None:
        """Send one message; HTML unless `plain`, and plain once more if Telegram refuses the
        markup; without a sound when `silent`. Raises a DeliveryError subclass when Telegram
        does not accept it."""
        markup = keyboard(message)
        try:
            text = message.plain if plain else message.html
            await self._send(chat_id, text, not plain, silent, markup)
        except BadRequest as error:
            if plain or _PARSE_ERROR not in error.message.lower():
                raise delivery_error(error) from error
            log.warning("chat %s refused the HTML of a message; resending as plain text", chat_id)
            try:
                await self._send(chat_id, message.plain, False, silent, markup)
            except TelegramError as again:
                raise delivery_error(again, plain_text=True) from again
        except TelegramError as error:
            raise delivery_error(error) from error

    async def _send(
        self,
        chat_id: str | int,
        text: str,
        html: bool,
        silent: bool = False,
        markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        await self.bot.send_message(
            chat_id=chat_id,
            text=text,
            parse_mode="HTML" if html else None,
            disable_notification=silent,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=markup,
        )


def keyboard(message: Message) -> InlineKeyboardMarkup | None:
    """A message's buttons as Telegram's inline keyboard (None when it has none)."""
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
         for row in message.buttons]
    )  # fmt: skip


def load_names() -> Terms:
    """The classifier's gazetteer: the names of codes in Thai and English, and user terms."""
    from watcher.classify import default_gazetteer_dir, load_gazetteer

    gazetteer: Terms = load_gazetteer(default_gazetteer_dir())
    return gazetteer
