"""Who wants which items: subscribers, their subscriptions, and the one matching rule.

A subscription is a set of terms. Within a kind the terms are alternatives; across kinds they
must all hold: `JP KR industry` means (JP or KR) and industry. Countries and blocs are one kind
("the partner"), so `JP ASEAN` matches an item about Japan or about ASEAN. `all` matches every
item. A subscriber matches when any of their subscriptions does. A `lead` subscription
(`industry lead`) wants its ministries only where one of them leads the item: a cabinet
round-up that lists the industry ministry among twenty others does not match it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["CHANNELS", "MODES", "Subscriber", "Subscription"]

CHANNELS = ("telegram", "email")
MODES = ("instant", "daily", "both")


@dataclass(frozen=True)
class Subscription:
    countries: tuple[str, ...] = ()
    blocs: tuple[str, ...] = ()
    ministries: tuple[str, ...] = ()
    everything: bool = False
    id: int | None = None
    lead_only: bool = False  # the ministries must lead the item, not just appear in it

    def matches(
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
            return False
        if partners and not partners & (set(countries) | set(blocs)):
            return False
        acting = {lead_ministry} if self.lead_only else set(ministries)
        return not (self.ministries and not set(self.ministries) & acting)

    def describe(self) -> str:
        if self.everything:
            return "all"
        lead = ("lead",) if self.lead_only and self.ministries else ()
        return " ".join((*self.countries, *self.blocs, *self.ministries, *lead))


@dataclass(frozen=True)
class Subscriber:
    id: int
    channel: str  # "telegram" | "email"
    address: str  # chat id or e-mail address
    mode: str = "instant"  # "instant" | "daily" | "both"
    lang: str = "th"
    digest_time: str | None = None  # "HH:MM" Asia/Bangkok; None = the configured default
    paused_reason: str | None = None
    subscriptions: tuple[Subscription, ...] = field(default=())

    @property
    def wants_instant(self) -> bool:
        return self.mode in ("instant", "both") and self.paused_reason is None

    @property
    def wants_daily(self) -> bool:
        return self.mode in ("daily", "both") and self.paused_reason is None

    def matches(
        self,
        countries: Iterable[str],
        blocs: Iterable[str],
        ministries: Iterable[str],
        lead_ministry: str | None = None,
    ) -> bool:
        countries, blocs, ministries = tuple(countries), tuple(blocs), tuple(ministries)
        return any(
            s.matches(countries, blocs, ministries, lead_ministry) for s in self.subscriptions
        )
