"""One `watcher run` per database: a second daemon would poll and send everything twice.

The lock is the kernel's (flock on `<db>.lock` beside the database), not a pid file: it is
released when the process ends however it ends, so a daemon killed with SIGKILL never blocks the
next start. The file keeps the holder's pid only to name it in the refusal.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from watcher.core.errors import AlreadyRunning

__all__ = ["daemon_lock"]


@contextlib.contextmanager
def daemon_lock(db_path: str | Path) -> Iterator[Path | None]:
    """Hold the database's daemon lock while inside; AlreadyRunning when another holds it."""
    if str(db_path) == ":memory:":
        yield None
        return
    path = Path(f"{db_path}.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise AlreadyRunning(
                f"{db_path}: another `watcher run` (pid {holder}) is using this database;"
                " stop it first (one daemon per database)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing releases the lock
