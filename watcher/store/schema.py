"""The schema as an append-only list of migrations (part of the store layer).

PRAGMA user_version holds how many have run. Never edit a released migration: append one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from watcher.match.language import (
    SEARCH_INVISIBLE,
    WORD_CATEGORIES,
    fold_item,
    fold_text,
    latin_text,
)

__all__ = [
    "LATIN_INSERT",
    "MIGRATIONS",
    "MIGRATION_STEPS",
    "SEARCH_CLEAR",
    "SEARCH_FILL",
    "SEARCH_FLUSH",
    "SEARCH_INDEXED",
    "SEARCH_INSERTS",
    "SEARCH_INVISIBLE",
    "SEARCH_PENDING",
    "SEARCH_PENDING_ROWS",
    "SEARCH_TABLES",
    "WORD_TOKENIZER",
    "fill_latin",
    "fold_for_index",
]

_V1 = (
    """CREATE TABLE items (
        hash TEXT PRIMARY KEY,
        url TEXT,
        source_id INTEGER,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        category TEXT,
        published TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        origin TEXT NOT NULL,
        revision_of TEXT REFERENCES items(hash),
        countries TEXT, primary_countries TEXT, blocs TEXT, ministries TEXT,
        lead_ministry TEXT, evidence TEXT, classified_at TEXT
    )""",
    "CREATE INDEX items_first_seen ON items(first_seen)",
    "CREATE INDEX items_published ON items(published)",
    "CREATE INDEX items_revision_of ON items(revision_of)",
    """CREATE TABLE item_urls (
        url TEXT NOT NULL,
        hash TEXT NOT NULL REFERENCES items(hash),
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        PRIMARY KEY (url, hash)
    )""",
    "CREATE INDEX item_urls_hash ON item_urls(hash)",
    """CREATE TABLE item_codes (
        hash TEXT NOT NULL REFERENCES items(hash),
        kind TEXT NOT NULL,
        code TEXT NOT NULL,
        PRIMARY KEY (kind, code, hash)
    )""",
    "CREATE INDEX item_codes_hash ON item_codes(hash)",
    """CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        last_id INTEGER,
        cycles INTEGER NOT NULL DEFAULT 0,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        last_success TEXT,
        last_error TEXT,
        last_error_at TEXT,
        last_new_at TEXT
    )""",
    """CREATE TABLE empty_ids (
        source TEXT NOT NULL,
        source_id INTEGER NOT NULL,
        checks INTEGER NOT NULL,
        last_checked TEXT NOT NULL,
        PRIMARY KEY (source, source_id)
    )""",
    """CREATE TABLE http_cache (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        checked_at TEXT NOT NULL
    )""",
    """CREATE TABLE subscribers (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        address TEXT NOT NULL,
        mode TEXT NOT NULL DEFAULT 'instant',
        lang TEXT NOT NULL DEFAULT 'th',
        digest_time TEXT,
        paused_reason TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (channel, address)
    )""",
    """CREATE TABLE subscriptions (
        id INTEGER PRIMARY KEY,
        subscriber_id INTEGER NOT NULL REFERENCES subscribers(id),
        countries TEXT NOT NULL DEFAULT '',
        blocs TEXT NOT NULL DEFAULT '',
        ministries TEXT NOT NULL DEFAULT '',
        everything INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        subscriber_id INTEGER NOT NULL REFERENCES subscribers(id),
        kind TEXT NOT NULL,
        item_hash TEXT NOT NULL DEFAULT '',
        digest_date TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        plain_text INTEGER NOT NULL DEFAULT 0,
        not_before TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (subscriber_id, kind, item_hash, digest_date)
    )""",
    "CREATE INDEX outbox_due ON outbox(status, not_before)",
)

# A digest may take several messages: how many went out, so a retry sends only the rest.
_V2_DIGEST_PARTS = ("ALTER TABLE outbox ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0",)


def _searchable(column: str) -> str:
    """SQL for the text the search index holds: `normalize_text`'s folding, done in SQLite.

    Invisible characters are dropped, NIKHAHIT + SARA AA becomes SARA AM and line breaks become
    spaces, so a query normalized the same way finds a phrase however the page encoded it. The
    triggers compute it in SQL so any writer keeps the index in step inside its own transaction.
    """
    expression = column
    for invisible in SEARCH_INVISIBLE:
        expression = f"replace({expression}, char({ord(invisible)}), '')"
    expression = f"replace({expression}, char(3661, 3634), char(3635))"
    return f"replace(replace({expression}, char(13), ' '), char(10), ' ')"


def _indexed(column: str) -> str:
    """SQL for the text the index holds from migration 10 on: `_searchable`'s folding with ASCII
    letters lowered, the index's tokenizer being case-sensitive from then on."""
    return f"lower({_searchable(column)})"


