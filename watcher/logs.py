"""Logging: one line per event, as text or JSON, with secrets redacted wherever they appear.

httpx logs every request URL at INFO and python-telegram-bot's URLs contain the bot token, so
redaction happens in a filter on the root handler (catching every library), not by discipline.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterable

__all__ = ["JsonFormatter", "RedactSecrets", "configure_logging"]

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactSecrets(logging.Filter):
    """Replaces every occurrence of a secret in the rendered message with `***`."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        redacted, exc_text = message, record.exc_text or ""
        for secret in self.secrets:
            redacted = redacted.replace(secret, "***")
            exc_text = exc_text.replace(secret, "***")
        record.msg, record.args = redacted, None
        if record.exc_text:
            record.exc_text = exc_text
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info or record.exc_text:
            event["error"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(event, ensure_ascii=False)


def configure_logging(
    level: str = "INFO", fmt: str = "text", secrets: Iterable[str | None] = ()
) -> logging.Handler:
    """Install one stderr handler on the root logger; returns it (tests attach to it)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(_TEXT_FORMAT))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_watcher", False):
            root.removeHandler(old)
    handler._watcher = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # a cycle still running when the next is due is skipped by design (max_instances=1)
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
    return handler
