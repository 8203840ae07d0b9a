"""robots.txt: fetched once per host, cached, honoured.

Rules follow RFC 9309 as far as a news poller needs: a 4xx robots.txt (none published) allows
everything; an unreachable one (5xx, network failure) disallows everything until it can be read,
except that a copy read earlier keeps being used while the site has trouble.
"""

from __future__ import annotations

import time
import urllib.robotparser
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from watcher.errors import FetchError

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
            raise FetchError(f"{url}: disallowed by {origin}/robots.txt")

    async def _rules_for(self, origin: str, fetch: RobotsFetch) -> _Rules:
        cached = self._rules.get(origin)
        if cached and cached[0] > self.monotonic():
            return cached[1]
        try:
            answer = await fetch(origin + "/robots.txt")
        except FetchError as error:
            if cached:
                return cached[1]
            raise FetchError(
                f"{origin}/robots.txt cannot be read, so nothing is: {error}"
            ) from error
        if answer.status >= 500:
            if cached:
                return cached[1]
            raise FetchError(f"{origin}/robots.txt answers {answer.status}, so nothing is read")
        rules = _Rules(answer.text) if answer.status < 400 else _Rules(None, allow_all=True)
        self._rules[origin] = (self.monotonic() + self.ttl, rules)
        return rules
