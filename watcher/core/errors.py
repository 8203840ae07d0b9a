"""The exceptions of thaigov-watcher, so a failure is handled at the one level that can act.

WatcherError                 base: carries one line meant for the user
 ├── ConfigError             bad config/ or environment; names the file and key
 ├── InputError              an input file or line that cannot be read as an item
 ├── FetchError              the site answered badly or not at all (per source, retried)
 │    ├── RefusedByRobots     robots.txt disallows the URL: no request is sent
 │    ├── RobotsUnreadable    robots.txt answers 5xx or not at all: nothing is read (RFC 9309)
 │    └── BlockedByBotProtection   a challenge answer (cf-mitigated, "Just a moment…"): back off
 ├── ParseError              a page that is not a thaigov item page / selector matched nothing
 │    └── SelectorsStale      an item page the selectors no longer fit (the site's redesign)
 ├── StoreError              the database is corrupt, locked or not writable
 ├── AlreadyRunning          another `watcher run` holds this database's daemon lock
 └── DeliveryError           Telegram or SMTP refused a message
      ├── TransientDeliveryError   retry later (429, 4xx SMTP, network)
      ├── PermanentDeliveryError   pause the subscriber (403, 5xx recipient)
      └── ChannelError             the channel can send to no one (login or sender refused,
                                   no STARTTLS): stop, pause no one, leave the rows queued
A bare DeliveryError means: this one message can never go; the row is marked failed.
"""

from __future__ import annotations

__all__ = [
    "AlreadyRunning",
    "BlockedByBotProtection",
    "ChannelError",
    "ConfigError",
    "DeliveryError",
    "FetchError",
    "InputError",
    "ParseError",
    "PermanentDeliveryError",
    "RefusedByRobots",
    "RobotsUnreadable",
    "SelectorsStale",
    "StoreError",
    "TransientDeliveryError",
    "WatcherError",
]


class WatcherError(Exception):
    """Base class; str(error) is a single line fit to print."""


class ConfigError(WatcherError):
    pass


class InputError(WatcherError):
    pass


class FetchError(WatcherError):
    pass


class RefusedByRobots(FetchError):
    def __init__(self, message: str, rule: str) -> None:
        super().__init__(message)
        self.rule = rule  # the robots.txt line that refuses, e.g. "Disallow: /news/"


class RobotsUnreadable(FetchError):
    pass


class BlockedByBotProtection(FetchError):
    def __init__(self, message: str, evidence: str) -> None:
        super().__init__(message)
        self.evidence = evidence  # what gave it away, e.g. "HTTP 403, cf-mitigated: challenge"


class ParseError(WatcherError):
    pass


class SelectorsStale(ParseError):
    pass


class StoreError(WatcherError):
    pass


class AlreadyRunning(WatcherError):
    pass


class DeliveryError(WatcherError):
    pass


class TransientDeliveryError(DeliveryError):
    def __init__(
        self,
        message: str,
        retry_after: float | None = None,
        *,
        plain_text: bool = False,
        unreachable: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.plain_text = plain_text  # the retry must go as plain text (markup was refused)
        self.unreachable = unreachable  # the server was not reached at all (network, refused)


class PermanentDeliveryError(DeliveryError):
    pass


class ChannelError(DeliveryError):
    pass
