"""Logging: one line per event, as text or JSON, with secrets redacted wherever they appear.

Any text can carry a secret: httpx logs every request URL (python-telegram-bot's contain the
bot token), a library's exception message may quote the token it was refused, an Apprise URL
is a credential. So redaction is not left to discipline at each call site: the process keeps
one set of secrets (`add_secrets`), and one redactor (watcher.core.redaction) applies it at the last
line of defence: a filter on the root handler (every library's records, their tracebacks
included) and the CLI's top-level error printer (`redact`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterable

from watcher.core.redaction import MASK, add_secrets, has_secrets, redact

__all__ = [
    "MASK", "JsonFormatter", "OwnLinesOrWarnings", "RedactSecrets", "add_secrets",
    "configure_logging", "redact",
]  # fmt: skip

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactSecrets(logging.Filter):
    """Redacts the rendered message, the traceback and the stack of every record it sees."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        add_secrets(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if not has_secrets():
            return True
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class OwnLinesOrWarnings(logging.Filter):
    """Above DEBUG, a library's lines only from WARNING up: their INFO lines (a request's URL, a
    notification's text) are theirs to debug, not the operator's to read."""

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name == "watcher" or record.name.startswith(("watcher.", "__main__"))
        return own or record.levelno >= logging.WARNING


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
    # The handler, not only the root logger, has the level: a library that turns its own logger
    # to DEBUG (Apprise does, to capture a send's outcome, and logs the JSON payload it posts)
    # never prints below the level asked for.
    handler.setLevel(level.upper())
    if logging.getLevelName(level.upper()) > logging.DEBUG:
        handler.addFilter(OwnLinesOrWarnings())
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