fold_for_index = fold_text  # the index's folding, defined once with the query language


_V3_BACKFILL = (
    "INSERT INTO items_fts (items_fts) VALUES ('delete-all')",
    "DELETE FROM search_rows",
    "INSERT INTO search_rows (hash) SELECT hash FROM items ORDER BY first_seen, hash",
    "INSERT INTO items_fts (rowid, title, body) SELECT s.id,"
    f" {_searchable('i.title')}, {_searchable('i.body')}"
    " FROM search_rows s JOIN items i ON i.hash = s.hash",
)

# Full-text search: an FTS5 trigram index (substrings of Thai runs match with no segmentation).
# Contentless, so the text is not stored twice; `search_rows` gives each item a stable integer
# id, because the implicit rowid of `items` (TEXT primary key) may change on VACUUM.
_SEARCH = (
    "CREATE TABLE search_rows (id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE items_fts USING fts5(title, body, content='', tokenize='trigram')",
    # Filtering, ordering and counting read these narrow covering indexes, never the wide row
    # with its body: by hash (search hits, label subqueries) and by revision_of (everything).
    "CREATE INDEX items_search_cover ON items(hash, revision_of, published, first_seen, origin)",
    "CREATE INDEX items_listing ON items(revision_of, published, first_seen, origin, category,"
    " lead_ministry, primary_countries, hash)",
    f"""CREATE TRIGGER items_search_insert AFTER INSERT ON items BEGIN
        INSERT INTO search_rows (hash) VALUES (new.hash);
        INSERT INTO items_fts (rowid, title, body)
            SELECT id, {_searchable("new.title")}, {_searchable("new.body")}
            FROM search_rows WHERE hash = new.hash;
    END""",
    f"""CREATE TRIGGER items_search_update AFTER UPDATE OF title, body ON items BEGIN
        INSERT INTO items_fts (items_fts, rowid, title, body)
            SELECT 'delete', id, {_searchable("old.title")}, {_searchable("old.body")}
            FROM search_rows WHERE hash = old.hash;
        INSERT INTO items_fts (rowid, title, body)
            SELECT id, {_searchable("new.title")}, {_searchable("new.body")}
            FROM search_rows WHERE hash = new.hash;
    END""",
    f"""CREATE TRIGGER items_search_delete AFTER DELETE ON items BEGIN
        INSERT INTO items_fts (items_fts, rowid, title, body)
            SELECT 'delete', id, {_searchable("old.title")}, {_searchable("old.body")}
            FROM search_rows WHERE hash = old.hash;
        DELETE FROM search_rows WHERE hash = old.hash;
    END""",
    *_V3_BACKFILL[2:],
)

