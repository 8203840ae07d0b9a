"""The commands a chat manages its own alerts with: /subscribe and /preview (labels, words and
a frequency, read by wording.py), /unsubscribe, /list with a keyboard per subscription and the
presses on it, /pause and /resume for the whole chat, /quiet, /weekly, /mode, /digest_time.

A button's callback data is `sub:<subscription id>:<action>`; a press is applied only when that
subscription belongs to the chat the press came from, so forged or stale data changes nothing
and says so.
"""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass

from watcher.channels.telegram.chat import ChatBase, ChatRequest, Reply
from watcher.channels.telegram.render import Message
from watcher.channels.telegram.wording import Wording, near_codes, read_wording
from watcher.core.config import time_of_day
from watcher.core.errors import InputError
from watcher.match.subscriptions import (
    FREQUENCIES,
    MODES,
    PAUSED_BY_SUBSCRIBER,
    QUIET_MODES,
    Subscriber,
    Subscription,
    parse_quiet_hours,
)
from watcher.query import search as query
from watcher.query.preview import MAX_DAYS, preview
from watcher.store import ItemFilter

__all__ = ["ACTIONS", "ManageCommands", "Pressed"]

MAX_LABELS = 10
ACTIONS = (*FREQUENCIES, "pause", "resume", "remove")
_DATA = re.compile(r"sub:(\d{1,12}):([a-z]{1,10})")
_DAYS = re.compile(r"(?:^|\s)days=(\S*)")
_EN_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_THAI_DAYS = ("จันทร์", "อังคาร", "พุธ", "พฤหัส", "ศุกร์", "เสาร์", "อาทิตย์")


@dataclass(frozen=True)
class Pressed:
    """What a press answers: a short notice (answerCallbackQuery) and, when the subscription
    changed, the message's new text and keyboard."""

    notice: str
    edited: Message | None = None


