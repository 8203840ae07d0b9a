"""`watcher feed` and `watcher serve`: the history as an Atom feed and as read-only HTTP."""

from __future__ import annotations

from pathlib import Path

import click

from watcher.cli.context import AppContext, pass_app
from watcher.cli.options import filter_from_options, filter_options
from watcher.errors import StoreError

__all__ = ["feed_command"]

FEED_LIMIT = 50  # entries a feed holds unless --limit says otherwise


@click.command("feed")
@filter_options
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the feed to FILE instead of stdout.")  # fmt: skip
@pass_app
def feed_command(app: AppContext, output: Path | None, **options: object) -> None:
    """Write an Atom feed of the newest items (default 50), one entry per story.

    Takes the filters of `seen list`; labels are the entries' categories and the evidence is in
    their summaries. Entry ids are stable, so a reader shows each item once.
    """
    from watcher import query
    from watcher.atom import atom_feed
    from watcher.notify.telegram import load_names

    where = filter_from_options(options, default_limit=FEED_LIMIT)
    items = list(query.items(app.store, where))
    document = atom_feed(items, where, names=load_names())
    if output is None:
        click.echo(document, nl=False)  # bytes: written as they are, UTF-8
        return
    try:
        output.write_bytes(document)
    except OSError as error:
        raise StoreError(f"{output}: cannot write: {error.strerror}") from error
    click.echo(f"wrote {output} ({len(items)} entries)")
