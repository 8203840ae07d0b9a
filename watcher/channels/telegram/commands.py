"""The Telegram bot's commands: people manage their own subscriptions from the chat.

`BotCommands` holds the logic as plain functions of (chat, words) → replies, so it is tested
without Telegram; `build_application` wires it into python-telegram-bot's Application, whose
long polling runs on the daemon's event loop (it gets no JobQueue: the daemon's one APScheduler
runs every timed job). Replies go out through the Telegram channel, paced like alerts. A
command's answer reads and writes the store, so it is worked out off the event loop.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from watcher.channels.telegram.chat import ChatRequest, Reply
from watcher.channels.telegram.manage import ManageCommands
from watcher.channels.telegram.render import Message
from watcher.channels.telegram.send import TelegramChannel, keyboard
from watcher.core.errors import DeliveryError, InputError
from watcher.match.subscriptions import Subscriber
from watcher.query import search as query
from watcher.store import ItemFilter, StoredItem, off_loop

__all__ = ["COMMANDS", "MAX_INPUT", "BotCommands", "ChatRequest", "build_application"]

log = logging.getLogger(__name__)

MAX_INPUT = 500  # characters; longer messages get a one-line refusal
MAX_LISTED = 20
SCAN_LIMIT = 5000  # newest items looked at by /latest and /search
COMMANDS = (
    "start", "help", "lang", "subscribe", "preview", "unsubscribe", "list", "pause", "resume",
    "mode", "digest_time", "weekly", "quiet", "latest", "search", "stats",
)  # fmt: skip


class BotCommands(ManageCommands):
    """Every command: the chat's own alerts (ManageCommands), then help, search and stats."""

    # --- the commands ---------------------------------------------------------------------

    def help(self, request: ChatRequest) -> Reply:
        text = self.renderer.help_text(request.lang)
        return [Message(html.escape(text), text)]

    def start(self, request: ChatRequest) -> Reply:
        """The help, then the chat's id: what `watcher subscribers add --telegram` needs."""
        text = self.renderer.help_text(request.lang) + "\n\n"
        text += self.renderer.phrase("chat_id", request.lang, chat_id=request.chat_id)
        return [Message(html.escape(text), text)]

    def lang(self, request: ChatRequest) -> Reply:
        if len(request.words) != 1 or request.words[0].lower() not in ("th", "en"):
            return self.say(request, "lang_usage")
        subscriber = self._subscriber(request)
        self.store.update_subscriber(subscriber.id, lang=request.words[0].lower())
        return self.say(self.request(request.chat_id, ""), "lang_set")

    def latest(self, request: ChatRequest) -> Reply:
        everything = any(w.lower() == "all" for w in request.words)
        numbers = [w for w in request.words if w.isdigit()]
        count = min(int(numbers[0]), MAX_LISTED) if numbers else 5
        recent = query.items(self.store, ItemFilter(limit=SCAN_LIMIT))
        items = self._matching(request, everything, recent, max(count, 1))
        if items is None:
            return self.say(request, "needs_subscription")
        heading = self.renderer.phrase("latest_heading", request.lang, count=len(items))
        return (
            self.renderer.item_list(heading, items, request.lang)
            if items
            else self.say(request, "nothing_found")
        )

    def search(self, request: ChatRequest) -> Reply:
        """Full-text search (the CLI's query layer), ranked, then the chat's subscriptions."""
        everything = any(w.lower() == "all" for w in request.words)
        words = [w for w in request.words if w.lower() != "all"]
        if not words:
            return self.say(request, "search_usage")
        text = " ".join(words)
        try:
            hits = query.search(self.store, text, ItemFilter(limit=SCAN_LIMIT))
        except InputError:
            return self.say(request, "search_usage")
        items = self._matching(request, everything, (hit.item for hit in hits), MAX_LISTED)
        if items is None:
            return self.say(request, "needs_subscription")
        if not items:
            return self.say(request, "nothing_found")
        heading = self.renderer.phrase(
            "search_heading", request.lang, query=text[:60], count=len(items)
        )
        return self.renderer.item_list(heading, items, request.lang)

    def _matching(
        self,
        request: ChatRequest,
        everything: bool,
        candidates: Iterable[StoredItem],
        count: int,
    ) -> list[StoredItem] | None:
        """The first `count` candidates the chat's subscriptions want (None: it has none)."""
        subscriber = request.subscriber
        if not everything and (subscriber is None or not subscriber.subscriptions):
            return None
        found: list[StoredItem] = []
        for item in candidates:
            if everything or _matches(subscriber, item):
                found.append(item)
                if len(found) == count:
                    break
        return found

    def stats(self, request: ChatRequest) -> Reply:
        if int(request.chat_id) not in self.settings.admin_chat_ids:
            return self.say(request, "admin_only")
        subscribers = self.store.subscribers()
        text = self.renderer.text(
            "stats.txt",
            items=self.store.count_items(),
            subscribers=len(subscribers),
            paused=sum(1 for s in subscribers if s.paused_reason),
            outbox=", ".join(f"{n} {k}" for k, n in sorted(self.store.outbox_counts().items())),
            sources=self.store.all_source_states(),
        )
        return [Message(html.escape(text), text)]

    def answer(self, command: str, chat_id: int | str, text: str) -> Reply:
        """The reply to one message (any command; too long or unknown → a short line)."""
        request = self.request(chat_id, text)
        if len(text) > MAX_INPUT:
            return self.say(request, "too_long", limit=MAX_INPUT)
        method = {"list": "list_subscriptions"}.get(command, command)
        if command not in COMMANDS:
            return self.help(request)
        reply: Reply = getattr(self, method)(request)
        return reply