class ManageCommands(ChatBase):
    # --- /subscribe and /preview -----------------------------------------------------------

    def subscribe(self, request: ChatRequest) -> Reply:
        if not request.args:
            return self.say(request, "subscribe_usage")
        wording = read_wording(request.args, self.terms)
        refused = self._refusal(request, wording)
        if refused:
            return refused
        subscriber = self._subscriber(request)
        wanted = _bare(wording.subscription)
        same = [n for n, s in enumerate(subscriber.subscriptions, 1) if _bare(s) == wanted]
        mode = wording.mode
        if same:  # asked again: the same subscription, with the frequency now asked for
            number = same[0]
            current = subscriber.subscriptions[number - 1]
            if mode is not None and mode != current.mode:
                changed = dataclasses.replace(current, mode=mode)
                self.store.replace_subscription(subscriber.id, changed)
            mode = mode or current.mode
        elif len(subscriber.subscriptions) >= self.settings.max_subscriptions:
            return self.say(
                request, "too_many_subscriptions", limit=self.settings.max_subscriptions
            )
        else:
            self.store.add_subscription(subscriber.id, wording.subscription)
            number = len(subscriber.subscriptions) + 1
        reply = self.say(
            request,
            "subscribed",
            number=number,
            terms=self.describe(wording.subscription, request.lang),
            mode=mode or subscriber.mode,
        )
        if subscriber.paused_reason == PAUSED_BY_SUBSCRIBER:
            reply += self.say(request, "paused_by_you")
        return reply

    def _refusal(self, request: ChatRequest, wording: Wording) -> Reply:
        """The one-line answer to a subscription that cannot be taken ([] when it can)."""
        subscription = wording.subscription
        labels = (*subscription.countries, *subscription.blocs, *subscription.ministries)
        if len(labels) > MAX_LABELS:
            return self.say(request, "too_many_terms", limit=MAX_LABELS)
        typos = [w for w in wording.near_misses if not self._in_news(w)]
        if typos or wording.unknown:
            shown = [f"{w[:40]} ({' / '.join(near_codes(self.terms, w))}?)" for w in typos]
            shown += list(wording.unknown)
            if typos:
                return self.say(request, "near_miss", terms=", ".join(shown), word=typos[0][:40])
            return self.say(request, "unknown_terms", terms=", ".join(shown))
        if wording.problem is not None:
            key, fields = wording.problem
            return self.say(request, key, **fields)
        if wording.empty:
            return self.say(request, "subscribe_usage")
        return []

    def _in_news(self, word: str) -> bool:
        """Whether any stored item has `word`: then it is a real query, not a typo of a code."""
        try:
            return bool(query.search(self.store, word, ItemFilter(limit=1)))
        except InputError:
            return False

    def preview(self, request: ChatRequest) -> Reply:
        """How many items of the last N days the subscription would have matched; the newest."""
        days_given = _DAYS.search(request.args)
        days = 30
        if days_given:
            text = days_given.group(1)
            if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
                return self.say(request, "preview_days", limit=MAX_DAYS)
            days = int(text)
        args = _DAYS.sub(" ", request.args).strip()
        if not args:
            return self.say(request, "preview_usage")
        wording = read_wording(args, self.terms)
        refused = self._refusal(request, wording)
        if refused:
            return refused
        until = self.clock().astimezone(self.tz).date()
        found = preview(self.store, wording.subscription, until=until, days=days)
        terms = self.describe(wording.subscription, request.lang)
        if not found.newest:
            return self.say(request, "preview_none", terms=terms, days=days)
        heading = self.renderer.phrase(
            "preview_heading", request.lang, terms=terms, count=found.count, days=days
        )
        return self.renderer.item_list(heading, found.newest, request.lang)

    # --- /unsubscribe, /list and its buttons -----------------------------------------------

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
        """A heading, then one message per subscription with its buttons."""
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
        if subscriber.quiet is not None:
            quiet = subscriber.quiet
            lines.append(
                self.renderer.phrase(
                    "list_quiet", request.lang, start=quiet.start, end=quiet.end, mode=quiet.mode
                )
            )
        if subscriber.at("weekly") or subscriber.weekly_time:
            at = subscriber.weekly_time or subscriber.digest_time or self.settings.digest_time
            day = self._weekday_name(subscriber.weekly_day, request.lang)
            lines.append(self.renderer.phrase("list_weekly", request.lang, day=day, time=at))
        if subscriber.paused_reason == PAUSED_BY_SUBSCRIBER:
            lines.append(self.renderer.phrase("paused_by_you", request.lang))
        elif subscriber.paused_reason:
            lines.append(
                self.renderer.phrase("paused", request.lang, reason=subscriber.paused_reason)
            )
        text = "\n".join(lines)
        reply = [Message(html.escape(text), text)]
        for number, subscription in enumerate(subscriber.subscriptions, 1):
            reply.append(self.card(number, subscription, subscriber, request.lang))
        return reply

    def card(
        self, number: int, subscription: Subscription, subscriber: Subscriber, lang: str
    ) -> Message:
        """One subscription as /list shows it: its line and its keyboard."""
        text = (
            f"{number}. {self.describe(subscription, lang)}"
            f" ({self.state(subscription, subscriber, lang)})"
        )
        current = subscription.mode or subscriber.mode
        choices = tuple(
            (("• " if current == mode else "") + self.renderer.phrase(f"button_{mode}", lang),
             f"sub:{subscription.id}:{mode}")
            for mode in FREQUENCIES
        )  # fmt: skip
        toggle = "resume" if subscription.paused else "pause"
        others = (
            (self.renderer.phrase(f"button_{toggle}", lang), f"sub:{subscription.id}:{toggle}"),
            (self.renderer.phrase("button_remove", lang), f"sub:{subscription.id}:remove"),
        )
        return Message(html.escape(text), text, buttons=(choices, others))

    def press(self, chat_id: int | str, data: str) -> Pressed:
        """Apply a button of /list: only to a subscription of this chat, as it is now."""
        request = self.request(chat_id, "")
        subscriber = request.subscriber
        matched = _DATA.fullmatch(data or "")
        if subscriber is None or matched is None or matched.group(2) not in ACTIONS:
            return Pressed(self.renderer.phrase("button_stale", request.lang))
        wanted, action = int(matched.group(1)), matched.group(2)
        numbered = [(n, s) for n, s in enumerate(subscriber.subscriptions, 1) if s.id == wanted]
        if not numbered:
            return Pressed(self.renderer.phrase("button_stale", request.lang))
        [(number, subscription)] = numbered
        lang = request.lang
        if action == "remove":
            self.store.remove_subscription(subscriber.id, subscription.id)
            text = self.renderer.phrase(
                "button_removed", lang, terms=self.describe(subscription, lang)
            )
            return Pressed(text, Message(html.escape(text), text))
        if action in FREQUENCIES:
            changed = dataclasses.replace(subscription, mode=action)
        else:
            changed = dataclasses.replace(subscription, paused=action == "pause")
        if changed == subscription:
            return Pressed(self.renderer.phrase("button_unchanged", lang))
        self.store.replace_subscription(subscriber.id, changed)
        notice = self.renderer.phrase(f"button_done_{action}", lang)
        before, after = (self.card(number, s, subscriber, lang) for s in (subscription, changed))
        return Pressed(notice, after if after != before else None)  # same look: no edit

    # --- the whole chat: /pause /resume /quiet /weekly /mode /digest_time -------------------

    def pause(self, request: ChatRequest) -> Reply:
        subscriber = self._subscriber(request)
        self.store.update_subscriber(subscriber.id, paused_reason=PAUSED_BY_SUBSCRIBER)
        return self.say(request, "paused_now")

    def resume(self, request: ChatRequest) -> Reply:
        subscriber = request.subscriber
        if subscriber is None or subscriber.paused_reason is None:
            return self.say(request, "not_paused")
        self.store.update_subscriber(subscriber.id, paused_reason=None)
        return self.say(request, "resumed")

    def quiet(self, request: ChatRequest) -> Reply:
        words = [w.lower() for w in request.words]
        mode = words.pop() if words and words[-1] in QUIET_MODES else "hold"
        if not words:
            return self.say(request, "quiet_usage")
        try:
            window = parse_quiet_hours("".join(words), mode)
        except InputError:
            return self.say(request, "quiet_usage")
        subscriber = self._subscriber(request)
        self.store.set_quiet_hours(subscriber.id, window)
        if window is None:
            return self.say(request, "quiet_off")
        return self.say(request, f"quiet_set_{window.mode}", start=window.start, end=window.end)

    def weekly(self, request: ChatRequest) -> Reply:
        day = _weekday(request.words[0]) if request.words else None
        try:
            at = time_of_day(request.words[1]) if len(request.words) == 2 else None
        except ValueError:
            day = None
        if day is None or len(request.words) > 2:
            return self.say(request, "weekly_usage")
        subscriber = self._subscriber(request)
        changes: dict[str, object] = {"weekly_day": day}
        if at is not None:
            changes["weekly_time"] = at
        self.store.update_subscriber(subscriber.id, **changes)
        at = at or subscriber.weekly_time or subscriber.digest_time or self.settings.digest_time
        return self.say(request, "weekly_set", day=self._weekday_name(day, request.lang), time=at)

    def _weekday_name(self, day: int, lang: str) -> str:
        return self.renderer.phrase("weekdays", lang).split()[day]

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


def _weekday(text: str) -> int | None:
    """mon…sun, monday…sunday, or the Thai day name (ศุกร์, วันศุกร์)."""
    folded = text.lower().removeprefix("วัน")
    for index, name in enumerate(_EN_DAYS):
        if len(folded) >= 3 and name.startswith(folded):
            return index
    for index, name in enumerate(_THAI_DAYS):
        if folded.startswith(name):
            return index
    return None


def _bare(subscription: Subscription) -> Subscription:
    """What a subscription asks for, without its id, frequency or pause."""
    return dataclasses.replace(subscription, id=None, mode=None, paused=False)