# What a source's last cycle said about the site (ok, refused by robots.txt, blocked by bot
# protection, selectors stale, failing), when a blocked source may try again, how far a
# backfill got; and the ids or links a source could not read, with their reason and tries.
_V4_SOURCE_STATES = (
    "ALTER TABLE sources ADD COLUMN state TEXT NOT NULL DEFAULT 'ok'",
    "ALTER TABLE sources ADD COLUMN state_detail TEXT",
    "ALTER TABLE sources ADD COLUMN state_since TEXT",
    "ALTER TABLE sources ADD COLUMN blocked_until TEXT",
    "ALTER TABLE sources ADD COLUMN blocked_count INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE sources ADD COLUMN backfill TEXT",
    """CREATE TABLE source_skips (
        source TEXT NOT NULL,
        key TEXT NOT NULL,
        reason TEXT NOT NULL,
        tries INTEGER NOT NULL,
        given_up INTEGER NOT NULL DEFAULT 0,
        last_tried TEXT NOT NULL,
        PRIMARY KEY (source, key)
    )""",
)

# The classifier's item kind ("news" | "cabinet_summary"), and subscriptions that follow a
# ministry only where it leads the item (`/subscribe industry lead`). Items stored before this
# migration get the kind their title says (the classifier's [cabinet_summary] title openings);
# `watcher reclassify` re-derives it together with the labels.
_V5_KIND_AND_LEAD = (
    "ALTER TABLE items ADD COLUMN kind TEXT NOT NULL DEFAULT 'news'",
    "UPDATE items SET kind = 'cabinet_summary' WHERE ltrim(title) LIKE 'สรุปข่าวการประชุมคณะรัฐมนตรี%'"
    " OR ltrim(title) LIKE 'สรุปข่าวการประชุม ครม%' OR ltrim(title) LIKE 'The cabinet met%'",
    "ALTER TABLE subscriptions ADD COLUMN lead_only INTEGER NOT NULL DEFAULT 0",
)

# Near-duplicates (watcher/ingest/neardup.py): a variant links to its story's first item; the LSH
# band keys of every item live in a table keyed by (band, bucket), written with the item. Items
# stored before this migration have no band keys yet: they wait in near_duplicate_pending until the
# pipeline indexes them (once, at its first item), as stories of their own.
_NEAR_DUPLICATES = (
    "ALTER TABLE items ADD COLUMN near_duplicate_of TEXT REFERENCES items(hash)",
    "ALTER TABLE items ADD COLUMN near_similarity REAL",
    "CREATE INDEX items_near_duplicate_of ON items(near_duplicate_of)",
    # Listings hide variants: the listing index leads with both conditions, so it still covers.
    "DROP INDEX items_listing",
    "CREATE INDEX items_listing ON items(revision_of, near_duplicate_of, published, first_seen,"
    " origin, category, lead_ministry, primary_countries, hash)",
    # One row per LSH band of an item. `bucket` hashes the band's number with its MinHash values,
    # so an indexed IN (...) over an item's bucket keys finds every item sharing any band.
    # `period` (32-day span of `day`) leads the key: an import or a day's polling writes into
    # one region of the tree instead of dirtying pages across all of it at every commit, and a
    # lookup probes only the periods its window covers. No foreign key: the row is written in
    # the item's own transaction, and a per-row check was a tenth of the import's cost here.
    """CREATE TABLE near_duplicate_bands (
        period INTEGER NOT NULL,
        bucket INTEGER NOT NULL,
        hash TEXT NOT NULL,
        band INTEGER NOT NULL,
        story TEXT NOT NULL,
        day TEXT NOT NULL,
        PRIMARY KEY (period, bucket, hash)
    ) WITHOUT ROWID""",
    "CREATE TABLE near_duplicate_pending (hash TEXT PRIMARY KEY)",
    "INSERT INTO near_duplicate_pending (hash) SELECT hash FROM items",
)


