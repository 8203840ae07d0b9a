"""The sqlite3 connection the store runs on: a damaged file is named wherever SQLite meets it
(opening, a write, or a page reached only while iterating rows), and every other database error
becomes one line that says what to do (locked, read-only, full, not a database)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Any, Self

from watcher.core.errors import StoreError

__all__ = [
    "DamagedDatabase", "NamedConnection", "connect", "damage_message", "describe_db_error",
    "quick_check", "refuse_empty_file",
]  # fmt: skip

_DAMAGE_CODES = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB (primary codes of the extended ones)


class DamagedDatabase(StoreError, sqlite3.DatabaseError):
    """The file is not a sound SQLite database. A StoreError (one line naming the file, for the
    CLI, exit 2 where the contract says so) and still a sqlite3.DatabaseError, so code that
    undoes a transaction on a database error undoes this one too."""


def damage_message(path: str, detail: str) -> str:
    return (
        f"{path}: the database file is damaged ({detail}); nothing was written to it:"
        " restore the last good backup"
    )


def _as_damage(path: str, error: sqlite3.DatabaseError) -> sqlite3.DatabaseError:
    """A corruption error met anywhere (a read, a write, iterating rows) as DamagedDatabase
    naming the file; any other database error as it was (a constraint, a lock, a syntax)."""
    if isinstance(error, DamagedDatabase):
        return error
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None and code & 0xFF == 26:  # SQLITE_NOTADB: not SQLite at all
        return DamagedDatabase(describe_db_error(path, error))
    if code is not None and code & 0xFF in _DAMAGE_CODES:
        return DamagedDatabase(damage_message(path, str(error)))
    return error


class NamedCursor(sqlite3.Cursor):
    """Every way rows come out of SQLite, with corruption named where it arises: a damaged
    page is often met only when iteration reaches it, long after `execute` returned."""

    def _path(self) -> str:
        return getattr(self.connection, "watcher_path", "?")

    def execute(self, sql: str, parameters: Any = (), /) -> Self:
        try:
            return super().execute(sql, parameters)
        except sqlite3.DatabaseError as error:
            raise _as_damage(self._path(), error) from error

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Self:
        try:
            return super().executemany(sql, seq_of_parameters)
        except sqlite3.DatabaseError as error:
            raise _as_damage(self._path(), error) from error

    def executescript(self, sql_script: str, /) -> Self:
        try:
            super().executescript(sql_script)
            return self
        except sqlite3.DatabaseError as error:
            raise _as_damage(self._path(), error) from error

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.DatabaseError as error:
            raise _as_damage(self._path(), error) from error

    def fetchmany(self, size: int | None = None) -> list[Any]:
        try:
            return super().fetchmany(self.arraysize if size is None else size)
        except sqlite3.DatabaseError as error:
            raise _as_damage(self._path(), error) from error

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.DatabaseError as error:
            raise _as_damage(self._path(), error) from error

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.DatabaseError as error:
            raise _as_damage(self._path(), error) from error


class NamedConnection(sqlite3.Connection):
    """sqlite3's connection whose statements all run through NamedCursor (sqlite-utils' too)."""

    watcher_path = "?"

    def cursor(self, factory: Any = NamedCursor) -> Any:
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        return self.cursor().executemany(sql, parameters)

    def executescript(self, sql_script: str, /) -> Any:
        return self.cursor().executescript(sql_script)

    def commit(self) -> None:
        try:
            super().commit()
        except sqlite3.DatabaseError as error:
            raise _as_damage(self.watcher_path, error) from error


def connect(target: str, path: str, **options: Any) -> NamedConnection:
    conn = sqlite3.connect(target, factory=NamedConnection, check_same_thread=False, **options)
    conn.watcher_path = path
    return conn


def refuse_empty_file(path: str) -> None:
    """An existing 0-byte file is not a new database: something made it (a failed copy, a
    truncation, a mount not yet there), and writing a schema into it would hide that."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        return  # missing (created below, or refused by the caller) or unreadable (open says)
    if size == 0:
        raise StoreError(
            f"{path}: empty file (0 bytes), not a database; it was left untouched: remove it"
            " to start a new database, or point --db / WATCHER_DB at the right file"
        )


def _file_state(path: str) -> str | None:
    """What changes when anything writes the file: identity, size, modification time."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return f"{info.st_dev} {info.st_ino} {info.st_size} {info.st_mtime_ns}"


def quick_check(conn: sqlite3.Connection, path: str) -> None:
    """SQLite's quick_check (every page and record, not index-against-table: O(pages), about
    5 s a GB) → DamagedDatabase naming the file and the first problem.

    A pass is remembered in `<db>.checked` as the file's state (device, inode, size, mtime):
    while the database file is unchanged since, the check is not run again, so `health` every
    minute on a large history costs a stat. Anything that writes the file (garbage from a bad
    disk or a copy, and SQLite's own checkpoints) changes its state, and the next check runs
    in full. Commits still in the WAL are checked once a checkpoint moves them into the file.
    """
    before = _file_state(path)
    marker = Path(f"{path}.checked")
    if before is not None:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            if marker.read_text("ascii").strip() == before:
                return
    try:
        rows = conn.execute("PRAGMA quick_check(1)").fetchall()
    except DamagedDatabase:
        raise
    except sqlite3.DatabaseError as error:
        raise StoreError(describe_db_error(path, error)) from error
    problems = [line for (text,) in rows for line in str(text).splitlines() if line != "ok"]
    problems = [line for line in problems if not line.startswith("*** in database")]
    if problems or not rows:
        with contextlib.suppress(OSError):
            marker.unlink()
        first = problems[0] if problems else "no answer"
        raise DamagedDatabase(damage_message(path, f"quick_check: {first}"))
    if before is not None and _file_state(path) == before:
        with contextlib.suppress(OSError):  # a read-only directory: checked each time
            marker.write_text(before + "\n", "ascii")


def describe_db_error(path: str, error: sqlite3.DatabaseError) -> str:
    if isinstance(error, DamagedDatabase):
        return str(error)
    text = str(error)
    if "not a database" in text or "malformed" in text:
        return f"{path}: not a valid SQLite database ({text}); it was left untouched"
    if "locked" in text or "busy" in text:
        return f"{path}: the database is locked by another process; try again later"
    if "readonly" in text or "read-only" in text:
        return f"{path}: the database or its directory is read-only; nothing was written"
    if "full" in text:  # SQLITE_FULL: the disk, or a size limit; the failing write is undone
        return f"{path}: the disk is full (database or disk is full); the failing write was undone"
    if "unable to open" in text:
        return f"{path}: cannot open the database file (missing directory or no permission)"
    return f"{path}: database error: {text}"
