"""`watcher search`, `watcher stats`, `watcher reindex`, `watcher browse`: asking the history."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import click

from watcher.cli.context import AppContext, pass_app
from watcher.cli.options import (
    filter_from_options,
    filter_options,
    output_options,
    variants_option,
)
from watcher.cli.output import ITEM_COLUMNS, item_row, print_count_footer, print_rows
from watcher.store import COUNT_DIMENSIONS

if TYPE_CHECKING:
    from watcher.query.stats import Counts

__all__ = ["browse_command", "reindex_command", "search_command", "stats_command"]

SEARCH_COLUMNS = (*ITEM_COLUMNS, "rank", "snippet")
CHART_TOP = 20  # bars a label chart draws unless --top says otherwise


@click.command("search")
@click.argument("query")
@filter_options
@output_options
@click.option("--newest", is_flag=True, help="Newest first instead of best match first.")
@variants_option
@pass_app
def search_command(
    app: AppContext, query: str, output_format: str, newest: bool, variants: bool,
    **options: object,
) -> None:  # fmt: skip
    """Full-text search of titles and bodies, best match first (default limit 20).

    Words and "quoted phrases" must all appear, `A OR B` needs either, `-word`
    excludes, `word*` is a prefix. A Latin word matches whole words in any case (EV
    finds "EV-charging", never "Development"); Thai matches as a substring, so it needs
    no spaces: `ยานยนต์ไฟฟ้า` finds รถจักรยานยนต์ไฟฟ้า. See docs/search.md.
    One row per story: a near-duplicate of an earlier item is shown with --variants.
    """
    from watcher.query.search import parse_query, search

    parse_query(query)  # a bad query is the user's error even where no database is yet
    where = filter_from_options(options, default_limit=20)
    found = search(app.store, query, dataclasses.replace(where, variants=variants),
                   newest_first=newest)  # fmt: skip
    extra = ("near_duplicate_of",) if variants else ()
    rows = [
        item_row(f.item) | {"rank": f.rank, "snippet": f.snippet}
        | ({"near_duplicate_of": f.item.near_duplicate_of} if variants else {})
        for f in found
    ]  # fmt: skip
    print_rows(
        rows, (*SEARCH_COLUMNS, *extra), output_format,
        table_columns=("hash", "published", "countries", "title", "snippet", *extra),
    )  # fmt: skip
    unlimited = dataclasses.replace(where, variants=variants, limit=None)
    print_count_footer(output_format, len(rows),
                       lambda: app.store.count_search(parse_query(query), unlimited),
                       limit=where.limit)  # fmt: skip


@click.command("stats")
@click.option("--by", type=click.Choice(COUNT_DIMENSIONS), default="country", show_default=True,
              help="Count items per label or per period (by published date).")  # fmt: skip
@filter_options
@output_options
@click.option("--plot", "plot_path", type=click.Path(path_type=Path), default=None,
              help="Draw the counts as a chart instead (.png, .svg or .pdf).")  # fmt: skip
@click.option("--top", type=click.IntRange(min=1), default=None,
              help="Keep the N most frequent labels (periods: the latest N)"
                   "  [default: 20 on a chart, all in a table]")  # fmt: skip
@click.option("--include-none", is_flag=True,
              help="Draw the (none) bar (items without the label) on a chart too.")  # fmt: skip
@pass_app
def stats_command(
    app: AppContext, by: str, output_format: str, plot_path: Path | None, top: int | None,
    include_none: bool, **options: object,
) -> None:  # fmt: skip
    """How many items per country, bloc, ministry, category, year, month or day.

    Filters select the items first: `--country KR --by month` counts Korea items per month.
    An item with several labels counts once under each. A table lists every label and
    `(none)`; a chart draws the top 20 labels without `(none)` unless asked.
    """
    from watcher.query.stats import count_items

    where = filter_from_options(options)
    counts = count_items(app.store, by, where)
    if plot_path is None:
        counts = counts.top(top)
        print_rows(counts.to_rows(), (by, "items", "percent"), output_format)
        return
    from watcher.query.plot import plot_counts

    if top is None and not counts.is_period:
        top = CHART_TOP
    counts = counts.top(top, include_none=include_none)
    for note in plot_counts(counts, plot_path, _chart_title(counts, options)):
        click.echo(f"warning: {note}", err=True)
    click.echo(f"wrote {plot_path} ({len(counts.rows)} bars, {counts.items} items)")


def _chart_title(counts: Counts, options: dict[str, object]) -> str:
    singular = {"countries": "country", "blocs": "bloc", "ministries": "ministry"}
    chosen = [
        f"{singular.get(name, name)} {' '.join(value) if isinstance(value, tuple) else value}"
        for name, value in options.items()
        if value and name != "limit"
    ]
    from watcher.query.stats import NONE_KEY

    named = sum(1 for key, _ in counts.rows if key != NONE_KEY)
    cut = [f"top {named} of {named + counts.left_out}"] if counts.left_out else []
    notes = "; ".join([*cut, f"{counts.items:,} items", *chosen])
    return f"thaigov.go.th items by {counts.by} ({notes})"


@click.command("reindex")
@pass_app
def reindex_command(app: AppContext) -> None:
    """Rebuild the full-text search index from the stored items."""
    from watcher.cli.progress import ProgressBar

    with ProgressBar("reindex") as advance:
        count = app.store.rebuild_search_index(on_progress=advance)
    click.echo(f"search index rebuilt: {count} items")


@click.command("browse")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
@click.option(
    "--metadata",
    "metadata_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Datasette metadata (default: datasette/metadata.yaml beside the config).",
)
@click.option(
    "--immutable",
    is_flag=True,
    help="Serve a snapshot (faster); only for a file no process is writing.",
)
@pass_app  # fmt: skip
def browse_command(
    app: AppContext, host: str, port: int, metadata_path: Path | None, immutable: bool
) -> None:
    """Browse the database read-only in Datasette (needs the `browse` extra)."""
    from watcher.browse.app import BrowseSettings, check_ready, serve

    if metadata_path is None:
        default = Path(app.env.config_path).parent / "datasette" / "metadata.yaml"
        metadata_path = default if default.is_file() else None
    settings = BrowseSettings(app.db_path, metadata_path, host, port, immutable)
    check_ready(settings)
    click.echo(f"serving {settings.db_path} read-only at {settings.url} (Ctrl-C stops)")
    serve(settings)