def _search_triggers(
    fold: Callable[[str], str],
    *,
    mark_changed: bool = False,
    tables: tuple[str, ...] = ("items_fts",),
    latin: bool = False,
) -> tuple[str, ...]:
    """The update and delete triggers of the batched index (migration 7), folding with `fold`:
    they touch the index only for rows already in it, never for a pending one. `mark_changed`
    (migration 10): a pending row changed since it was added is marked 2, so the flush reads
    its text back instead of indexing the text the store held for it. `tables` (migration 12):
    every index kept from the same folded text, the trigram one and the word one; `latin`: the
    row's `search_latin` text is forgotten (a search then reads the item itself)."""
    old_title, old_body, new_title, new_body = map(
        fold, ("old.title", "old.body", "new.title", "new.body")
    )
    changed = (
        "UPDATE search_rows SET pending = 2 WHERE hash = new.hash AND pending = 1;\n        "
        if mark_changed
        else ""
    )
    forget = "".join(
        f"""INSERT INTO {table} ({table}, rowid, title, body)
            SELECT 'delete', id, {old_title}, {old_body}
            FROM search_rows WHERE hash = old.hash AND pending = 0;
        """
        for table in tables
    )
    if latin:
        forget += """DELETE FROM search_latin
            WHERE id IN (SELECT id FROM search_rows WHERE hash = old.hash);
        """
    learn = "".join(
        f"""INSERT INTO {table} (rowid, title, body)
            SELECT id, {new_title}, {new_body}
            FROM search_rows WHERE hash = new.hash AND pending = 0;
        """
        for table in tables
    )
    return (
        "DROP TRIGGER items_search_update",
        f"""CREATE TRIGGER items_search_update AFTER UPDATE OF title, body ON items BEGIN
        {changed}{forget}{learn.rstrip()}
    END""",
        "DROP TRIGGER items_search_delete",
        f"""CREATE TRIGGER items_search_delete AFTER DELETE ON items BEGIN
        {forget}DELETE FROM search_rows WHERE hash = old.hash;
    END""",
    )


# The search index written once per transaction, not once per row (issue 16): the insert trigger
# only gives the item its search row, marked pending; the store indexes every pending row in
# one statement just before the transaction commits (StoreBase.transaction), so an item and its
# index entry still commit together or not at all, at half the cost of a trigger per row. The
# update and delete triggers touch the index only for rows already in it.
_SEARCH_BATCHED = (
    "ALTER TABLE search_rows ADD COLUMN pending INTEGER NOT NULL DEFAULT 0",
    "CREATE INDEX search_rows_pending ON search_rows(id) WHERE pending = 1",
    "DROP TRIGGER items_search_insert",
    """CREATE TRIGGER items_search_insert AFTER INSERT ON items BEGIN
        INSERT INTO search_rows (hash, pending) VALUES (new.hash, 1);
    END""",
    *_search_triggers(_searchable),
)

# FTS5 keeps a transaction's terms in a hash table and writes a segment each time it fills (1 MB
# by default), then merges segments level by level: an import batch of 500 pages made several
# small segments, and merging them again was a third of the index's cost. 32 MB holds a batch,
# so a batch is one segment, and merging when 8 segments share a level rather than 4 halves the
# merge work. Both are stored settings of the index (its _config table): every writer uses them.
_SEARCH_SEGMENTS = (
    "INSERT INTO items_fts (items_fts, rank) VALUES ('hashsize', 33554432)",
    "INSERT INTO items_fts (items_fts, rank) VALUES ('automerge', 8)",
)

# A listing by country or ministry starts from item_codes' hashes and must skip revisions and
# variants: with near_duplicate_of in the covering index by hash, each hash is one index probe,
# where before the plan walked every story's listing entry (`seen list --country JP --limit 20`
# on 27,679 items: 11 ms → 2 ms). Searches join on it the same way.
_LISTING_BY_CODE = (
    "DROP INDEX items_search_cover",
    "CREATE INDEX items_search_cover ON items(hash, revision_of, near_duplicate_of, published,"
    " first_seen, origin)",
)

