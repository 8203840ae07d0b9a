"""`watcher feed` and `watcher serve`: the history as an Atom feed and as read-only HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from watcher.cli.context import AppContext, missing_database_message, pass_app
from watcher.cli.options import filter_from_options, filter_options
from watcher.core.errors import StoreError

if TYPE_CHECKING:
    from watcher.channels.atom.serve import Unsubscribes
    from watcher.channels.telegram.render import Names

__all__ = ["feed_command", "serve_command"]

FEED_LIMIT = 50  # entries a feed holds unless --limit says otherwise


def _code_names() -> Names:
    """The gazetteer's names of codes (categories' labels): the one the filters' code check
    loaded, without the classifier."""
    from watcher.query.codes import default_gazetteer

    return default_gazetteer()


@click.command("feed")
@filter_options
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the feed to FILE instead of stdout.")  # fmt: skip
@click.option("-q", "--query", "text", default=None, metavar="QUERY",
              help="Only items this search finds (the language of `watcher search`).")  # fmt: skip
@pass_app
def feed_command(app: AppContext, output: Path | None, text: str | None, **options: object) -> None:
    """Write an Atom feed of the newest items (default 50), one entry per story.

    Takes the filters of `seen list`, and --query for a search (newest first); labels are the
    entries' categories and the evidence is in their summaries. Entry ids are stable, so a
    reader shows each item once.
    """
    from watcher.channels.atom.feed import atom_feed
    from watcher.match.language import parse_query
    from watcher.query import search as query

    searched = parse_query(text) if text is not None else None  # the user's error, first
    where = filter_from_options(options, default_limit=FEED_LIMIT)
    if searched is None:
        items = list(query.items(app.store, where))
    else:
        items = [hit.item for hit in app.store.search_items(searched, where, newest_first=True)]
    document = atom_feed(items, where, names=_code_names())
    if output is None:
        click.echo(document, nl=False)  # bytes: written as they are, UTF-8
        return
    try:
        output.write_bytes(document)
    except OSError as error:
        raise StoreError(f"{output}: cannot write: {error.strerror}") from error
    click.echo(f"wrote {output} ({len(items)} entries)")


def _unsubscribes(app: AppContext) -> Unsubscribes | None:
    """One-click unsubscribe when [serve] public_url is set (ConfigError without the secret)."""
    from contextlib import closing

    from watcher.channels.atom.serve import Unsubscribes
    from watcher.channels.email.unsubscribe import OneClick
    from watcher.store import Store

    one_click = OneClick.from_settings(app.config, app.env)
    if one_click is None:
        return None
    return Unsubscribes(
        one_click, lambda: closing(Store.open(app.db_path, create=False, verify=True))
    )


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (0.0.0.0: all; read-only, but public).")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port to listen on; 0 picks a free one.")  # fmt: skip
@pass_app
def serve_command(app: AppContext, host: str, port: int) -> None:
    """Serve /feed.atom and /items.json over read-only HTTP until SIGTERM or Ctrl-C.

    Both take the CLI's filters as query parameters (/feed.atom?country=JP&ministry=industry),
    newest 50 items by default, `limit` at most 1000 (more is capped, and the answer says so).
    ETag and If-None-Match let feed readers poll cheaply. The database is opened read-only.
    With [serve] public_url and WATCHER_SECRET set, POST /unsubscribe?token=… honours the
    one-click unsubscribe links of e-mails (the one write, opening the database for it).
    """
    from watcher.channels.atom.serve import FeedServer, serve_until_stopped
    from watcher.cli.options import FILTER_PARAMETERS, filter_from_query
    from watcher.core.errors import ConfigError
    from watcher.store import Store

    if not app.db_path.is_file():
        raise StoreError(missing_database_message(app.db_path))
    unsubscribes = _unsubscribes(app)
    store = Store.open_read_only(app.db_path)
    try:
        names = _code_names()
        server = FeedServer(
            (host, port), store, filter_from_query, names, FILTER_PARAMETERS, unsubscribes
        )
    except OSError as error:
        store.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    try:
        serve_until_stopped(server, ready=lambda: click.echo(f"serving {server.url}"))
    finally:
        store.close()
