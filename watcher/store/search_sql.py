"""How a text query becomes SQL over the two search indexes (see watcher/store/search.py):
each term's plan, which index answers it and whether exactly; the FTS5 queries that preselect
rows; and the statements that rank, count and check them. Functions of the query alone: the
store runs what they return."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from watcher.match.language import Term, TextQuery, has_thai, is_accent, word_spans
from watcher.store.items import filter_sql, published_order
from watcher.store.records import ItemFilter

__all__ = [
    "BY_OPENING", "LATER", "NOW", "TRIGRAM", "Openings", "Part", "TermPlan", "check_sql",
    "index_parts", "plan_term", "quoted", "search_sql",
]  # fmt: skip

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
BY_OPENING = "opening"  # a part of `index_parts` that a two-letter term's rows make up
Openings = Mapping[str, str]
_NONE: Openings = {}


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
            return TermPlan(trigram=quoted(text))
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
        trigram=quoted(text) if narrow else None,
        exact=False,
    )


def quoted(text: str) -> str:
    """Text as one FTS5 phrase: whatever the user typed (NEAR, AND, *) is text to find."""
    return '"' + text.replace('"', '""') + '"'


def _words_query(text: str, spans: Sequence[tuple[int, int]], prefix: bool) -> str:
    """The term's words as one FTS5 phrase of the word index, the last a prefix for `word*`."""
    return quoted(" ".join(text[a:b] for a, b in spans)) + ("*" if prefix else "")


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


NOW, LATER = True, False  # the exact check: in the search's SQL, or row by row after it


def check_sql(query: TextQuery, every: bool = False) -> tuple[str, list[Any]]:
    """What `search_sql(check=LATER)` left out, as a query on one search row (its id the
    first parameter): empty when nothing was left. Every term of a clause the indexes do not
    answer is checked by the word rule, as are excluded terms the indexes cannot exclude;
    with `every`, every clause and excluded term is (a row no index preselected)."""
    _, _, answered = index_parts(query)
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


def index_parts(
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
    parts += [[(BY_OPENING, c[0].text)] for c in opening]
    indexed = [*by_words, *by_trigram, *mixed, *opening]
    by_index = {c: "items_words" for c in by_words} | {c: "items_fts" for c in by_trigram}
    return parts, by_index, [c for c in indexed if all(plans[t].exact for t in c)]


def _ranked_sql(parts: list[Part], openings: Openings) -> tuple[str, str, str, list[Any]]:
    """FROM, the score and the MATCH condition of the preselected rows: one FTS5 query joined
    directly, or several whose rows must be in every part, their bm25 scores added (a
    two-letter term's rows have none: alone, it lists newest first)."""
    if len(parts) == 1 and len(parts[0]) == 1 and parts[0][0][0] != BY_OPENING:
        ((table, match),) = parts[0]
        source = f"{table} CROSS JOIN search_rows s ON s.id = {table}.rowid"
        return source, f"bm25({table}, {_TITLE_WEIGHT}, 1.0)", f"{table} MATCH ? AND ", [match]
    selects, params = [], []
    for number, part in enumerate(parts):
        for table, match in part:
            if table == BY_OPENING:
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


def search_sql(
    query: TextQuery,
    where: ItemFilter,
    newest_first: bool,
    check: bool = NOW,
    openings: Openings = _NONE,
    ordered: bool = True,
) -> tuple[str, list[Any]]:
    """The search as one SELECT of (hash, score, search row id), ordered unless `ordered` is
    False (a count: sorting every row first was half of a terminal's "N of M" footer, ญี่ปุ่น
    การลงทุน 59 against 24 ms). CROSS JOIN keeps the index's rows the outer loop, ordered or
    not: left to choose, SQLite read every item and asked the index about each; given a date
    range, SQLite read the items in it and asked FTS5 about each (ญี่ปุ่น over two
    months 1.2 s, not 15 ms; ทาง 4.3 s). With check=LATER, rows the indexes only preselect
    are not checked here (`check_sql` does, row by row)."""
    parts, preselected, answered = index_parts(query)
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