# FTS5's own case folding looked every Thai character up in its Unicode tables, and the flush
# read each body back and ran it through a chain of SQL `replace`s: the index now tokenizes
# case-sensitively text already folded (ASCII letters lowered: `_indexed`), which the store
# computes in Python for the rows it adds and hands over directly (`fold_for_index`,
# StoreBase). What the index adds to a transaction (bench/search_index.py, 9,930 items): 0.73 ms
# an item before, 0.61 after, commit included; tokenizing alone 0.60 → 0.31. The index is built
# again from the rows, once: 17 s for 27,679 items. Non-ASCII capitals (É, Я) now match their
# own case only; the site's Latin text is English.
_INDEX_FROM_ROWS = (  # each search row's item, read back and folded in SQL
    "INSERT INTO items_fts (rowid, title, body) SELECT s.id,"
    f" {_indexed('i.title')}, {_indexed('i.body')}"
    " FROM search_rows s JOIN items i ON i.hash = s.hash"
)
_SEARCH_CASE_FOLDED = (
    "DROP TABLE items_fts",
    "CREATE VIRTUAL TABLE items_fts USING fts5(title, body, content='',"
    " tokenize='trigram case_sensitive 1')",
    *_SEARCH_SEGMENTS,
    *_search_triggers(_indexed, mark_changed=True),
    "DROP INDEX search_rows_pending",
    "CREATE INDEX search_rows_pending ON search_rows(id) WHERE pending > 0",
    _INDEX_FROM_ROWS + " WHERE s.pending = 0",
)


# Latin words (issue 24): a second contentless index, FTS5's unicode61 tokenizer over the same
# folded text, whose tokens are runs of cased letters and digits (`WORD_CATEGORIES`) with their
# accents: Thai letters, punctuation and spaces all separate. A Latin term is then a lookup of
# whole words (`EV` never finds "Development"), `semicon*` a prefix query, both without a scan;
# two-letter terms too, which the trigram index cannot answer. The query language's word rule
# (watcher/match/language.py) is defined as these tokens, so Python matching agrees. The
# tokenizer folds case itself (É as é), so the triggers' SQL folding forgets exactly the tokens
# an insert of Python-folded text gave. Filled with the trigram index, from the same text, in
# the same transaction; built here once from the rows.
_CATEGORIES = " ".join(sorted(WORD_CATEGORIES))
WORD_TOKENIZER = f"unicode61 remove_diacritics 0 categories '{_CATEGORIES}'"
SEARCH_TABLES = ("items_fts", "items_words")


def _index_from_rows(table: str) -> str:
    """Each search row's item, read back and folded in SQL, into index `table`."""
    return (
        f"INSERT INTO {table} (rowid, title, body) SELECT s.id,"
        f" {_indexed('i.title')}, {_indexed('i.body')}"
        " FROM search_rows s JOIN items i ON i.hash = s.hash"
    )


_WORD_INDEX = (
    f"CREATE VIRTUAL TABLE items_words USING fts5(title, body, content='',"
    f' tokenize="{WORD_TOKENIZER}")',
    "INSERT INTO items_words (items_words, rank) VALUES ('hashsize', 33554432)",
    "INSERT INTO items_words (items_words, rank) VALUES ('automerge', 8)",
    # The Latin text of each item (`latin_text`: runs of Thai letters as one character), what
    # the exact check of a phrase such as "covid-19" reads: 5% of the bodies' size, so checking
    # 4,000 candidates reads 2 MB, not 90. Written by the store in Python with the indexes
    # (filled below, once, by `fill_latin`); a row a writer outside the store changes loses
    # its text, and the check reads the item instead.
    "CREATE TABLE search_latin (id INTEGER PRIMARY KEY, text TEXT NOT NULL)",
    *_search_triggers(_indexed, mark_changed=True, tables=SEARCH_TABLES, latin=True),
    _index_from_rows("items_words") + " WHERE s.pending = 0",
    "INSERT INTO items_words (items_words) VALUES ('optimize')",
)
LATIN_INSERT = "INSERT OR REPLACE INTO search_latin (id, text) VALUES (?, ?)"