def _matches(subscriber: Subscriber | None, item: StoredItem) -> bool:
    return subscriber is not None and subscriber.matches(
        item.countries, item.blocs, item.ministries, item.lead_ministry
    )


def build_application(
    bot: ExtBot[None], commands: BotCommands, channel: TelegramChannel
) -> Application:
    """PTB's Application on `bot`, without a JobQueue; start its polling with `start_bot`."""
    application = Application.builder().bot(bot).job_queue(None).build()
    for name in COMMANDS:
        application.add_handler(CommandHandler(name, _callback(name, commands, channel)))
    application.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND, _callback("help", commands, channel))
    )
    application.add_handler(CallbackQueryHandler(_pressed(commands)))
    application.add_error_handler(_log_error)
    return application


def _callback(
    command: str, commands: BotCommands, channel: TelegramChannel
) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer one command in the chat it came from."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or message.text is None:
            return
        replies = await off_loop(commands.answer, command, chat.id, message.text)
        for reply in replies:
            try:
                await channel.deliver(chat.id, reply)
            except DeliveryError as error:
                log.warning("reply to chat %s failed: %s", chat.id, error)
                return

    return callback


def _pressed(
    commands: BotCommands,
) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Apply a /list button: answer the press, then show the subscription's new state."""
        press, chat = update.callback_query, update.effective_chat
        if press is None or chat is None:
            return
        outcome = await off_loop(commands.press, chat.id, press.data or "")
        try:  # a press answered late (Telegram allows ~15 s) still shows its change below
            await press.answer(outcome.notice)
        except TelegramError as error:
            log.warning("answering a button in chat %s failed: %s", chat.id, error)
        if outcome.edited is None or press.message is None:
            return
        try:
            await press.edit_message_text(
                outcome.edited.html, parse_mode="HTML", reply_markup=keyboard(outcome.edited)
            )
        except TelegramError as error:
            log.warning("editing the /list message in chat %s failed: %s", chat.id, error)

    return pressed


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log what a handler raised, with its traceback; the bot keeps running."""
    log.error("bot handler failed", exc_info=context.error)
