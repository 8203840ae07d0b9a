"""Items rendered as a table, JSON or CSV, with one column order for all three."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import click

from watcher.channels.render import cut_at_boundary
from watcher.cli.table import Column, render_table, terminal_width
from watcher.store import ITEM_FIELDS, StoredItem

TABLE_TITLE_CHARS = 120

__all__ = ["ITEM_COLUMNS", "item_row", "print_count_footer", "print_items", "print_rows"]

ITEM_COLUMNS = ITEM_FIELDS


def item_row(item: StoredItem) -> dict[str, Any]:
    return item.to_json()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return str(value)


def print_rows(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    output_format: str,
    *,
    table_columns: Sequence[str] | None = None,
) -> None:
    if output_format == "json":
        click.echo(json.dumps(list(rows), ensure_ascii=False, indent=1))
    elif output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        click.echo(buffer.getvalue(), nl=False)
    else:
        shown = table_columns or columns
        boxed = [
            Column(c, wrap=c not in ("hash", "published"),
                   max_width=60 if c in ("title", "snippet") else None)
            for c in shown
        ]  # fmt: skip
        cells = [[_table_cell(c, row.get(c)) for c in shown] for row in rows]
        click.echo(render_table(boxed, cells, terminal_width()), nl=False)


def _table_cell(column: str, value: Any) -> str:
    """A title is cut for the table (JSON and CSV keep it whole): one row stays a few lines."""
    text = _cell(value)
    if column == "title" and len(text) > TABLE_TITLE_CHARS:
        text = cut_at_boundary(text, TABLE_TITLE_CHARS - 1).rstrip() + "…"
    return text


def print_items(items: Iterable[StoredItem], output_format: str, *, variants: bool = False) -> None:
    """With `variants`, rows also say which story each repeats (`near_duplicate_of`)."""
    extra = ("near_duplicate_of",) if variants else ()
    rows = [item_row(item) | {"near_duplicate_of": item.near_duplicate_of} for item in items]
    if not variants:
        rows = [{k: v for k, v in row.items() if k != "near_duplicate_of"} for row in rows]
    print_rows(
        rows,
        (*ITEM_COLUMNS, *extra),
        output_format,
        table_columns=("hash", "published", "countries", "ministries", "title", *extra),
    )


def describe_item(
    item: StoredItem,
    urls: Sequence[dict[str, Any]],
    revisions: Sequence[StoredItem],
    variants: Sequence[dict[str, Any]] = (),
) -> str:
    """The `seen show` text: labels with their evidence, every URL, revision and variant."""
    lines = [
        f"hash:        {item.hash}",
        f"title:       {item.title}",
        f"published:   {item.published or '-'}",
        f"category:    {item.category or '-'}",
        f"first seen:  {item.first_seen} ({item.origin})",
        f"countries:   {_cell(item.countries) or '-'}   primary: {_cell(item.primary) or '-'}",
        f"blocs:       {_cell(item.blocs) or '-'}",
        f"ministries:  {_cell(item.ministries) or '-'}   lead: {item.lead_ministry or '-'}",
    ]
    if item.evidence:
        lines.append("evidence:")
        lines += [
            f"  {e.get('code')}: {e.get('alias')!r} in {e.get('field')} at {e.get('offset')}"
            for e in item.evidence
        ]
    lines.append("urls:")
    lines += [f"  {u['url']} (first seen {u['first_seen']})" for u in urls] or ["  -"]
    if revisions:
        lines.append("revisions:")
        lines += [f"  {r.hash} {r.first_seen} {r.title}" for r in revisions]
    if item.near_duplicate_of:
        lines.append(
            f"variant of:  {item.near_duplicate_of} (similarity {item.near_similarity or 0:.2f})"
        )
    shown = [v for v in variants if v["hash"] != item.hash]
    if shown:
        lines.append("variants (same story, near-duplicates):")
        lines += [
            f"  {v['hash']} {v['first_seen']} similarity {v['similarity'] or 0:.2f} {v['title']}"
            for v in shown
        ]
    lines += ["", item.body]
    return "\n".join(lines)


def print_count_footer(
    output_format: str,
    shown: int,
    total: Callable[[], int],
    noun: str = "items",
    *,
    limit: int | None = None,
) -> None:
    """'20 of 1,234 items (--limit to see more)' under a table on a terminal, so a list cut at
    its default limit does not pass for the whole; JSON, CSV and pipes get nothing extra (and
    `total`, one COUNT query, is not even run)."""
    if output_format != "table" or not sys.stdout.isatty():
        return
    whole = total() if limit is not None and shown >= limit else shown  # short of it: all
    more = " (--limit to see more)" if shown < whole else ""
    click.echo(f"{shown:,} of {whole:,} {noun}{more}")
