"""robots.txt: fetched once per host, cached, honoured, and quoted when it refuses.

Rules follow RFC 9309 as far as a news poller needs: a 4xx robots.txt (none published) allows
everything; an unreachable one (5xx, timeout, network failure) disallows everything until it can
be read, except that a copy read earlier keeps being used while the site has trouble. A refusal
names the rule that refused (`Disallow: /news/` for `User-agent: *`), so the operator sees what
the site said rather than "no news".
"""

from __future__ import annotations

import time
import urllib.parse
import urllib.robotparser
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from watcher.core.errors import (
    BlockedByBotProtection,
    FetchError,
    RefusedByRobots,
    RobotsUnreadable,
)

__all__ = ["RobotsCache", "RobotsText"]


@dataclass(frozen=True)
class RobotsText:
    status: int
    text: str


RobotsFetch = Callable[[str], Awaitable[RobotsText]]


class _Rules:
    def __init__(self, text: str | None, *, allow_all: bool = False) -> None:
        self.allow_all = allow_all
        self.parser = urllib.robotparser.RobotFileParser()
        self.parser.parse((text or "").splitlines())

    def allows(self, agent: str, url: str) -> bool:
        return self.allow_all or self.parser.can_fetch(agent, url)

    def refusing_rule(self, agent: str, url: str) -> str:
        """The line that disallows `url`, as written in the group that applies to `agent`."""
        parts = urlsplit(url)
        path = urllib.parse.quote(urllib.parse.unquote(parts.path or "/"))
        if parts.query:
            path += "?" + parts.query
        parser: Any = self.parser  # entries and default_entry are not in typeshed
        entries = [e for e in parser.entries if e.applies_to(agent)]
        default = parser.default_entry
        for entry in entries or ([default] if default else []):
            for line in entry.rulelines:
                if line.applies_to(path) and not line.allowance:
                    group = "*" if entry is default else ", ".join(entry.useragents)
                    return f"Disallow: {line.path or '/'} (User-agent: {group})"
        return "Disallow (no matching line found)"


class RobotsCache:
    def __init__(
        self, agent: str, ttl_seconds: float, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.agent = agent.split("/")[0]
        self.ttl = ttl_seconds
        self.monotonic = monotonic
        self._rules: dict[str, tuple[float, _Rules]] = {}

    async def check(self, url: str, fetch: RobotsFetch) -> None:
        """Raise FetchError when robots.txt of `url`'s site disallows it (or cannot be read)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        rules = await self._rules_for(origin, fetch)
        if not rules.allows(self.agent, url):
            rule = rules.refusing_rule(self.agent, url)
            raise RefusedByRobots(f"refused by {origin}/robots.txt: {rule}", rule)

    async def _rules_for(self, origin: str, fetch: RobotsFetch) -> _Rules:
        cached = self._rules.get(origin)
        if cached and cached[0] > self.monotonic():
            return cached[1]
        try:
            answer = await fetch(origin + "/robots.txt")
        except BlockedByBotProtection:
            raise  # the site's bot protection answered for robots.txt too: a block, not a rule
        except FetchError as error:
            if cached:
                return cached[1]
            raise RobotsUnreadable(
                f"{origin}/robots.txt cannot be read ({error}), so nothing is read until it can"
            ) from error
        if answer.status >= 500:
            if cached:
                return cached[1]
            raise RobotsUnreadable(
                f"{origin}/robots.txt answers {answer.status}, so nothing is read until it can"
            )
        rules = _Rules(answer.text) if answer.status < 400 else _Rules(None, allow_all=True)
        self._rules[origin] = (self.monotonic() + self.ttl, rules)
        return rules
