"""Counts of items per country, bloc, ministry, category or period, for tables and charts.

Periods come back without holes (a month with no item counts 0), so a chart's time axis is
honest; labels come back most frequent first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from watcher.store import COUNT_DIMENSIONS, ItemFilter, Store

__all__ = ["DIMENSIONS", "PERIODS", "Counts", "count_items"]

DIMENSIONS = COUNT_DIMENSIONS
PERIODS = ("year", "month", "day")
NONE_KEY = "(none)"


@dataclass(frozen=True)
class Counts:
    by: str
    rows: tuple[tuple[str, int], ...]  # (key, items), in display order
    items: int  # items matching the filter, each counted once
    left_out: int = 0  # labels dropped by `top` (not counting `(none)`)

    @property
    def is_period(self) -> bool:
        return self.by in PERIODS

    def top(self, n: int | None, *, include_none: bool = True) -> Counts:
        """The `n` most frequent labels (periods: the latest `n`), `(none)` only if asked.

        A chart of 148 countries is unreadable and one of `(none)` says nothing about partners;
        `left_out` keeps the count of what was dropped so the title can say "top 20 of 148".
        """
        rows = [row for row in self.rows if include_none or row[0] != NONE_KEY]
        named = [row for row in rows if row[0] != NONE_KEY]
        if n is not None and len(named) > n:
            kept = set(named[-n:] if self.is_period else named[:n])
            rows = [row for row in rows if row in kept or row[0] == NONE_KEY]
        dropped = len(named) - sum(1 for key, _ in rows if key != NONE_KEY)
        return dataclasses.replace(self, rows=tuple(rows), left_out=self.left_out + dropped)

    def to_rows(self) -> list[dict[str, Any]]:
        share = (lambda n: round(100 * n / self.items, 1)) if self.items else (lambda n: 0.0)
        return [{self.by: key, "items": n, "percent": share(n)} for key, n in self.rows]


def count_items(store: Store, by: str, where: ItemFilter) -> Counts:
    """Items per `by` under `where`; `where.limit` keeps the top labels (or the latest periods)."""
    if by not in DIMENSIONS:
        raise ValueError(f"cannot count by {by!r}; choose one of {', '.join(DIMENSIONS)}")
    unlimited = dataclasses.replace(where, limit=None)
    pairs = store.count_items_by(by, unlimited)
    dated = [(key, n) for key, n in pairs if key is not None]
    if by in PERIODS:
        dated = _fill_periods(by, dated)
    rows = [*dated, *((NONE_KEY, n) for key, n in pairs if key is None)]
    if where.limit is not None:
        rows = rows[-where.limit :] if by in PERIODS else rows[: where.limit]
    return Counts(by, tuple(rows), store.count_matching(unlimited))


def _fill_periods(by: str, pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    if not pairs:
        return []
    counts = dict(pairs)
    keys = [pairs[0][0]]
    while keys[-1] < pairs[-1][0]:
        keys.append(_next_period(by, keys[-1]))
    return [(key, counts.get(key, 0)) for key in keys]


def _next_period(by: str, key: str) -> str:
    if by == "year":
        return f"{int(key) + 1:04d}"
    if by == "month":
        year, month = map(int, key.split("-"))
        return f"{year + month // 12:04d}-{month % 12 + 1:02d}"
    return (dt.date.fromisoformat(key) + dt.timedelta(days=1)).isoformat()
