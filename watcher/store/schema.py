"""The schema as an append-only list of migrations (part of the store layer).

PRAGMA user_version holds how many have run. Never edit a released migration: append one.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS"]

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

MIGRATIONS: list[tuple[str, ...]] = [_V1, _V2_DIGEST_PARTS]
