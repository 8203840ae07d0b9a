"""Full-text search over items: an FTS5 trigram index kept in step by triggers.

The trigram tokenizer indexes every run of three characters, so any substring of a Thai run is
found without segmenting words, at write or at query time. Terms shorter than three characters
have no trigram; they are matched with LIKE instead (a scan, still fast at this size).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from watcher.store.base import StoreBase
from watcher.store.items import filter_sql, items_in_order, published_order
from watcher.store.records import ItemFilter, StoredItem
from watcher.store.schema import SEARCH_BACKFILL, fold_for_index

__all__ = ["TRIGRAM", "SearchHit", "SearchTables", "TextQuery"]

TRIGRAM = 3  # the shortest term the index can find
_TITLE_WEIGHT = 5.0  # bm25 weight of a match in the title against one in the body
_NEWEST = published_order(newest_first=True)


@dataclass(frozen=True)
class TextQuery:
    """A parsed search: each clause needs one of its terms; no excluded term may appear."""

    clauses: tuple[tuple[str, ...], ...]
    excluded: tuple[str, ...] = ()

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(term for clause in self.clauses for term in clause)


@dataclass(frozen=True)
class SearchHit:
    item: StoredItem
    score: float | None  # bm25 relevance, higher is better; None when matched by LIKE only


class SearchTables(StoreBase):
    def search_items(
        self, query: TextQuery, where: ItemFilter, *, newest_first: bool = False
    ) -> list[SearchHit]:
        """Items matching `query` and `where`, best first (or newest first)."""
        sql, params = self._search_sql(query, where, newest_first)
        if where.limit is not None:
            sql += f" LIMIT {int(where.limit)}"
        return self._hits(sql, params)

    def count_search(self, query: TextQuery, where: ItemFilter) -> int:
        """How many items `search_items` would find without a limit (the "N of M" footer)."""
        sql, params = self._search_sql(query, where, newest_first=True)
        with self._lock:
            return int(self.conn.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0])

    def _search_sql(
        self, query: TextQuery, where: ItemFilter, newest_first: bool
    ) -> tuple[str, list[Any]]:
        indexed = [c for c in query.clauses if all(len(t) >= TRIGRAM for t in c)]
        scanned = [c for c in query.clauses if c not in indexed]
        clauses, params = filter_sql(where)
        for clause in scanned:
            sql, values = _any_term_sql(clause)
            clauses.append(sql)
            params += values
        if indexed:
            match = " AND ".join(_fts_any(clause) for clause in indexed)
            long_excluded = [t for t in query.excluded if len(t) >= TRIGRAM]
            if long_excluded:
                match += " NOT " + _fts_any(long_excluded)
            for term in query.excluded:
                if len(term) < TRIGRAM:
                    clauses.append(f"NOT {_like_sql()}")
                    params += [_like_pattern(term)] * 2
            order = _NEWEST if newest_first else f"search_score, {_NEWEST}"
            sql = (
                f"SELECT i.hash, bm25(items_fts, {_TITLE_WEIGHT}, 1.0) AS search_score"
                " FROM items_fts JOIN search_rows s ON s.id = items_fts.rowid"
                " JOIN items i ON i.hash = s.hash"
                f" WHERE items_fts MATCH ? AND {' AND '.join(clauses)} ORDER BY {order}"
            )
            params = [match, *params]
        else:
            for term in query.excluded:
                sql, values = _any_term_sql([term])
                clauses.append(f"NOT {sql}")
                params += values
            sql = (
                "SELECT i.hash, NULL AS search_score FROM items i"
                f" WHERE {' AND '.join(clauses)} ORDER BY {_NEWEST}"
            )
        return sql, params

    def _hits(self, sql: str, params: list[Any]) -> list[SearchHit]:
        """Rank on the narrow covering index first, then read the few whole rows shown."""
        with self._lock:
            ranked = self.conn.execute(sql, params).fetchall()
            hashes = [row[0] for row in ranked]
            items = {item.hash: item for item in items_in_order(self.conn, hashes)}
        return [
            SearchHit(items[digest], None if score is None else -score)
            for digest, score in ranked
            if digest in items
        ]

    def rebuild_search_index(
        self, on_progress: Callable[[int, int], None] | None = None, batch: int = 2000
    ) -> int:
        """Re-index every item (after a restore or an upgrade); returns how many were indexed.

        One transaction, filled in batches of `batch` rows so `on_progress(done, total)` can
        show a long rebuild moving (a corpus of 100,000 items takes minutes)."""
        *clear, fill = SEARCH_BACKFILL
        with self.transaction() as db:
            for statement in clear:
                db.execute(statement)
            total = int(db.execute("SELECT count(*) FROM search_rows").fetchone()[0])
            last = int(db.execute("SELECT coalesce(max(id), 0) FROM search_rows").fetchone()[0])
            start = int(db.execute("SELECT coalesce(min(id), 1) FROM search_rows").fetchone()[0])
            for low in range(start - 1, last, batch):  # ids are consecutive: just inserted
                db.execute(f"{fill} WHERE s.id > ? AND s.id <= ?", (low, low + batch))
                if on_progress is not None:
                    on_progress(min(low + batch - start + 1, total), total)
            db.execute("INSERT INTO items_fts (items_fts) VALUES ('optimize')")
            return total

    def search_index_rows(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM search_rows").fetchone()[0])


def _fts_phrase(term: str) -> str:
    """A term as the index holds text: folded, so Latin letters match whatever their case."""
    return '"' + fold_for_index(term).replace('"', '""') + '"'


def _fts_any(terms: Sequence[str]) -> str:
    return "(" + " OR ".join(_fts_phrase(term) for term in terms) + ")"


def _like_sql() -> str:
    return "(i.title LIKE ? ESCAPE '\\' OR i.body LIKE ? ESCAPE '\\')"


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _any_term_sql(terms: Sequence[str]) -> tuple[str, list[Any]]:
    """One clause outside the ranked match: the index for long terms, LIKE for short ones."""
    parts, params = [], []
    for term in terms:
        if len(term) >= TRIGRAM:
            parts.append(
                "i.hash IN (SELECT hash FROM search_rows WHERE id IN"
                " (SELECT rowid FROM items_fts WHERE items_fts MATCH ?))"
            )
            params.append(_fts_phrase(term))
        else:
            parts.append(_like_sql())
            params += [_like_pattern(term)] * 2
    return "(" + " OR ".join(parts) + ")", params
