"""Which channel cannot be reached, and since when.

A channel that cannot reach its server (the Bot API, the SMTP server) is not a reason to stop
the daemon: polling and the other channels go on, the channel retries with backoff, and this
record says what is down. The log says it when it changes (down since when and why, then back
up); `watcher health`, another process, reads it from a small file beside the database,
`<db>.channels.json`, which `watcher run` rewrites at every change and clears at start.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from watcher.core.redaction import redact

__all__ = ["ChannelDown", "ChannelStatus", "channels_down", "status_path"]

log = logging.getLogger("watcher.channels")


@dataclass(frozen=True)
class ChannelDown:
    name: str
    since: str  # ISO time, UTC
    error: str

    def line(self) -> str:
        return f"unreachable since {self.since}: {self.error}"


def status_path(db_path: str | Path) -> Path | None:
    """The file beside the database; None for an in-memory one."""
    return None if str(db_path) == ":memory:" else Path(f"{db_path}.channels.json")


def channels_down(db_path: str | Path) -> list[ChannelDown]:
    """What the running (or last) `watcher run` found unreachable; [] when all was well."""
    path = status_path(db_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return []
    return [ChannelDown(name, str(v["since"]), str(v["error"])) for name, v in sorted(data.items())]


@dataclass
class ChannelStatus:
    """Down and up, per channel name, in the log and in the file `watcher health` reads."""

    path: Path | None = None
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    down_since: dict[str, ChannelDown] = field(default_factory=dict)

    @classmethod
    def beside(cls, db_path: str | Path) -> ChannelStatus:
        """A fresh record for a starting daemon: what an earlier run found is cleared."""
        status = cls(status_path(db_path))
        status._write()
        return status

    def down(self, name: str, error: object) -> ChannelDown:
        """`name` could not reach its server; said once per outage, kept until `up`."""
        known = self.down_since.get(name)
        if known is not None:
            return known
        since = self.clock().astimezone(dt.UTC).isoformat(timespec="seconds")
        record = ChannelDown(name, since, redact(" ".join(str(error).split()))[:300])
        self.down_since[name] = record
        log.warning("%s: %s; retrying with backoff, the rest goes on", name, record.line())
        self._write()
        return record

    def up(self, name: str) -> None:
        record = self.down_since.pop(name, None)
        if record is not None:
            log.warning("%s: reachable again (unreachable since %s)", name, record.since)
            self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        data = {r.name: {"since": r.since, "error": r.error} for r in self.down_since.values()}
        try:
            if not data:
                self.path.unlink(missing_ok=True)
                return
            temporary = self.path.with_name(self.path.name + ".tmp")
            temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError as error:  # a full or read-only disk: the log still says it
            log.warning("cannot record channel status in %s: %s", self.path, error.strerror)
