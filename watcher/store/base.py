"""The connection, its transactions and migrations; the tables' modules build on this."""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Self

from watcher.core.errors import StoreError
from watcher.match.language import (
    ITEM_SEPARATOR,
    Term,
    fold_text,
    has_thai,
    latin_text,
    make_term,
    term_occurs,
)
from watcher.store.schema import (
    LATIN_INSERT,
    MIGRATION_STEPS,
    MIGRATIONS,
    SEARCH_FLUSH,
    SEARCH_INDEXED,
    SEARCH_INSERTS,
    SEARCH_PENDING,
    SEARCH_PENDING_ROWS,
    fill_latin,
)


def _import_sqlite_utils() -> ModuleType:
    """sqlite-utils imports numpy (~0.1 s, a third of a read-only command's start) only to map
    numpy column types, which the store never writes; hide numpy during that one import."""
    if "numpy" in sys.modules or "sqlite_utils" in sys.modules:
        return importlib.import_module("sqlite_utils")
    sys.modules["numpy"] = None  # type: ignore[assignment]
    try:
        return importlib.import_module("sqlite_utils")
    finally:
        del sys.modules["numpy"]


if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["BUSY_TIMEOUT_SECONDS", "DamagedDatabase", "StoreBase", "describe_db_error"]

MAPPED_BYTES = 1 << 32  # SQLite caps it at its compile-time limit (often 2 GB)
BUSY_TIMEOUT_SECONDS = 10.0

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


class _Cursor(sqlite3.Cursor):
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


class _Connection(sqlite3.Connection):
    """sqlite3's connection whose statements all run through _Cursor (sqlite-utils' too)."""

    watcher_path = "?"

    def cursor(self, factory: Any = _Cursor) -> Any:
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


def _connect(target: str, path: str, **options: Any) -> _Connection:
    conn = sqlite3.connect(target, factory=_Connection, check_same_thread=False, **options)
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


