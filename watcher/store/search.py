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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from watcher.match.language import Term, TextQuery, has_thai, is_accent, word_spans
from watcher.store.base import StoreBase
from watcher.store.items import filter_sql, items_in_order, published_order
from watcher.store.records import ItemFilter, StoredItem
from watcher.store.schema import SEARCH_CLEAR, SEARCH_FILL, SEARCH_TABLES, fill_latin

__all__ = ["TRIGRAM", "SearchHit", "SearchTables", "TermPlan", "TextQuery", "plan_term"]

TRIGRAM = 3  # the shortest term the trigram index can find
_TITLE_WEIGHT = 5.0  # bm25 weight of a match in the title against one in the body
_NEWEST = published_order(newest_first=True)
_IN_INDEX = "s.id IN (SELECT rowid FROM {0} WHERE {0} MATCH ?)"
# A two-letter term: in a trigram it opens, or at the end of the title or body (indexed tails,
# migration 13). The unary + keeps SQLite from probing the row once per listed id.
_OPENED = "+s.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)"
_ENDS = (
    "+i.hash IN (SELECT hash FROM items WHERE substr(title, -2) = ?"
    " UNION ALL SELECT hash FROM items WHERE substr(body, -2) = ?)"
)
_BY_OPENING = "opening"  # a part of `_parts` that a two-letter term's rows make up
_TERMS = "temp.items_fts_terms"  # the trigram index's vocabulary (fts5vocab), per connection
Openings = Mapping[str, str]
_NONE: Openings = {}
# The newest-first listing order (items.published_order) as two walks an index can stream:
# dated items by date, then undated ones by when first seen.
_WALKS = (
    ("i.published IS NOT NULL", "i.published DESC, i.first_seen DESC, i.hash"),
    ("i.published IS NULL", "i.first_seen DESC, i.hash"),
)
_WALK_ROWS = 2000  # the most rows a walk checks before it leaves the terms to the indexes
Row = tuple[str, float | None, int]  # (hash, score, search row id)


@dataclass(frozen=True)
class TermPlan:
    """How the store finds one term: index conditions (each necessary), and whether they are
    the whole answer or the rows they select need the exact check."""

    words: str | None = None  # an FTS5 query on items_words
    trigram: str | None = None  # an FTS5 query on items_fts
    like: str | None = None  # a LIKE pattern over title and body (one letter: a scan)
    opening: str | None = None  # two letters: the trigrams they open, or a column's end
    exact: bool = True


