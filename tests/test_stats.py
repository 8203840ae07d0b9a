"""Counts per label and per period, and their charts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from watcher.core.corpus import Item
from watcher.core.errors import InputError
from watcher.query.stats import NONE_KEY, count_items
from watcher.store import ItemFilter, Store

URL = "https://www.thaigov.go.th/news/contents/details/{}"


def add(
    store: Store, now: dt.datetime, url_id: int, published: str,
    countries: list[str], ministries: list[str] | None = None,
) -> None:  # fmt: skip
    tags: dict[str, Any] = {
        "countries": countries, "primary": countries[:1], "blocs": [],
        "ministries": ministries or [], "lead_ministry": None, "evidence": [],
    }  # fmt: skip
    item = Item(title=f"ข่าว {url_id}", body=f"เนื้อหา {url_id}", url=URL.format(url_id),
                source_id=url_id, category="ด้านเศรษฐกิจ", published=published)  # fmt: skip
    store.add_item(item, origin="import", seen_at=now, labels=tags)


@pytest.fixture
def filled(store: Store, now: dt.datetime) -> Store:
    add(store, now, 1, "2024-01-10", ["JP", "KR"], ["industry"])
    add(store, now, 2, "2024-01-20", ["JP"], ["industry", "commerce"])
    add(store, now, 3, "2024-04-02", ["KR"])
    add(store, now, 4, "2023-11-30", ["CN"])
    add(store, now, 5, "2024-04-03", [])
    return store


def test_by_country_counts_each_label_of_an_item(filled: Store) -> None:
    counts = count_items(filled, "country", ItemFilter())
    assert counts.rows == (("JP", 2), ("KR", 2), ("CN", 1), (NONE_KEY, 1))
    assert counts.items == 5
    assert counts.to_rows()[0] == {"country": "JP", "items": 2, "percent": 40.0}


def test_filters_select_the_items_first(filled: Store) -> None:
    counts = count_items(filled, "country", ItemFilter(countries=("JP",)))
    assert counts.rows == (("JP", 2), ("KR", 1))
    assert counts.items == 2
    ministries = count_items(filled, "ministry", ItemFilter(since="2024-01-15"))
    assert ministries.rows == (("commerce", 1), ("industry", 1), (NONE_KEY, 2))


def test_months_come_in_order_without_holes(filled: Store) -> None:
    counts = count_items(filled, "month", ItemFilter())
    assert counts.rows == (
        ("2023-11", 1), ("2023-12", 0), ("2024-01", 2), ("2024-02", 0), ("2024-03", 0),
        ("2024-04", 2),
    )  # fmt: skip
    assert count_items(filled, "year", ItemFilter()).rows == (("2023", 1), ("2024", 4))
    days = count_items(filled, "day", ItemFilter(since="2024-04-01"))
    assert days.rows == (("2024-04-02", 1), ("2024-04-03", 1))


def test_limit_keeps_top_labels_and_latest_periods(filled: Store) -> None:
    assert count_items(filled, "country", ItemFilter(limit=1)).rows == (("JP", 2),)
    months = count_items(filled, "month", ItemFilter(limit=2))
    assert months.rows == (("2024-03", 0), ("2024-04", 2))
    assert months.items == 5


def test_primary_and_category(filled: Store) -> None:
    primary = count_items(filled, "primary", ItemFilter())
    assert primary.rows == (("JP", 2), ("CN", 1), ("KR", 1), (NONE_KEY, 1))
    assert count_items(filled, "category", ItemFilter()).rows == (("ด้านเศรษฐกิจ", 5),)


def test_an_empty_database_counts_nothing(store: Store) -> None:
    counts = count_items(store, "month", ItemFilter())
    assert (counts.rows, counts.items, counts.to_rows()) == ((), 0, [])


def test_unknown_dimension_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="cannot count by 'weekday'"):
        count_items(store, "weekday", ItemFilter())


@pytest.mark.parametrize("by", ["country", "month"])
def test_plot_writes_a_chart(filled: Store, tmp_path: Path, by: str) -> None:
    pytest.importorskip("matplotlib")
    from watcher.query.plot import plot_counts

    path = tmp_path / "charts" / f"{by}.png"
    plot_counts(count_items(filled, by, ItemFilter()), path, f"items by {by}")
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_plot_refuses_an_unknown_file_type(filled: Store, tmp_path: Path) -> None:
    from watcher.query.plot import plot_counts

    with pytest.raises(InputError, match=r"\.png, \.svg, \.pdf"):
        plot_counts(count_items(filled, "country", ItemFilter()), tmp_path / "c.txt", "t")


def test_top_keeps_the_largest_labels_and_drops_none_when_asked(filled: Store) -> None:
    counts = count_items(filled, "country", ItemFilter())
    assert counts.top(1).rows == (("JP", 2), (NONE_KEY, 1))
    top = counts.top(2, include_none=False)
    assert (top.rows, top.left_out, top.items) == ((("JP", 2), ("KR", 2)), 1, 5)
    assert counts.top(None).rows == counts.rows
    months = count_items(filled, "month", ItemFilter()).top(2)
    assert months.rows == (("2024-03", 0), ("2024-04", 2))