class StoreBase:
    def __init__(
        self,
        conn: sqlite3.Connection,
        path: str,
        on_upgrade: Callable[[int, int], None] | None = None,
    ) -> None:
        """`on_upgrade(old, new)` is told before an existing database's schema is upgraded: a
        migration may rebuild an index, a minute's work on a large history, and a person
        waiting on a command should know why."""
        self.path = path
        self.conn = conn
        conn.execute("PRAGMA recursive_triggers=on")  # as sqlite-utils sets it, before any write
        conn.create_function("watcher_term", 3, _term_in_item, deterministic=True)
        conn.create_function("watcher_latin", 2, _term_in_latin, deterministic=True)
        self._db: sqlite_utils.Database | None = None
        self._lock = threading.RLock()
        self._flush_search = False  # until the migrations ran: their schema may predate it
        self._search_texts: dict[str, tuple[str, str]] = {}  # hash → (title, body) added here
        self._migrate(on_upgrade)
        self._flush_search = True
        if self.conn.execute(SEARCH_PENDING).fetchone() is not None:
            with self.transaction():  # rows a writer outside the store left pending
                pass

    @property
    def db(self) -> sqlite_utils.Database:
        """The writing handle (sqlite-utils), made at the first write. Reads go straight to
        `conn`: importing sqlite-utils was a third of a read-only command's start."""
        if self._db is None:
            module = _import_sqlite_utils()
            # No plugins: loading them scans every installed package (~30 ms a start).
            self._db = module.Database(self.conn, execute_plugins=False)
        return self._db

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        timeout: float | None = None,
        create: bool = True,
        on_upgrade: Callable[[int, int], None] | None = None,
        verify: bool = False,
        mapped: bool = False,
    ) -> Self:
        """The database at `path`; with create=False a missing file is a StoreError, never a
        new empty database (what read-only commands want: a typo must not look like no news).
        An existing empty file is refused either way. `verify`: run SQLite's quick_check
        before anything is written (commands that write, `health`, `backup`). `mapped`: read
        pages through a memory map, so a one-shot query copies none into SQLite's cache (a
        cold `watcher search` 5-30 ms faster); not for daemons, since an I/O error under a map
        is a signal, not an exception."""
        path = str(path)
        refuse_empty_file(path)
        try:
            wait = BUSY_TIMEOUT_SECONDS if timeout is None else timeout
            if create:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                conn = _connect(path, path, timeout=wait)
            else:
                uri = Path(path).absolute().as_uri() + "?mode=rw"
                conn = _connect(uri, path, timeout=wait, uri=True)
            if verify:
                quick_check(conn, path)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-65536")
            if mapped:
                conn.execute(f"PRAGMA mmap_size={MAPPED_BYTES}")
            return cls(conn, path, on_upgrade)
        except sqlite3.DatabaseError as error:
            raise StoreError(describe_db_error(path, error)) from error
        except OSError as error:
            raise StoreError(f"{path}: cannot open the database: {error.strerror}") from error

    @classmethod
    def open_read_only(cls, path: str | Path, *, verify: bool = False) -> Self:
        """The database opened with SQLite's mode=ro: nothing can write through it (a server
        facing a network), and it is never created. A schema older than this watcher's is
        refused, since upgrading it would be a write: any writing command upgrades it."""
        path = str(path)
        refuse_empty_file(path)
        uri = Path(path).absolute().as_uri() + "?mode=ro"
        try:
            conn = _connect(uri, path, uri=True)
            if verify:
                quick_check(conn, path)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise StoreError(describe_db_error(path, error)) from error
        if version < len(MIGRATIONS):
            conn.close()
            raise StoreError(
                f"{path}: schema version {version} is older than this watcher's"
                f" ({len(MIGRATIONS)}); run a writing command (watcher poll --once) to upgrade it"
            )
        return cls(conn, path)

    @classmethod
    def memory(cls) -> StoreBase:
        return cls(_connect(":memory:", ":memory:"), ":memory:")

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One atomic unit; a DB failure inside becomes a StoreError naming the file.

        It begins IMMEDIATE, taking the write lock first and waiting up to the busy timeout
        while another connection writes (an import): a transaction that has read first cannot
        wait for the lock later, SQLite answers "locked" at once rather than risk a deadlock.
        Nested, it is a savepoint of the transaction under way.
        """
        with self._lock:
            try:
                if self.db.conn.in_transaction:
                    with self.db.atomic():
                        yield self.db
                else:
                    self.db.conn.execute("BEGIN IMMEDIATE")
                    try:
                        try:
                            yield self.db
                            if self._flush_search:  # the items and their index entries together
                                self._index_pending_search()
                        except BaseException:
                            self.db.conn.rollback()
                            raise
                        self.db.conn.commit()
                    finally:
                        self._search_texts.clear()
            except DamagedDatabase:
                raise
            except sqlite3.DatabaseError as error:
                raise StoreError(describe_db_error(self.path, error)) from error

    def _hold_for_search(self, digest: str, title: str, body: str) -> None:
        """Keep an added row's text until the flush, which then indexes it as it is, folded in
        Python, instead of reading it back and folding it through SQL `replace`s."""
        self._search_texts[digest] = (title, body)

    def _index_pending_search(self) -> None:
        """Index the rows this transaction added (they commit together); only reads when
        there are none, so a read-only database and a read-only command stay read-only. Rows
        whose text is held are indexed from it; any other (a writer outside the store, a
        trigger) is read back and folded in SQL, to the same terms. Each row goes into the
        trigram index and the word index alike."""
        pending = self.conn.execute(SEARCH_PENDING_ROWS).fetchall()
        if not pending:
            return
        held = [
            (row, texts)
            for row, digest, state in pending
            if state == 1 and (texts := self._search_texts.get(digest))
        ]
        folded = [(row, fold_text(title), fold_text(body)) for row, (title, body) in held]
        for insert in SEARCH_INSERTS:  # both indexes, from the same folded text
            self.conn.executemany(insert, folded)
        self.conn.executemany(
            LATIN_INSERT,
            ((row, latin_text(title + ITEM_SEPARATOR + body)) for row, title, body in folded),
        )
        if len(held) < len(pending):
            self.conn.executemany(SEARCH_INDEXED, ((row,) for row, _ in held))
            fill_latin(self.conn, "WHERE s.pending > 0")
            for statement in SEARCH_FLUSH:
                self.conn.execute(statement)
        else:
            self.conn.execute(SEARCH_FLUSH[-1])  # every pending row is indexed now

    def check_writable(self) -> None:
        """Take and release the write lock: fails like a real write would (locked, read-only)."""
        with self._lock:
            try:
                self.db.conn.execute("BEGIN IMMEDIATE")
                try:
                    self.db.conn.execute(f"PRAGMA user_version = {self.schema_version}")
                finally:
                    self.db.conn.execute("ROLLBACK")
            except sqlite3.DatabaseError as error:
                raise StoreError(describe_db_error(self.path, error)) from error

    def backup(self, target: str | Path) -> None:
        """A consistent copy while others read and write (SQLite's online backup API)."""
        try:
            with contextlib.closing(sqlite3.connect(str(target))) as copy:
                self.db.conn.backup(copy)
        except sqlite3.DatabaseError as error:
            raise StoreError(describe_db_error(str(target), error)) from error

    def _migrate(self, on_upgrade: Callable[[int, int], None] | None = None) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this watcher knows"
                f" ({len(MIGRATIONS)}); upgrade thaigov-watcher"
            )
        if 0 < version < len(MIGRATIONS) and self.path != ":memory:":
            quick_check(self.conn, self.path)  # an upgrade writes: never into a damaged file
            if on_upgrade is not None:
                on_upgrade(version, len(MIGRATIONS))
        for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction() as db:
                for statement in statements:
                    db.execute(statement)
                if number in MIGRATION_STEPS:
                    MIGRATION_STEPS[number](db.conn)
                db.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])


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


@functools.lru_cache(maxsize=64)
def _term(spec: str) -> Term:
    return make_term(spec[1:], prefix=spec[0] == "*")


def _term_in_item(spec: str, title: str | None, body: str | None) -> bool:
    """SQL `watcher_term(spec, title, body)`: the exact check of the word rule on the few rows an
    index preselected (store/search.py); `spec` is the term's text after "*" (a prefix) or " "."""
    term = _term(spec)
    return term_occurs(term, fold_text(title or "")) or term_occurs(term, fold_text(body or ""))


def _term_in_latin(spec: str, latin: str | None) -> bool | None:
    """SQL `watcher_latin(spec, text)`: the same check over the item's `search_latin` text, for a
    term without Thai letters; NULL where the item has none (the caller then reads the item)."""
    term = _term(spec)
    if latin is None or has_thai(term):
        return None
    return term_occurs(term, latin)


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