def fill_latin(conn: sqlite3.Connection, where: str = "", params: Sequence[object] = ()) -> None:
    """Write `search_latin` for the search rows `where` selects (SQL over `s`), in Python."""
    rows = conn.execute(
        "SELECT s.id, i.title, i.body FROM search_rows s JOIN items i ON i.hash = s.hash " + where,
        params,
    )
    conn.executemany(
        LATIN_INSERT, ((row, latin_text(fold_item(title, body))) for row, title, body in rows)
    )


SEARCH_CLEAR = (
    *(f"INSERT INTO {table} ({table}) VALUES ('delete-all')" for table in SEARCH_TABLES),
    "DELETE FROM search_latin",
    "DELETE FROM search_rows",
    "INSERT INTO search_rows (hash) SELECT hash FROM items ORDER BY first_seen, hash",
)
SEARCH_FILL = tuple(_index_from_rows(table) for table in SEARCH_TABLES)
# pending: 1 = added in this transaction, its text held by the store; 2 = changed since.
SEARCH_PENDING = "SELECT 1 FROM search_rows WHERE pending > 0 LIMIT 1"
SEARCH_PENDING_ROWS = "SELECT id, hash, pending FROM search_rows WHERE pending > 0"
SEARCH_INSERTS = tuple(
    f"INSERT INTO {table} (rowid, title, body) VALUES (?, ?, ?)" for table in SEARCH_TABLES
)
SEARCH_INDEXED = "UPDATE search_rows SET pending = 0 WHERE id = ?"
SEARCH_FLUSH = (
    *(fill + " WHERE s.pending > 0" for fill in SEARCH_FILL),
    "UPDATE search_rows SET pending = 0 WHERE pending > 0",
)

# Word subscriptions and self-service: a subscription's words (the search language), its own
# frequency (instant, daily, weekly; NULL = the subscriber's mode) and pause; a subscriber's
# quiet hours and weekly digest day and time. `audience_version` moves with every change to
# either table (from any process), so the store knows when its matching index is stale.
_SUBSCRIPTION_WORDS = (
    "ALTER TABLE subscriptions ADD COLUMN query TEXT",
    "ALTER TABLE subscriptions ADD COLUMN mode TEXT",
    "ALTER TABLE subscriptions ADD COLUMN paused INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE subscribers ADD COLUMN quiet_start TEXT",
    "ALTER TABLE subscribers ADD COLUMN quiet_end TEXT",
    "ALTER TABLE subscribers ADD COLUMN quiet_mode TEXT",
    "ALTER TABLE subscribers ADD COLUMN weekly_day INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE subscribers ADD COLUMN weekly_time TEXT",
    "CREATE TABLE audience_version (n INTEGER NOT NULL)",
    "INSERT INTO audience_version VALUES (0)",
    *(
        f"CREATE TRIGGER audience_{table}_{event.lower()} AFTER {event} ON {table}"
        " BEGIN UPDATE audience_version SET n = n + 1; END"
        for table in ("subscribers", "subscriptions")
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
)

# A two-letter Thai term is found by the trigrams it opens (store/search.py), except where it
# ends a title or a body: these two indexes answer that without reading every body.
_TEXT_TAILS = (
    "CREATE INDEX items_title_tail ON items (substr(title, -2))",
    "CREATE INDEX items_body_tail ON items (substr(body, -2))",
)

MIGRATIONS: list[tuple[str, ...]] = [
    _V1,
    _V2_DIGEST_PARTS,
    _SEARCH,
    _V4_SOURCE_STATES,
    _V5_KIND_AND_LEAD,
    _NEAR_DUPLICATES,
    _SEARCH_BATCHED,
    _SEARCH_SEGMENTS,
    _LISTING_BY_CODE,
    _SEARCH_CASE_FOLDED,
    _SUBSCRIPTION_WORDS,
    _WORD_INDEX,
    _TEXT_TAILS,
]
# Python run after a migration's SQL, in its transaction, by its number.
MIGRATION_STEPS: dict[int, Callable[[sqlite3.Connection], None]] = {
    MIGRATIONS.index(_WORD_INDEX) + 1: fill_latin,
}
