"""The one redactor: every secret this process knows, masked in any text that leaves it.

Kept apart from logging so that a command printing one error line needs neither the logging
package nor its handlers; watcher.core.logs applies the same redactor to every log record.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from urllib.parse import quote

__all__ = ["MASK", "MIN_SECRET", "add_secrets", "has_secrets", "redact"]

MASK = "***"
MIN_SECRET = 4  # shorter strings would mask ordinary words
_MIN_SECRET = MIN_SECRET
_secrets: list[str] = []  # longest first, so a secret containing another is masked whole
_lock = threading.Lock()


def add_secrets(secrets: Iterable[str | None]) -> None:
    """Remember secrets (and their URL-encoded forms) for every later redaction."""
    fresh = set()
    for secret in secrets:
        if secret and len(secret) >= _MIN_SECRET:
            fresh |= {secret, quote(secret, safe=""), quote(secret)}
    with _lock:
        _secrets[:] = sorted(set(_secrets) | fresh, key=len, reverse=True)


def has_secrets() -> bool:
    return bool(_secrets)


def redact(text: str) -> str:
    """`text` with every known secret replaced by ***."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text
