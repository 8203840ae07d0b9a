"""How many items per label or per period, under the same filters as every listing."""

from __future__ import annotations

from watcher.store.base import StoreBase
from watcher.store.items import filter_sql
from watcher.store.records import ItemFilter

__all__ = ["COUNT_DIMENSIONS", "CountTables"]

_CODE_KINDS = {"country": "country", "bloc": "bloc", "ministry": "ministry"}
_COLUMNS = {
    "lead-ministry": "i.lead_ministry",
    "category": "i.category",
    "year": "substr(i.published, 1, 4)",
    "month": "substr(i.published, 1, 7)",
    "day": "i.published",
}
COUNT_DIMENSIONS = (*_CODE_KINDS, "primary", *_COLUMNS)


class CountTables(StoreBase):
    def count_items_by(self, dimension: str, where: ItemFilter) -> list[tuple[str | None, int]]:
        """(key, item count) pairs; an item with several codes counts once under each.

        Label keys come most frequent first; periods in time order. Items without the label
        (or the date) count under None.
        """
        clauses, params = filter_sql(where)
        condition = " AND ".join(clauses)
        if dimension in _CODE_KINDS:
            kind = _CODE_KINDS[dimension]
            sql = (
                "SELECT c.code, count(*) FROM item_codes c WHERE c.kind = ? AND c.hash IN"
                f" (SELECT i.hash FROM items i WHERE {condition}) GROUP BY c.code"
            )
            rows = [(row[0], int(row[1])) for row in self.db.execute(sql, [kind, *params])]
            unlabelled = self.db.execute(
                f"SELECT count(*) FROM items i WHERE {condition}"
                " AND i.hash NOT IN (SELECT hash FROM item_codes WHERE kind = ?)",
                [*params, kind],
            ).fetchone()[0]
            rows += [(None, int(unlabelled))] if unlabelled else []
            return sorted(rows, key=lambda row: (-row[1], row[0] is None, row[0] or ""))
        if dimension == "primary":
            sql = (
                "SELECT p.value, count(*) FROM items i"
                " LEFT JOIN json_each(coalesce(i.primary_countries, '[]')) p"
                f" WHERE {condition} GROUP BY p.value"
            )
        elif dimension in _COLUMNS:
            column = _COLUMNS[dimension]
            sql = f"SELECT {column} AS k, count(*) FROM items i WHERE {condition} GROUP BY k"
        else:
            raise ValueError(f"cannot count by {dimension!r}")
        rows = [(row[0], int(row[1])) for row in self.db.execute(sql, params)]
        if dimension in ("year", "month", "day"):
            return sorted(rows, key=lambda row: (row[0] is None, row[0] or ""))
        return sorted(rows, key=lambda row: (-row[1], row[0] is None, row[0] or ""))

    def count_matching(self, where: ItemFilter) -> int:
        clauses, params = filter_sql(where)
        sql = f"SELECT count(*) FROM items i WHERE {' AND '.join(clauses)}"
        return int(self.conn.execute(sql, params).fetchone()[0])