def plan_term(term: Term) -> TermPlan:
    text = term.text
    spans = word_spans(text)
    one_word = spans == [(0, len(text))]
    if one_word and all(c.isascii() or c.lower() == c.upper() for c in text):
        return TermPlan(words=_words_query(text, spans, term.prefix))
    if not term.whole_word:
        if len(text) >= TRIGRAM:
            return TermPlan(trigram=_quoted(text))
        if len(text) == TRIGRAM - 1 and not any(c.isascii() and c.isalpha() for c in text):
            return TermPlan(opening=text)  # Thai: LIKE would read every body (2 s)
        return TermPlan(like=_like_pattern(text))
    # The words, in order, are necessary; not when the term opens with an accent, which in
    # the item may continue a word before it. Where they preselect a term without Thai, the
    # exact check reads the small Latin text: cheaper than narrowing further by trigrams.
    usable = bool(spans) and not is_accent(text[0])
    narrow = len(text) >= TRIGRAM and (not usable or has_thai(term))
    return TermPlan(
        words=_words_query(text, spans, term.prefix) if usable else None,
        trigram=_quoted(text) if narrow else None,
        exact=False,
    )


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
        sql, params = _search_sql(query, where, newest_first, check=_LATER, openings=openings)
        check_sql, check_params = _check_sql(query)
        if not check_sql and where.limit is not None:
            sql += f" LIMIT {int(where.limit)}"
        ranked: list[Row] = self.conn.execute(sql, params).fetchall()  # best first
        if check_sql:
            checked = (
                r for r in ranked if self.conn.execute(check_sql, [r[2], *check_params]).fetchone()
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
        parts, _, _ = _parts(query)
        if not where.limit or not parts or any(p[0][0] != _BY_OPENING for p in parts):
            return None
        total = self.conn.execute("SELECT max(id) FROM search_rows").fetchone()[0] or 0
        share = 1.0
        for part in parts:
            share *= commonest.get(part[0][1], 0) / max(total, 1)
        if share * _WALK_ROWS < 4 * where.limit:  # too rare to be found in time
            return None
        clauses, params = filter_sql(where)
        check_sql, check_params = _check_sql(query, every=True)
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
                if self.conn.execute(check_sql, [row[2], *check_params]).fetchone():
                    found.append(row)
                    if len(found) == where.limit:
                        return found
        return found

    def count_search(self, query: TextQuery, where: ItemFilter) -> int:
        """How many items `search_items` would find without a limit (the "N of M" footer)."""
        openings = self._openings(query)[0]
        sql, params = _search_sql(query, where, True, openings=openings, ordered=False)
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
                queries[text] = " OR ".join(_quoted(term) for term, _ in rows)
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


def _quoted(text: str) -> str:
    """Text as one FTS5 phrase: whatever the user typed (NEAR, AND, *) is text to find."""
    return '"' + text.replace('"', '""') + '"'


def _words_query(text: str, spans: Sequence[tuple[int, int]], prefix: bool) -> str:
    """The term's words as one FTS5 phrase of the word index, the last a prefix for `word*`."""
    return _quoted(" ".join(text[a:b] for a, b in spans)) + ("*" if prefix else "")


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _term_sql(
    term: Term, preselected: str = "", check: bool = True, openings: Openings = _NONE
) -> tuple[str, list[Any]]:
    """One term as a condition on a row (`s` its search row, `i` its item); `preselected`: the
    index whose query for this very term the row comes from, not to be asked again. Without
    `check`, only what the indexes say: necessary, maybe not sufficient ("1" when they say
    nothing). `openings`: each two-letter term's trigrams, as one FTS5 query."""
    plan = plan_term(term)
    parts: list[str] = []
    params: list[Any] = []
    for table, query in (("items_words", plan.words), ("items_fts", plan.trigram)):
        if query is not None and table != preselected:
            parts.append(_IN_INDEX.format(table))
            params.append(query)
    if plan.like is not None:
        parts.append("(i.title LIKE ? ESCAPE '\\' OR i.body LIKE ? ESCAPE '\\')")
        params += [plan.like] * 2
    if plan.opening is not None:
        trigrams = openings.get(plan.opening)  # none: no trigram opens with the term
        parts.append(f"({_OPENED} OR {_ENDS})" if trigrams else f"({_ENDS})")
        params += [*([trigrams] if trigrams else []), plan.opening, plan.opening]
    if not plan.exact and check:
        sql, values = _exact_sql(term)
        parts.append(sql)
        params += values
    return "(" + (" AND ".join(parts) or "1") + ")", params


def _exact_sql(term: Term) -> tuple[str, list[Any]]:
    """The query language's own word rule on the row: the item's Latin text where it has one,
    else the item itself."""
    sql = (
        "coalesce(watcher_latin(?, (SELECT text FROM search_latin WHERE id = s.id)),"
        " watcher_term(?, i.title, i.body))"
    )
    return sql, [("*" if term.prefix else " ") + term.text] * 2


def _any_sql(
    terms: Sequence[Term], check: bool = True, openings: Openings = _NONE
) -> tuple[str, list[Any]]:
    parts, params = [], []
    for term in terms:
        sql, values = _term_sql(term, check=check, openings=openings)
        parts.append(sql)
        params += values
    return "(" + " OR ".join(parts) + ")", params


_NOW, _LATER = True, False  # the exact check: in the search's SQL, or row by row after it


def _check_sql(query: TextQuery, every: bool = False) -> tuple[str, list[Any]]:
    """What `_search_sql(check=_LATER)` left out, as a query on one search row (its id the
    first parameter): empty when nothing was left. Every term of a clause the indexes do not
    answer is checked by the word rule, as are excluded terms the indexes cannot exclude;
    with `every`, every clause and excluded term is (a row no index preselected)."""
    _, _, answered = _parts(query)
    clauses, params = [], []
    for clause in query.clauses:
        if not every and (clause in answered or all(plan_term(term).exact for term in clause)):
            continue
        checks = [_exact_sql(term) for term in clause]
        clauses.append("(" + " OR ".join(sql for sql, _ in checks) + ")")
        params += [value for _, values in checks for value in values]
    for term in query.excluded:
        if every or not plan_term(term).exact:
            sql, values = _exact_sql(term)
            clauses.append(f"NOT {sql}")
            params += values
    if not clauses:
        return "", []
    sql = (
        "SELECT 1 FROM search_rows s JOIN items i ON i.hash = s.hash WHERE s.id = ? AND "
        + " AND ".join(clauses)
    )
    return sql, params


Part = list[tuple[str, str]]  # (index, MATCH expression): rows in any of them


def _parts(
    query: TextQuery,
) -> tuple[list[Part], dict[tuple[Term, ...], str], list[tuple[Term, ...]]]:
    """What the indexes preselect: every clause they can answer, in as few FTS5 queries as may
    be (clauses of one index share one MATCH; a clause mixing the two, such as
    `semiconductor OR เซมิคอนดักเตอร์`, is one query on each), the one-index clauses with their
    index, and the clauses answered exactly, which need no further check."""
    plans = {t: plan_term(t) for t in query.terms}
    by_words = [c for c in query.clauses if all(plans[t].words for t in c)]
    by_trigram = [
        c for c in query.clauses if c not in by_words and all(plans[t].trigram for t in c)
    ]
    parts: list[Part] = []
    for table, clauses, field in (
        ("items_words", by_words, "words"),
        ("items_fts", by_trigram, "trigram"),
    ):
        if clauses:
            match = " AND ".join(
                "(" + " OR ".join(getattr(plans[t], field) for t in c) + ")" for c in clauses
            )
            parts.append([(table, match)])
    mixed = [
        c
        for c in query.clauses
        if c not in by_words
        and c not in by_trigram
        and all(plans[t].words or plans[t].trigram for t in c)
    ]
    for clause in mixed:
        words = [plans[t].words or "" for t in clause if plans[t].words]
        trigram = [plans[t].trigram or "" for t in clause if not plans[t].words]
        parts.append([("items_words", " OR ".join(words)), ("items_fts", " OR ".join(trigram))])
    opening = [c for c in query.clauses if len(c) == 1 and plans[c[0]].opening]
    parts += [[(_BY_OPENING, c[0].text)] for c in opening]
    indexed = [*by_words, *by_trigram, *mixed, *opening]
    by_index = {c: "items_words" for c in by_words} | {c: "items_fts" for c in by_trigram}
    return parts, by_index, [c for c in indexed if all(plans[t].exact for t in c)]


def _ranked_sql(parts: list[Part], openings: Openings) -> tuple[str, str, str, list[Any]]:
    """FROM, the score and the MATCH condition of the preselected rows: one FTS5 query joined
    directly, or several whose rows must be in every part, their bm25 scores added (a
    two-letter term's rows have none: alone, it lists newest first)."""
    if len(parts) == 1 and len(parts[0]) == 1 and parts[0][0][0] != _BY_OPENING:
        ((table, match),) = parts[0]
        source = f"{table} CROSS JOIN search_rows s ON s.id = {table}.rowid"
        return source, f"bm25({table}, {_TITLE_WEIGHT}, 1.0)", f"{table} MATCH ? AND ", [match]
    selects, params = [], []
    for number, part in enumerate(parts):
        for table, match in part:
            if table == _BY_OPENING:
                trigrams = openings.get(match)
                if trigrams:
                    selects.append(
                        f"SELECT rowid AS id, NULL AS score, {number} AS part FROM items_fts"
                        " WHERE items_fts MATCH ?"
                    )
                    params.append(trigrams)
                selects += [
                    f"SELECT r.id AS id, NULL AS score, {number} AS part FROM items x"
                    f" JOIN search_rows r ON r.hash = x.hash WHERE substr(x.{column}, -2) = ?"
                    for column in ("title", "body")
                ]
                params += [match, match]
                continue
            selects.append(
                f"SELECT rowid AS id, bm25({table}, {_TITLE_WEIGHT}, 1.0) AS score,"
                f" {number} AS part FROM {table} WHERE {table} MATCH ?"
            )
            params.append(match)
    source = (
        "(SELECT id, sum(score) AS score FROM (" + " UNION ALL ".join(selects) + ")"
        f" GROUP BY id HAVING count(DISTINCT part) = {len(parts)}) d"
        " CROSS JOIN search_rows s ON s.id = d.id"
    )
    return source, "d.score", "", params


def _search_sql(
    query: TextQuery,
    where: ItemFilter,
    newest_first: bool,
    check: bool = _NOW,
    openings: Openings = _NONE,
    ordered: bool = True,
) -> tuple[str, list[Any]]:
    """The search as one SELECT of (hash, score, search row id), ordered unless `ordered` is
    False (a count: sorting every row first was half of a terminal's "N of M" footer, ญี่ปุ่น
    การลงทุน 59 against 24 ms). CROSS JOIN keeps the index's rows the outer loop, ordered or
    not: left to choose, SQLite read every item and asked the index about each; given a date
    range, SQLite read the items in it and asked FTS5 about each (ญี่ปุ่น over two
    months 1.2 s, not 15 ms; ทาง 4.3 s). With check=_LATER, rows the indexes only preselect
    are not checked here (`_check_sql` does, row by row)."""
    parts, preselected, answered = _parts(query)
    clauses, params = filter_sql(where)
    for clause in query.clauses:
        if clause in answered:
            continue
        if len(clause) == 1 and clause in preselected:
            sql, values = _term_sql(clause[0], preselected[clause], check, openings)
        else:
            sql, values = _any_sql(clause, check, openings)
        clauses.append(sql)
        params += values
    for term in query.excluded:
        if check or plan_term(term).exact:
            sql, values = _term_sql(term, openings=openings)
            clauses.append(f"NOT {sql}")
            params += values
    condition = " AND ".join(clauses) or "1"
    if not parts:
        sql = (
            "SELECT i.hash, NULL AS search_score, s.id FROM items i"
            " JOIN search_rows s ON s.hash = i.hash"
            f" WHERE {condition}" + (f" ORDER BY {_NEWEST}" if ordered else "")
        )
        return sql, params
    source, score, match_sql, matches = _ranked_sql(parts, openings)
    order = _NEWEST if newest_first else f"search_score, {_NEWEST}"
    sql = (
        f"SELECT i.hash, {score} AS search_score, s.id FROM {source}"
        f" CROSS JOIN items i ON i.hash = s.hash WHERE {match_sql}{condition}"
    ) + (f" ORDER BY {order}" if ordered else "")
    return sql, [*matches, *params]
