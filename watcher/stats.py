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

    @property
    def is_period(self) -> bool:
        return self.by in PERIODS

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
