"""Full-text search over items: two contentless FTS5 indexes kept in step with the items.

- `items_fts`, trigram: every run of three characters, so any substring of a Thai run is found
  without segmenting words. Terms with no Latin edge (Thai, punctuation) are answered here;
  a two-letter Thai term by the trigrams it opens (the index's vocabulary) or by the indexed
  last two characters of a title or body; one letter by LIKE (a scan).
- `items_words`, unicode61 over cased letters and digits: the Latin words. A term that is one
  Latin word (EV, semiconductor, 2025) or a prefix (semicon*) is answered here, whole words
  only, without a scan.
Anything else (a phrase with a Latin edge, "EV charging", "covid-19", Latin beside Thai) is
preselected by both indexes and checked exactly by `watcher_term` (the query language's own
word rule, watcher/match/language.py) on those rows, in rank order until the limit. Results
rank by bm25 over the index answering most clauses, a title match five times a body match.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from watcher.match.language import TextQuery
from watcher.store.base import StoreBase
from watcher.store.items import filter_sql, items_in_order
from watcher.store.records import ItemFilter, StoredItem
from watcher.store.schema import SEARCH_CLEAR, SEARCH_FILL, SEARCH_TABLES, fill_latin
from watcher.store.search_sql import (
    BY_OPENING,
    LATER,
    Openings,
    check_sql,
    index_parts,
    plan_term,
    quoted,
    search_sql,
)

__all__ = ["SearchHit", "SearchTables", "TextQuery"]

_TERMS = "temp.items_fts_terms"  # the trigram index's vocabulary (fts5vocab), per connection
# The newest-first listing order (items.published_order) as two walks an index can stream:
# dated items by date, then undated ones by when first seen.
_WALKS = (
    ("i.published IS NOT NULL", "i.published DESC, i.first_seen DESC, i.hash"),
    ("i.published IS NULL", "i.first_seen DESC, i.hash"),
)
_WALK_ROWS = 2000  # the most rows a walk checks before it leaves the terms to the indexes
Row = tuple[str, float | None, int]  # (hash, score, search row id)


@dataclass(frozen=True)
class SearchHit:
    item: StoredItem
    score: float | None  # bm25 relevance, higher is better; None when matched by a scan only


class SearchTables(StoreBase):
    def search_items(
        self, query: TextQuery, where: ItemFilter, *, newest_first: bool = False
    ) -> list[SearchHit]:
        """Items matching `query` and `where`, best first (or newest first).

        Where the indexes only preselect (a phrase with a Latin edge), the exact check runs on
        the preselected rows in rank order until the limit is reached: "COVID-19" checks about
        20 of its 4,600 rows, not all of them (50 ms of a cold search)."""
        openings, commonest = self._openings(query)
        with self._lock:
            ranked = self._walk_newest(query, where, commonest)
            if ranked is None:
                ranked = self._ranked(query, where, newest_first, openings)
            items = {item.hash: item for item in items_in_order(self.conn, [r[0] for r in ranked])}
        return [
            SearchHit(items[digest], None if score is None else -score)
            for digest, score, _ in ranked
            if digest in items
        ]

    def _ranked(
        self, query: TextQuery, where: ItemFilter, newest_first: bool, openings: Openings
    ) -> list[Row]:
        sql, params = search_sql(query, where, newest_first, check=LATER, openings=openings)
        checking, check_params = check_sql(query)
        if not checking and where.limit is not None:
            sql += f" LIMIT {int(where.limit)}"
        ranked: list[Row] = self.conn.execute(sql, params).fetchall()  # best first
        if checking:
            checked = (
                r for r in ranked if self.conn.execute(checking, [r[2], *check_params]).fetchone()
            )
            ranked = list(itertools.islice(checked, where.limit))
        return ranked

    def _walk_newest(
        self, query: TextQuery, where: ItemFilter, commonest: Mapping[str, int]
    ) -> list[Row] | None:
        """The newest items that match, found by reading items newest first and checking each,
        when every clause the indexes answer is a two-letter term common enough to fill the
        limit within `_WALK_ROWS` rows: รถ is in two items of three, and gathering all of its
        54,000 rows from the trigrams it opens took 0.3-0.6 s to keep the newest 20. None when
        the walk does not apply, or reads `_WALK_ROWS` rows without filling the limit."""
        parts, _, _ = index_parts(query)
        if not where.limit or not parts or any(p[0][0] != BY_OPENING for p in parts):
            return None
        total = self.conn.execute("SELECT max(id) FROM search_rows").fetchone()[0] or 0
        share = 1.0
        for part in parts:
            share *= commonest.get(part[0][1], 0) / max(total, 1)
        if share * _WALK_ROWS < 4 * where.limit:  # too rare to be found in time
            return None
        clauses, params = filter_sql(where)
        checking, check_params = check_sql(query, every=True)
        found: list[Row] = []
        read = 0
        for extra, order in _WALKS:
            condition = " AND ".join([*clauses, extra])
            for row in self.conn.execute(
                "SELECT i.hash, NULL, s.id FROM items i JOIN search_rows s ON s.hash = i.hash"
                f" WHERE {condition} ORDER BY {order}",
                params,
            ):
                read += 1
                if read > _WALK_ROWS:
                    return None
                if self.conn.execute(checking, [row[2], *check_params]).fetchone():
                    found.append(row)
                    if len(found) == where.limit:
                        return found
        return found

    def count_search(self, query: TextQuery, where: ItemFilter) -> int:
        """How many items `search_items` would find without a limit (the "N of M" footer)."""
        openings = self._openings(query)[0]
        sql, params = search_sql(query, where, True, openings=openings, ordered=False)
        with self._lock:
            return int(self.conn.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0])

    def _openings(self, query: TextQuery) -> tuple[dict[str, str], dict[str, int]]:
        """Each two-letter term's trigrams (those the index holds that open with it) as one
        FTS5 query, found by a range on the vocabulary (a few ms where reading every body took
        two seconds); and the most items one of them is in, at least how many the term is in."""
        shorts = {t.text for t in (*query.terms, *query.excluded) if plan_term(t).opening}
        queries: dict[str, str] = {}
        commonest: dict[str, int] = {}
        if not shorts:
            return queries, commonest
        with self._lock:
            self.conn.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {_TERMS} USING fts5vocab(main, items_fts, row)"
            )
            for text in shorts:
                rows = self.conn.execute(
                    f"SELECT term, doc FROM {_TERMS} WHERE term >= ? AND term < ?",
                    [text, text + "\U0010ffff"],
                ).fetchall()
                queries[text] = " OR ".join(quoted(term) for term, _ in rows)
                commonest[text] = max((doc for _, doc in rows), default=0)
        return queries, commonest

    def rebuild_search_index(
        self, on_progress: Callable[[int, int], None] | None = None, batch: int = 2000
    ) -> int:
        """Re-index every item (after a restore or an upgrade); returns how many were indexed.

        One transaction, filled in batches of `batch` rows so `on_progress(done, total)` can
        show a long rebuild moving (a corpus of 100,000 items takes minutes)."""
        with self.transaction() as db:
            for statement in SEARCH_CLEAR:
                db.execute(statement)
            total = int(db.execute("SELECT count(*) FROM search_rows").fetchone()[0])
            last = int(db.execute("SELECT coalesce(max(id), 0) FROM search_rows").fetchone()[0])
            start = int(db.execute("SELECT coalesce(min(id), 1) FROM search_rows").fetchone()[0])
            for low in range(start - 1, last, batch):  # ids are consecutive: just inserted
                for fill in SEARCH_FILL:
                    db.execute(f"{fill} WHERE s.id > ? AND s.id <= ?", (low, low + batch))
                fill_latin(db.conn, "WHERE s.id > ? AND s.id <= ?", (low, low + batch))
                if on_progress is not None:
                    on_progress(min(low + batch - start + 1, total), total)
            for table in SEARCH_TABLES:
                db.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
            return total

    def search_index_rows(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM search_rows").fetchone()[0])
