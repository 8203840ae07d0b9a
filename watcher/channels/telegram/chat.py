"""What every bot command starts from: the chat that asked, its subscriber, and how replies
and subscriptions are put into words (the commands themselves: manage.py and commands.py)."""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from watcher.channels.telegram.render import Message, TelegramRenderer, Terms
from watcher.core.config import TelegramSettings
from watcher.match.subscriptions import PAUSED_BY_SUBSCRIBER, Subscriber, Subscription
from watcher.store import Store

__all__ = ["ChatBase", "ChatRequest", "Reply"]

log = logging.getLogger(__name__)

LEAD_SUFFIX = {"en": " (lead ministry only)", "th": " (เฉพาะข่าวที่เป็นหน่วยงานหลัก)"}
BANGKOK = ZoneInfo("Asia/Bangkok")


@dataclass(frozen=True)
class ChatRequest:
    chat_id: str
    words: tuple[str, ...]  # the command's arguments
    subscriber: Subscriber | None
    args: str = ""  # the arguments as typed (quotes and all)

    @property
    def lang(self) -> str:
        return self.subscriber.lang if self.subscriber else "th"


Reply = list[Message]


class ChatBase:
    def __init__(
        self,
        store: Store,
        terms: Terms,
        renderer: TelegramRenderer,
        settings: TelegramSettings,
        clock: Callable[[], dt.datetime],
        tz: ZoneInfo = BANGKOK,
    ) -> None:
        self.store = store
        self.terms = terms
        self.renderer = renderer
        self.settings = settings
        self.clock = clock
        self.tz = tz

    def request(self, chat_id: int | str, text: str) -> ChatRequest:
        chat = str(chat_id)
        parts = text.split(maxsplit=1)
        return ChatRequest(
            chat,
            tuple(text.split()[1:]),
            self.store.find_subscriber("telegram", chat),
            parts[1].strip() if len(parts) > 1 else "",
        )

    def say(self, request: ChatRequest, key: str, **fields: object) -> Reply:
        text = self.renderer.phrase(key, request.lang, **fields)
        return [Message(html.escape(text), text)]

    def _subscriber(self, request: ChatRequest) -> Subscriber:
        """The chat's subscriber, created on first need. A chat that writes to us is reachable,
        so a pause for failed deliveries (it had blocked the bot) ends here; a pause the chat
        asked for (/pause, PAUSED_BY_SUBSCRIBER) ends only with /resume."""
        found = request.subscriber
        if found is None:
            found = self.store.add_subscriber("telegram", request.chat_id, at=self.clock())
        elif found.paused_reason not in (None, PAUSED_BY_SUBSCRIBER):
            self.store.update_subscriber(found.id, paused_reason=None)
            log.info("subscriber telegram:%s resumed: the chat wrote to the bot", found.id)
            found = self.store.get_subscriber(found.id) or found
        return found

    def describe(self, subscription: Subscription, lang: str) -> str:
        """`JP ญี่ปุ่น + กระทรวงอุตสาหกรรม + words: EV OR รถยนต์ไฟฟ้า`: labels, then words."""
        if subscription.everything:
            return "all"
        names = [f"{c} {self.terms.country_name(c, lang)}" for c in subscription.countries]
        names += [self.terms.bloc_name(b, lang) for b in subscription.blocs]
        partners = " / ".join(names)
        ministries = " / ".join(self.terms.ministry_name(m, lang) for m in subscription.ministries)
        if ministries and subscription.lead_only:
            ministries += LEAD_SUFFIX[lang] if lang in LEAD_SUFFIX else LEAD_SUFFIX["en"]
        words = (
            self.renderer.phrase("words", lang, query=subscription.query)
            if subscription.query
            else ""
        )
        return " + ".join(part for part in (partners, ministries, words) if part)

    def state(self, subscription: Subscription, subscriber: Subscriber, lang: str) -> str:
        """How often it goes, and whether it is paused: `weekly`, `instant, paused`."""
        notes = [subscription.mode or subscriber.mode]
        if subscription.paused:
            notes.append(self.renderer.phrase("state_paused", lang))
        return ", ".join(notes)
