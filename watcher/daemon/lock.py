"""One `watcher run` per database: a second daemon would poll and send everything twice.

The lock is the kernel's flock on the database file itself, so it follows the file's identity
(device and inode), not the name it was reached by: a symlink, a hard link, another working
directory or a bind mount of the same file all meet the same lock. It is released when the
process ends however it ends, so a daemon killed with SIGKILL never blocks the next start.
flock and SQLite's own (POSIX, byte-range) locks are independent on a local filesystem.

Closing any descriptor of the database file drops every POSIX lock this process holds on it,
SQLite's included (a WAL connection keeps a shared lock while open): pass the store's close as
`before_release`, so it closes before the lock's descriptor does, on refusal as on exit.

`<db>.lock` beside the database keeps the holder's pid for people and for the refusal; it is a
note, not the lock: when it cannot be written (read-only or immutable), the daemon still runs.
The refusal names the holder from /proc/locks when it can (the note may be beside another name).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from watcher.core.errors import AlreadyRunning, StoreError

__all__ = ["daemon_lock"]


def _holder_from_proc(fd: int) -> str | None:
    """The pid holding an flock on this file, from the kernel's table (Linux)."""
    info = os.fstat(fd)
    wanted = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as table:
            for line in table:
                fields = line.split()
                # "1: FLOCK  ADVISORY  WRITE 1234 fe:00:5375859 0 EOF" ("->" marks a waiter)
                if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == wanted:
                    return fields[4]
    except OSError:
        return None
    return None


def _holder_from_note(note: Path) -> str:
    try:
        return note.read_text("ascii", "replace").strip()[:32] or "?"
    except OSError:
        return "?"


def _write_note(note: Path) -> None:
    with contextlib.suppress(OSError):  # a note only: read-only dir, immutable file, …
        fd = os.open(note, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, f"{os.getpid()}\n".encode())
        finally:
            os.close(fd)


@contextlib.contextmanager
def daemon_lock(
    db_path: str | Path, before_release: Callable[[], None] | None = None
) -> Iterator[Path | None]:
    """Hold the database's daemon lock while inside; AlreadyRunning when another holds it.
    The database file must exist (the store opened it)."""
    if str(db_path) == ":memory:":
        yield None
        return
    note = Path(f"{db_path}.lock")
    try:
        fd = os.open(db_path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as error:
        raise StoreError(f"{db_path}: cannot take the daemon lock: {error.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder_from_proc(fd) or _holder_from_note(note)
            raise AlreadyRunning(
                f"{db_path}: another `watcher run` (pid {holder}) is using this database;"
                " stop it first (one daemon per database)"
            ) from None
        except OSError as error:
            raise StoreError(f"{db_path}: cannot take the daemon lock: {error.strerror}") from None
        _write_note(note)
        yield note
    finally:
        try:
            if before_release is not None:
                before_release()
        finally:
            os.close(fd)  # closing releases the lock
