"""The connection, its transactions and migrations; the tables' modules build on this."""

from __future__ import annotations

import contextlib
import functools
import importlib
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Self

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
from watcher.store.connection import (
    DamagedDatabase,
    connect,
    describe_db_error,
    quick_check,
    refuse_empty_file,
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

__all__ = ["BUSY_TIMEOUT_SECONDS", "StoreBase"]

MAPPED_BYTES = 1 << 32  # SQLite caps it at its compile-time limit (often 2 GB)
BUSY_TIMEOUT_SECONDS = 10.0


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
                conn = connect(path, path, timeout=wait)
            else:
                uri = Path(path).absolute().as_uri() + "?mode=rw"
                conn = connect(uri, path, timeout=wait, uri=True)
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
            conn = connect(uri, path, uri=True)
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
        return cls(connect(":memory:", ":memory:"), ":memory:")

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
