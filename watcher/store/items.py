"""Items, the URLs they were seen at, their labels; dedupe by content hash."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from watcher.core.corpus import Item
    from watcher.match.audience import Audience
    from watcher.store.watch_records import AddOutcome, NearQuery
from watcher.store.near import NearDuplicateTables
from watcher.store.outbox import OutboxTables
from watcher.store.records import ItemFilter, Labels, StoredItem, utc_iso

__all__ = ["ItemTables", "filter_sql", "items_in_order", "published_order"]

_CODE_KINDS = (("country", "countries"), ("bloc", "blocs"), ("ministry", "ministries"))


class ItemTables(NearDuplicateTables, OutboxTables):
    _audience: tuple[int, Audience] | None = None  # (audience_version, index) of this process

    def add_item(
        self,
        item: Item,
        *,
        origin: str,
        seen_at: dt.datetime,
        labels: Labels | None = None,
        alert: bool = False,
        near: NearQuery | None = None,
        digest: str | None = None,
    ) -> AddOutcome:
        """Store an item unless its hash is known; queue its alerts in the same transaction.

        Same hash = the same item seen again (an extra URL is recorded). Same URL with a new hash
        = a revision of the item first seen there. A `near.story` = a variant of that story
        (a near-duplicate, linked to its first item). None of them alerts. The item's LSH band
        keys are written in the same transaction. `digest`: the item's hash, when computed
        already (by an import worker). Characters XML cannot carry (U+0008, NUL, U+FFFE…) are
        dropped from the stored text; the hash stays that of the text as received.
        """
        from watcher.store.watch_records import AddOutcome

        digest = digest or item.hash
        item = _xml_safe_item(item)
        now = utc_iso(seen_at)
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM items WHERE hash = ?", [digest]).fetchone():
                self._record_url(digest, item.url, now)
                db.execute("UPDATE items SET last_seen = ? WHERE hash = ?", [now, digest])
                return AddOutcome("duplicate", digest)
            revision_of = self._root_at_url(item.url)
            story, similarity = None, None
            if near is not None and near.bands and revision_of is None:
                candidates = self.near_duplicate_candidates(
                    near.bands, near.first_day, near.last_day
                )
                if candidates and (decision := near.decide(candidates)) is not None:
                    story, similarity = decision
            columns = _label_columns(labels, now) if labels is not None else {}
            row = {
                "hash": digest,
                "url": item.url,
                "source_id": item.source_id,
                "title": item.title,
                "body": item.body,
                "category": item.category,
                "published": item.published,
                "first_seen": now,
                "last_seen": now,
                "origin": origin,
                "revision_of": revision_of,
                "near_duplicate_of": story,
                "near_similarity": similarity,
                **columns,
            }
            # The labels go in with the row: an UPDATE after it rewrote the whole row, body
            # and all, and every index over the label columns a second time.
            db.execute(
                f"INSERT INTO items ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
            self._hold_for_search(digest, item.title, item.body)
            self._record_url(digest, item.url, now)
            if labels is not None:
                self._write_codes(digest, labels)
            if near is not None:
                root = self._story_of(revision_of) if revision_of else story or digest
                self._write_bands(digest, root, near.day, near.bands)
            else:  # stored without detection: indexed when a detecting pipeline next runs
                db.execute("INSERT OR IGNORE INTO near_duplicate_pending VALUES (?)", [digest])
            if revision_of is not None:
                return AddOutcome("revision", digest)
            if story is not None:
                return AddOutcome("variant", digest)
            queued = (
                self._queue_alerts(digest, item.title, item.body, labels, now)
                if alert and labels
                else 0
            )
            return AddOutcome("new", digest, queued)

    def _record_url(self, digest: str, url: str | None, now: str) -> None:
        if url:
            self.db.execute(
                "INSERT INTO item_urls (url, hash, first_seen, last_seen) VALUES (?,?,?,?)"
                " ON CONFLICT (url, hash) DO UPDATE SET last_seen = excluded.last_seen",
                [url, digest, now, now],
            )

    def _root_at_url(self, url: str | None) -> str | None:
        if not url:
            return None
        row = self.db.execute(
            "SELECT coalesce(i.revision_of, i.hash) FROM item_urls u JOIN items i"
            " ON i.hash = u.hash WHERE u.url = ? ORDER BY u.first_seen LIMIT 1",
            [url],
        ).fetchone()
        return row[0] if row else None

    def _write_labels(self, digest: str, labels: Labels, now: str) -> None:
        columns = _label_columns(labels, now)
        self.db.execute(
            f"UPDATE items SET {', '.join(f'{name} = ?' for name in columns)} WHERE hash = ?",
            [*columns.values(), digest],
        )
        self.db.execute("DELETE FROM item_codes WHERE hash = ?", [digest])
        self._write_codes(digest, labels)

    def _write_codes(self, digest: str, labels: Labels) -> None:
        rows = [(digest, kind, code) for kind, key in _CODE_KINDS for code in labels.get(key, [])]
        self.db.conn.executemany("INSERT OR IGNORE INTO item_codes VALUES (?,?,?)", rows)

    def set_labels(self, digest: str, labels: Labels, at: dt.datetime) -> None:
        with self.transaction():
            self._write_labels(digest, labels, utc_iso(at))

    def _queue_alerts(self, digest: str, title: str, body: str, labels: Labels, now: str) -> int:
        """An alert row for every subscriber with an instant subscription matching the item."""
        audience = self.instant_audience()
        if not len(audience):
            return 0
        from watcher.match.audience import ItemFacts
        from watcher.match.language import fold_item

        facts = ItemFacts(
            countries=tuple(labels.get("countries", ())),
            blocs=tuple(labels.get("blocs", ())),
            ministries=tuple(labels.get("ministries", ())),
            lead_ministry=labels.get("lead_ministry"),
            folded_text=fold_item(title, body) if audience.reads_text else "",
        )
        return sum(
            self._enqueue(subscriber.id, "alert", digest, "", now)
            for subscriber in audience.subscribers_for(facts)
        )

    def instant_audience(self) -> Audience:
        """The instant subscriptions, indexed; rebuilt only when a subscription changed."""
        from watcher.match.audience import Audience

        version = self.audience_version()
        if self._audience is None or self._audience[0] != version:
            self._audience = (version, Audience(self.subscribers(), "instant"))
        return self._audience[1]

    def has_item(self, digest: str) -> bool:
        return (
            self.conn.execute("SELECT 1 FROM items WHERE hash = ?", [digest]).fetchone() is not None
        )

    def get_item(self, key: str) -> StoredItem | None:
        """An item by hash (or unique hash prefix of 6+ digits) or by any URL it was seen at."""
        row = self.conn.execute(
            "SELECT i.* FROM items i WHERE i.hash = ? OR i.hash IN"
            " (SELECT hash FROM item_urls WHERE url = ? ORDER BY first_seen DESC LIMIT 1)",
            [key, key],
        ).fetchone()
        if row is None and len(key) >= 6 and all(c in "0123456789abcdef" for c in key):
            rows = self.conn.execute(
                "SELECT * FROM items WHERE hash LIKE ? LIMIT 2", [key + "%"]
            ).fetchall()
            row = rows[0] if len(rows) == 1 else None
        return _stored_item(self.conn, row) if row else None

    def get_items(self, hashes: Sequence[str]) -> list[StoredItem]:
        """The items with these hashes, in the order given, in one query per 500 (unknown
        hashes are skipped): what a batch job reads, rather than a lookup per hash."""
        with self._lock:
            return items_in_order(self.conn, hashes)

    def item_urls(self, digest: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT url, first_seen, last_seen FROM item_urls WHERE hash = ?"
                " ORDER BY first_seen",
                [digest],
            )
        )

    def revisions(self, digest: str) -> list[StoredItem]:
        root = self.conn.execute(
            "SELECT coalesce(revision_of, hash) FROM items WHERE hash = ?", [digest]
        ).fetchone()
        if root is None:
            return []
        cursor = self.conn.execute(
            "SELECT * FROM items WHERE hash = ? OR revision_of = ? ORDER BY first_seen",
            [root[0], root[0]],
        )
        return [_stored_item(self.conn, row, cursor) for row in cursor.fetchall()]

    def list_items(self, where: ItemFilter, *, newest_first: bool = True) -> list[StoredItem]:
        return list(self.iter_items(where, newest_first=newest_first))

    def iter_items(self, where: ItemFilter, *, newest_first: bool = True) -> Iterator[StoredItem]:
        clauses, params = filter_sql(where)
        sql = (
            f"SELECT {{columns}} FROM items i WHERE {' AND '.join(clauses)}"
            f" ORDER BY {published_order(newest_first)}"
        )
        if where.limit is None:
            cursor = self.conn.execute(sql.format(columns="*"), params)
            for row in cursor:
                yield _stored_item(self.conn, row, cursor)
            return
        # A page: order on the narrow covering index, then read only the rows shown.
        sql = sql.format(columns="i.hash") + f" LIMIT {int(where.limit)}"
        yield from items_in_order(self.conn, [row[0] for row in self.conn.execute(sql, params)])

    def matching_hashes(self, where: ItemFilter) -> list[str]:
        """The hashes `iter_items(where)` would list, without reading the rows (a batch job's
        worklist: reading every body only to take its hash was a tenth of reclassifying)."""
        clauses, params = filter_sql(where)
        sql = (
            f"SELECT i.hash FROM items i WHERE {' AND '.join(clauses)}"
            f" ORDER BY {published_order(True)}"
        )
        if where.limit is not None:
            sql += f" LIMIT {int(where.limit)}"
        with self._lock:
            return [row[0] for row in self.conn.execute(sql, params)]

    def count_items(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM items").fetchone()[0])

    def known_hashes(self) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT hash FROM items")}

    def iter_hashes(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT hash FROM items ORDER BY first_seen")]


def published_order(newest_first: bool = True) -> str:
    """ORDER BY for every listing by date: dated items by published date, then the undated
    ones (by when first seen), whichever the direction. Sorting an undated item by its
    first_seen put a whole imported history's undated pages ahead of today's news."""
    direction = "DESC" if newest_first else "ASC"
    return f"i.published IS NULL, i.published {direction}, i.first_seen {direction}, i.hash"


def items_in_order(
    db: sqlite3.Connection, hashes: Sequence[str], chunk: int = 500
) -> list[StoredItem]:
    """The items with these hashes, in the order given (unknown hashes are skipped)."""
    found: dict[str, StoredItem] = {}
    for start in range(0, len(hashes), chunk):
        part = list(hashes[start : start + chunk])
        cursor = db.execute(
            f"SELECT * FROM items WHERE hash IN ({','.join('?' * len(part))})", part
        )
        found |= {row[0]: _stored_item(db, row, cursor) for row in cursor.fetchall()}
    return [found[digest] for digest in hashes if digest in found]


def filter_sql(where: ItemFilter) -> tuple[list[str], list[Any]]:
    """WHERE clauses for an ItemFilter over `items i`; shared by every listing query."""
    clauses, params = ["i.revision_of IS NULL"], []
    if not where.variants:
        clauses.append("i.near_duplicate_of IS NULL")
    partners = [("country", c) for c in where.countries] + [("bloc", b) for b in where.blocs]
    if partners:
        clauses.append(
            "i.hash IN (SELECT hash FROM item_codes WHERE "
            + " OR ".join("(kind = ? AND code = ?)" for _ in partners)
            + ")"
        )
        params += [value for pair in partners for value in pair]
    if where.ministries:
        marks = ",".join("?" * len(where.ministries))
        clauses.append(
            f"i.hash IN (SELECT hash FROM item_codes WHERE kind = 'ministry' AND code IN ({marks}))"
        )
        params += list(where.ministries)
    if where.lead_ministries:
        clauses.append(f"i.lead_ministry IN ({','.join('?' * len(where.lead_ministries))})")
        params += list(where.lead_ministries)
    for column, op, value in (
        ("i.published", ">=", where.since),
        ("i.published", "<=", where.until),
        ("i.first_seen", ">=", where.seen_from),
        ("i.first_seen", "<", where.seen_to),
    ):
        if value is not None:
            clauses.append(f"{column} {op} ?")
            params.append(value)
    if where.exclude_origins:
        clauses.append(f"i.origin NOT IN ({','.join('?' * len(where.exclude_origins))})")
        params += list(where.exclude_origins)
    return clauses, params


def _stored_item(
    db: sqlite3.Connection, row: Sequence[Any], cursor: sqlite3.Cursor | None = None
) -> StoredItem:
    description = (cursor or db.execute("SELECT * FROM items LIMIT 0")).description
    record = dict(zip([column[0] for column in description], row, strict=True))
    decode: Callable[[str | None], tuple[Any, ...]] = lambda text: tuple(json.loads(text or "[]"))  # noqa: E731
    return StoredItem(
        hash=record["hash"],
        url=record["url"],
        title=record["title"],
        body=record["body"],
        category=record["category"],
        published=record["published"],
        first_seen=record["first_seen"],
        origin=record["origin"],
        source_id=record["source_id"],
        countries=decode(record["countries"]),
        primary=decode(record["primary_countries"]),
        blocs=decode(record["blocs"]),
        ministries=decode(record["ministries"]),
        lead_ministry=record["lead_ministry"],
        evidence=decode(record["evidence"]),
        revision_of=record["revision_of"],
        kind=record.get("kind") or "news",
        near_duplicate_of=record.get("near_duplicate_of"),
        near_similarity=record.get("near_similarity"),
    )


def _label_columns(labels: Labels, now: str) -> dict[str, Any]:
    """The item row's label columns, as `items` stores them (JSON lists of codes)."""
    lists = {
        column: json.dumps(list(labels.get(key, [])), ensure_ascii=False)
        for column, key in (
            ("countries", "countries"),
            ("primary_countries", "primary"),
            ("blocs", "blocs"),
            ("ministries", "ministries"),
            ("evidence", "evidence"),
        )
    }
    return lists | {
        "lead_ministry": labels.get("lead_ministry"),
        "classified_at": now,
        "kind": labels.get("kind") or "news",
    }


def _xml_safe_item(item: Item) -> Item:
    """`item` without the characters XML cannot carry (itself when it has none: the usual case).
    The pattern loads with the first item stored: compiling it costs a reading command 2 ms."""
    from watcher.core.xmltext import XML_ILLEGAL, xml_safe

    fields: dict[str, Any] = {
        "title": item.title, "body": item.body, "url": item.url, "category": item.category,
        "published": item.published,
    }  # fmt: skip
    dirty = {k: v for k, v in fields.items() if v is not None and XML_ILLEGAL.search(v)}
    if not dirty:
        return item
    cleaned: dict[str, Any] = {k: xml_safe(v) for k, v in dirty.items()}
    return dataclasses.replace(item, **cleaned)
