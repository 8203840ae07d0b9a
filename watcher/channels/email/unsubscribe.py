"""One-click unsubscribe (RFC 8058): the signed link an e-mail carries, and what following it does.

The link is `{[serve] public_url}/unsubscribe?token=ID.ADDRESS.MAC`: the subscriber's id, their
address (base64url) and an HMAC-SHA256 of both under WATCHER_SECRET. Only the holder of the
secret can make one, so no one unsubscribes somebody else by counting ids; the address is in
the token so that a link still says who it was for after that subscriber is gone (a second
click answers "already unsubscribed", a forged one is refused). Signatures are compared in
constant time.

Following the link removes the e-mail subscriber with their subscriptions and queue: what a
person means by "unsubscribe". Only a POST does it (the mail provider's one-click, or the
button of the page a GET shows): mail scanners fetch every link they see, so a GET never acts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import quote

import jinja2

from watcher.core.config import Config, Environment
from watcher.core.errors import ConfigError
from watcher.match.subscriptions import Subscriber

__all__ = [
    "ONE_CLICK",
    "OneClick",
    "Outcome",
    "Signed",
    "SubscriberRemoval",
    "is_subscribed",
    "unsubscribe",
    "unsubscribe_page",
]

ONE_CLICK = "List-Unsubscribe=One-Click"  # the POST body (and List-Unsubscribe-Post header)
_TOKEN = re.compile(r"^(\d{1,18})\.([A-Za-z0-9_-]{1,700})\.([A-Za-z0-9_-]{43})$")
_PURPOSE = b"thaigov-watcher unsubscribe v1\x00"  # a signature for nothing else


@dataclass(frozen=True)
class Signed:
    """What a genuine token names."""

    subscriber_id: int
    address: str


@dataclass(frozen=True)
class OneClick:
    """Signs and checks unsubscribe tokens; builds the links e-mails carry."""

    public_url: str
    secret: bytes = field(repr=False)

    @classmethod
    def from_settings(cls, config: Config, env: Environment) -> OneClick | None:
        """None when no public URL is configured (no links); a ConfigError when one is but
        the secret to sign with is missing."""
        if not config.serve.public_url:
            return None
        if not env.secret:
            raise ConfigError(
                "environment: WATCHER_SECRET: not set; [serve] public_url needs it to sign"
                " unsubscribe links"
            )
        return cls(config.serve.public_url, env.secret.encode("utf-8"))

    def token(self, subscriber_id: int, address: str) -> str:
        encoded = _b64(address.encode("utf-8"))
        return f"{subscriber_id}.{encoded}.{_b64(self._mac(subscriber_id, address))}"

    def link(self, subscriber_id: int, address: str) -> str:
        return f"{self.public_url}/unsubscribe?token={quote(self.token(subscriber_id, address))}"

    def verify(self, token: str) -> Signed | None:
        """Who a genuine token is for; None for a forged, altered or malformed one."""
        found = _TOKEN.match(token)
        if found is None:
            return None
        try:
            address = base64.urlsafe_b64decode(_padded(found[2])).decode("utf-8")
            mac = base64.urlsafe_b64decode(_padded(found[3]))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        subscriber_id = int(found[1])
        if not hmac.compare_digest(mac, self._mac(subscriber_id, address)):
            return None
        return Signed(subscriber_id, address)

    def _mac(self, subscriber_id: int, address: str) -> bytes:
        message = _PURPOSE + f"{subscriber_id}\x00{address}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).digest()


Outcome = Literal["removed", "gone"]


class SubscriberRemoval(Protocol):
    """The two store operations an unsubscribe needs."""

    def get_subscriber(self, subscriber_id: int) -> Subscriber | None: ...

    def remove_subscriber(self, subscriber_id: int) -> bool: ...


def is_subscribed(store: SubscriberRemoval, signed: Signed) -> bool:
    """The e-mail subscriber a genuine token names still exists."""
    found = store.get_subscriber(signed.subscriber_id)
    return found is not None and found.channel == "email" and found.address == signed.address


def unsubscribe(store: SubscriberRemoval, signed: Signed) -> Outcome:
    """Remove the subscriber a genuine token names; "gone" when they already were."""
    if is_subscribed(store, signed) and store.remove_subscriber(signed.subscriber_id):
        return "removed"
    return "gone"


_PAGES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parents[2] / "templates" / "email"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def unsubscribe_page(address: str, action: str) -> str:
    """The page a GET of the link shows: who it is for, and a button that POSTs to `action`."""
    return _PAGES.get_template("unsubscribe.html.j2").render(address=address, action=action)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _padded(text: str) -> str:
    return text + "=" * (-len(text) % 4)
