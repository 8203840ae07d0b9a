"""Who wants which items: subscribers, their subscriptions, and the one matching rule.

A subscription is a set of terms. Within a kind the terms are alternatives; across kinds they
must all hold: `JP KR industry` means (JP or KR) and industry. Countries and blocs are one kind
("the partner"), so `JP ASEAN` matches an item about Japan or about ASEAN. `all` matches every
item. Words (`query`, in the search language of watcher.match.language) are one more kind that
must hold: `JP "semiconductor OR เซมิคอนดักเตอร์"` wants items about Japan that say either word.
A subscriber matches when any of their subscriptions does. A `lead` subscription
(`industry lead`) wants its ministries only where one of them leads the item: a cabinet
round-up that lists the industry ministry among twenty others does not match it.

How often is per subscription ("JP instant, rice weekly" is two subscriptions of one
subscriber); a subscription without its own frequency follows the subscriber's `mode`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from watcher.core.errors import InputError
from watcher.match.language import SUBSCRIPTION_LIMITS, TextQuery, parse_query, query_matches

__all__ = [
    "FREQUENCIES",
    "MODES",
    "PAUSED_BY_SUBSCRIBER",
    "QUIET_MODES",
    "WEEKDAYS",
    "QuietHours",
    "Subscriber",
    "Subscription",
    "parse_quiet_hours",
    "parse_words",
]

# A paused subscriber gets nothing new queued; what was queued before the pause waits and goes
# when they resume. A delivery failure (a blocked bot, a bouncing address) pauses with its
# reason and ends when the chat writes again or the operator resumes; a subscriber who paused
# themselves carries this reason, which only their own resume ends.
PAUSED_BY_SUBSCRIBER = "paused by the subscriber"
MODES = ("instant", "daily", "weekly", "both")  # "both" = instant and daily, as before
FREQUENCIES = ("instant", "daily", "weekly")
QUIET_MODES = ("silent", "hold")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SENT_BY = {
    "instant": ("instant",),
    "daily": ("daily",),
    "weekly": ("weekly",),
    "both": ("instant", "daily"),
}


def parse_words(text: str, *, with_labels: bool = False) -> TextQuery:
    """A subscription's words, within the subscription limits (one-line InputError). Beside
    labels, words may only exclude (`industry -งบประมาณ`); alone they must find something."""
    return parse_query(text, SUBSCRIPTION_LIMITS, only_excluded=with_labels)


@dataclass(frozen=True)
class Subscription:
    countries: tuple[str, ...] = ()
    blocs: tuple[str, ...] = ()
    ministries: tuple[str, ...] = ()
    everything: bool = False
    id: int | None = None
    lead_only: bool = False  # the ministries must lead the item, not just appear in it
    query: str | None = None  # words in the search language; None = labels only
    mode: str | None = None  # one of MODES; None = the subscriber's mode
    paused: bool = False

    @cached_property
    def words(self) -> TextQuery | None:
        labelled = bool(self.countries or self.blocs or self.ministries)
        return parse_words(self.query, with_labels=labelled) if self.query else None

    def sent(self, subscriber_mode: str) -> tuple[str, ...]:
        """The frequencies this subscription is sent at: instant, daily, weekly."""
        return () if self.paused else _SENT_BY[self.mode or subscriber_mode]

    def matches_labels(
        self,
        countries: Iterable[str],
        blocs: Iterable[str],
        ministries: Iterable[str],
        lead_ministry: str | None = None,
    ) -> bool:
        if self.everything:
            return True
        partners = set(self.countries) | set(self.blocs)
        if not partners and not self.ministries:
            return self.query is not None
        if partners and not partners & (set(countries) | set(blocs)):
            return False
        acting = {lead_ministry} if self.lead_only else set(ministries)
        return not (self.ministries and not set(self.ministries) & acting)

    def matches(
        self,
        countries: Iterable[str],
        blocs: Iterable[str],
        ministries: Iterable[str],
        lead_ministry: str | None = None,
        folded_text: str | None = None,
    ) -> bool:
        """Labels and words must all hold. `folded_text`: the item's title and body through
        `fold_text`; a word subscription never matches an item given without its text."""
        if not self.matches_labels(countries, blocs, ministries, lead_ministry):
            return False
        if self.words is None:
            return True
        return folded_text is not None and query_matches(self.words, folded_text)

    def describe(self) -> str:
        if self.everything:
            return "all"
        lead = ("lead",) if self.lead_only and self.ministries else ()
        words = (self.query,) if self.query else ()
        return " ".join((*self.countries, *self.blocs, *self.ministries, *lead, *words))


def parse_quiet_hours(text: str, mode: str = "hold") -> QuietHours | None:
    """`22:00-07:00` → QuietHours (None for `off`); a one-line InputError otherwise."""
    from watcher.core.config import time_of_day  # the settings' tables: only when asked

    if mode not in QUIET_MODES:
        raise InputError(f"{mode!r}: quiet hours are {' or '.join(QUIET_MODES)}")
    if text.strip().lower() == "off":
        return None
    start, sep, end = text.replace("–", "-").partition("-")
    if not sep:
        raise InputError(f"{text!r}: give HH:MM-HH:MM, e.g. 22:00-07:00")
    try:
        first, last = time_of_day(start), time_of_day(end)
    except ValueError as error:
        raise InputError(f"{text!r}: {error}") from None
    if first == last:
        raise InputError(f"{text!r}: the window is empty")
    return QuietHours(first, last, mode)


@dataclass(frozen=True)
class QuietHours:
    """A window such as 22:00–07:00 in the configured zone; `hold` delays instant alerts to
    its end, `silent` sends them without a sound (Telegram's disable_notification)."""

    start: str  # HH:MM
    end: str  # HH:MM
    mode: str = "hold"  # one of QUIET_MODES

    def contains(self, local: dt.time) -> bool:
        clock = local.strftime("%H:%M")
        if self.start <= self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end

    def ends_after(self, local: dt.datetime) -> dt.datetime:
        """The first moment at or after `local` (aware) outside the window."""
        hour, minute = map(int, self.end.split(":"))
        end = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return end if end > local else end + dt.timedelta(days=1)

    def describe(self) -> str:
        return f"{self.start}–{self.end} ({self.mode})"


@dataclass(frozen=True)
class Subscriber:
    id: int
    channel: str  # "telegram" | "email" | "apprise"
    address: str  # chat id or e-mail address
    mode: str = "instant"  # the default frequency of subscriptions without their own
    lang: str = "th"
    digest_time: str | None = None  # "HH:MM" Asia/Bangkok; None = the configured default
    paused_reason: str | None = None
    subscriptions: tuple[Subscription, ...] = field(default=())
    quiet: QuietHours | None = None
    weekly_day: int = 0  # 0 = Monday, as datetime.weekday()
    weekly_time: str | None = None  # "HH:MM"; None = the digest time

    def at(self, frequency: str) -> tuple[Subscription, ...]:
        """The subscriptions sent at `frequency` (none while the subscriber is paused)."""
        if self.paused_reason is not None:
            return ()
        return tuple(s for s in self.subscriptions if frequency in s.sent(self.mode))

    def wants(self, frequency: str) -> bool:
        """Whether anything is sent at `frequency`: a subscription sent then, or, with no
        subscription yet, the subscriber's own mode (an empty digest when so configured)."""
        if self.paused_reason is not None:
            return False
        if not self.subscriptions:
            return frequency in _SENT_BY[self.mode]
        return bool(self.at(frequency))

    @property
    def wants_instant(self) -> bool:
        return self.wants("instant")

    @property
    def wants_daily(self) -> bool:
        return self.wants("daily")

    @property
    def wants_weekly(self) -> bool:
        return self.wants("weekly")

    def matches(
        self,
        countries: Iterable[str],
        blocs: Iterable[str],
        ministries: Iterable[str],
        lead_ministry: str | None = None,
        folded_text: str | None = None,
        frequency: str | None = None,
    ) -> bool:
        """Any subscription matches (those sent at `frequency`, when given)."""
        countries, blocs, ministries = tuple(countries), tuple(blocs), tuple(ministries)
        chosen = self.subscriptions if frequency is None else self.at(frequency)
        return any(
            s.matches(countries, blocs, ministries, lead_ministry, folded_text) for s in chosen
        )
