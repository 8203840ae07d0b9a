"""The Telegram bot's commands: people manage their own subscriptions from the chat.

`BotCommands` holds the logic as plain functions of (chat, words) → replies, so it is tested
without Telegram; `build_application` wires it into python-telegram-bot's Application, whose
long polling runs on the daemon's event loop (it gets no JobQueue: the daemon's one APScheduler
runs every timed job). Replies go out through the Telegram channel, paced like alerts. A
command's answer reads and writes the store, so it is worked out off the event loop.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, ExtBot, MessageHandler, filters

from watcher.channels.telegram.render import Message, TelegramRenderer, Terms
from watcher.channels.telegram.send import TelegramChannel
from watcher.core.config import TelegramSettings, time_of_day
from watcher.core.errors import DeliveryError, InputError
from watcher.match.subscriptions import MODES, Subscriber, Subscription
from watcher.query import search as query
from watcher.store import ItemFilter, Store, StoredItem, off_loop

__all__ = ["MAX_INPUT", "BotCommands", "ChatRequest", "build_application"]

log = logging.getLogger(__name__)

MAX_INPUT = 500  # characters; longer messages get a one-line refusal
MAX_TERMS = 10
LEAD_WORDS = frozenset(["lead", "นำ"])  # `/subscribe industry lead`: the ministry must lead
LEAD_SUFFIX = {"en": " (lead ministry only)", "th": " (เฉพาะข่าวที่เป็นหน่วยงานหลัก)"}
MAX_LISTED = 20
SCAN_LIMIT = 5000  # newest items looked at by /latest and /search
COMMANDS = (
    "start", "help", "lang", "subscribe", "unsubscribe", "list", "mode", "digest_time",
    "latest", "search", "stats",
)  # fmt: skip


@dataclass(frozen=True)
class ChatRequest:
    chat_id: str
    words: tuple[str, ...]  # the command's arguments
    subscriber: Subscriber | None

    @property
    def lang(self) -> str:
        return self.subscriber.lang if self.subscriber else "th"


Reply = list[Message]


class BotCommands:
    def __init__(
        self,
        store: Store,
        terms: Terms,
        renderer: TelegramRenderer,
        settings: TelegramSettings,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.store = store
        self.terms = terms
        self.renderer = renderer
        self.settings = settings
        self.clock = clock

    def request(self, chat_id: int | str, text: str) -> ChatRequest:
        chat = str(chat_id)
        return ChatRequest(
            chat, tuple(text.split()[1:]), self.store.find_subscriber("telegram", chat)
        )

    def say(self, request: ChatRequest, key: str, **fields: object) -> Reply:
        text = self.renderer.phrase(key, request.lang, **fields)
        return [Message(html.escape(text), text)]

    def _subscriber(self, request: ChatRequest) -> Subscriber:
        """The chat's subscriber, created on first need; a chat that writes to us is reachable,
        so a pause (it had blocked the bot) ends here."""
        found = request.subscriber
        if found is None:
            found = self.store.add_subscriber("telegram", request.chat_id, at=self.clock())
        elif found.paused_reason is not None:
            self.store.update_subscriber(found.id, paused_reason=None)
            log.info("subscriber telegram:%s resumed: the chat wrote to the bot", found.id)
        return found

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

    def subscribe(self, request: ChatRequest) -> Reply:
        if not request.words:
            return self.say(request, "subscribe_usage")
        if len(request.words) > MAX_TERMS:
            return self.say(request, "too_many_terms", limit=MAX_TERMS)
        subscription, unknown = self.parse_terms(request.words)
        if unknown:
            return self.say(request, "unknown_terms", terms=", ".join(unknown))
        subscriber = self._subscriber(request)
        if subscription in [_bare(s) for s in subscriber.subscriptions]:
            number = [_bare(s) for s in subscriber.subscriptions].index(subscription) + 1
        elif len(subscriber.subscriptions) >= self.settings.max_subscriptions:
            return self.say(
                request, "too_many_subscriptions", limit=self.settings.max_subscriptions
            )
        else:
            self.store.add_subscription(subscriber.id, subscription)
            number = len(subscriber.subscriptions) + 1
        return self.say(
            request, "subscribed", number=number, terms=self.describe(subscription, request.lang)
        )

    def parse_terms(self, words: Iterable[str]) -> tuple[Subscription, list[str]]:
        """Words → a subscription; names of several words ("South Korea") are tried first.

        `lead` (or นำ) after ministries asks for items those ministries lead, not every item
        that lists them (a cabinet round-up names twenty ministries).
        """
        tokens = list(words)
        if [t.lower() for t in tokens] == ["all"]:
            return Subscription(everything=True), []
        lead_only = any(t.lower() in LEAD_WORDS for t in tokens)
        tokens = [t for t in tokens if t.lower() not in LEAD_WORDS]
        found: dict[str, set[str]] = {"country": set(), "bloc": set(), "ministry": set()}
        unknown: list[str] = []
        index = 0
        while index < len(tokens):
            for size in (3, 2, 1):
                resolved = self.terms.resolve_term(" ".join(tokens[index : index + size]))
                if resolved is not None and index + size <= len(tokens):
                    found[resolved[0]].add(resolved[1])
                    index += size
                    break
            else:
                unknown.append(self._with_closest(tokens[index][:40]))
                index += 1
        subscription = Subscription(
            countries=tuple(sorted(found["country"])),
            blocs=tuple(sorted(found["bloc"])),
            ministries=tuple(sorted(found["ministry"])),
            lead_only=lead_only,
        )
        if lead_only and not found["ministry"]:
            unknown.append("lead")
        return subscription, unknown

    def _with_closest(self, word: str) -> str:
        """An unknown word with what it probably meant (difflib): "JPN (JP?)"."""
        closest = self.terms.closest(word)
        return f"{word} ({' / '.join(closest)}?)" if closest else word

    def describe(self, subscription: Subscription, lang: str) -> str:
        if subscription.everything:
            return "all"
        names = [f"{c} {self.terms.country_name(c, lang)}" for c in subscription.countries]
        names += [self.terms.bloc_name(b, lang) for b in subscription.blocs]
        partners = " / ".join(names)
        ministries = " / ".join(self.terms.ministry_name(m, lang) for m in subscription.ministries)
        if ministries and subscription.lead_only:
            ministries += LEAD_SUFFIX[lang] if lang in LEAD_SUFFIX else LEAD_SUFFIX["en"]
        return " + ".join(part for part in (partners, ministries) if part)

    def unsubscribe(self, request: ChatRequest) -> Reply:
        subscriber = request.subscriber
        if len(request.words) != 1:
            return self.say(request, "unsubscribe_usage")
        word = request.words[0].lower()
        if subscriber is None:
            return self.say(request, "list_empty")
        if word == "all":
            count = self.store.remove_subscription(subscriber.id, None)
            return self.say(request, "unsubscribed", count=count)
        if not word.isdigit():
            return self.say(request, "unsubscribe_usage")
        number = int(word)
        if not 1 <= number <= len(subscriber.subscriptions):
            return self.say(request, "no_such_subscription", number=number)
        count = self.store.remove_subscription(
            subscriber.id, subscriber.subscriptions[number - 1].id
        )
        return self.say(request, "unsubscribed", count=count)

    def list_subscriptions(self, request: ChatRequest) -> Reply:
        subscriber = request.subscriber
        if subscriber is None or not subscriber.subscriptions:
            return self.say(request, "list_empty")
        lines = [
            self.renderer.phrase(
                "list_heading",
                request.lang,
                mode=subscriber.mode,
                digest_time=subscriber.digest_time or self.settings.digest_time,
            )
        ]
        lines += [
            f"{n}. {self.describe(s, request.lang)}"
            for n, s in enumerate(subscriber.subscriptions, 1)
        ]
        if subscriber.paused_reason:
            lines.append(
                self.renderer.phrase("paused", request.lang, reason=subscriber.paused_reason)
            )
        text = "\n".join(lines)
        return [Message(html.escape(text), text)]

    def mode(self, request: ChatRequest) -> Reply:
        if len(request.words) != 1 or request.words[0].lower() not in MODES:
            return self.say(request, "mode_usage")
        subscriber = self._subscriber(request)
        self.store.update_subscriber(subscriber.id, mode=request.words[0].lower())
        return self.say(request, "mode_set", mode=request.words[0].lower())

    def digest_time(self, request: ChatRequest) -> Reply:
        try:
            value = time_of_day(request.words[0]) if len(request.words) == 1 else ""
        except ValueError:
            value = ""
        if not value:
            return self.say(request, "digest_time_usage")
        subscriber = self._subscriber(request)
        self.store.update_subscriber(subscriber.id, digest_time=value)
        return self.say(request, "digest_time_set", digest_time=value)

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


def _bare(subscription: Subscription) -> Subscription:
    return Subscription(
        subscription.countries,
        subscription.blocs,
        subscription.ministries,
        subscription.everything,
        lead_only=subscription.lead_only,
    )


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


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log what a handler raised, with its traceback; the bot keeps running."""
    log.error("bot handler failed", exc_info=context.error)
