"""What `watcher browse` adds to Datasette: the CLI's search in SQL, and short item cells.

Datasette's own full-text search would be a second query language beside `watcher search`
(two words there are one phrase). Instead the canned search calls `watcher_search(:q, :page)`,
a SQL function that runs `watcher.query.search.search` (the one parser, the one SQL
compiler, the same snippets) over a read-only connection and hands back one page of hits as
JSON rows.

Facets by country and ministry count labels in JSON arrays like Datasette's array facet, but
over (row, label) pairs only: the built-in one copies every column of every row (the bodies) to
de-duplicate, and on the whole corpus took 1.9 s a facet and was dropped at the time limit.

Cells of `items` show an opening of the body instead of the whole text, labels as `JP, KR`
rather than JSON, and the evidence as a count: a page of items fits on a screen.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.facets import ArrayFacet
from datasette.utils import escape_sqlite

from watcher.channels.render import excerpt
from watcher.core.errors import InputError, StoreError
from watcher.store import ItemFilter, Store
from watcher.store.schema import MIGRATIONS

__all__ = ["PAGE_SIZE", "LabelFacet", "page_of_hits", "register"]

PAGE_SIZE = 20
OPENING_CHARS = 200
MAX_PAGE = 500  # 10,000 hits: deeper than anyone reads, and each page re-ranks from the top
LABEL_COLUMNS = ("countries", "primary_countries", "blocs", "ministries")
_HASH = re.compile(r"[0-9a-f]{16}")
_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def register() -> None:
    """Plug this module into Datasette (once per process)."""
    from datasette import handle_exception as default_handler
    from datasette.plugins import pm

    module = sys.modules[__name__]
    if not pm.is_registered(module):
        pm.register(module, name="watcher")
        default_handler.rich = None  # no traceback with locals per refused query (see below)


def page_of_hits(store: Store, text: str | None, page: str | int | None) -> list[dict[str, Any]]:
    """One page of `watcher search TEXT` as rows; a query it cannot read is one `problem` row."""
    if not text or not str(text).strip():
        return []
    try:
        number = int(page) if page not in (None, "") else 1
    except ValueError:
        return [{"problem": f"page {page!r}: give a page number (1, 2, …)"}]
    if not 1 <= number <= MAX_PAGE:
        return [{"problem": f"page {number}: pages run from 1 to {MAX_PAGE}"}]
    from watcher.query.search import search

    try:
        found = search(store, str(text), ItemFilter(limit=number * PAGE_SIZE))
    except InputError as error:
        return [{"problem": str(error)}]
    start = (number - 1) * PAGE_SIZE
    return [
        {
            "rank": start + offset + 1,
            "published": hit.item.published,
            "title": hit.item.title,
            "snippet": hit.snippet,
            "countries": ", ".join(hit.item.countries),
            "ministries": ", ".join(hit.item.ministries),
            "url": hit.item.url,
            "hash": hit.item.hash,
        }
        for offset, hit in enumerate(found[start:])
    ]


def _store_for(path: str) -> Store:
    """A read-only Store over Datasette's file, opened once and shared by its threads."""
    with _stores_lock:
        if path not in _stores:
            uri = Path(path).resolve().as_uri() + "?mode=ro"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < len(MIGRATIONS):  # a read-only Store cannot upgrade it
                conn.close()
                raise StoreError(
                    f"{path}: written by an older watcher (schema {version} of"
                    f" {len(MIGRATIONS)}); run `watcher reindex` once to upgrade it"
                )
            _stores[path] = Store(conn, path)
        return _stores[path]


class LabelFacet(ArrayFacet):
    """`facets: [{labels: countries}]`: the array facet over a narrow inner query."""

    type = "labels"

    async def suggest(self) -> list[dict[str, Any]]:
        return []

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        columns = [c["config"].get("column") or c["config"]["simple"] for c in self.get_configs()]
        if columns and self.table == "items":
            kept = ", ".join(escape_sqlite(column) for column in ["hash", *columns])
            inner = str(getattr(self, "sql"))  # noqa: B009 (set by Facet.__init__, untyped)
            self.sql = f"select {kept} from ({inner})"
        results: tuple[list[dict[str, Any]], list[str]] = await super().facet_results()
        return results


@hookimpl
def register_facet_classes() -> list[type]:
    return [LabelFacet]


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    db = datasette.databases.get(database)
    path = getattr(db, "path", None)
    if not path:
        return

    def watcher_search(text: str | None, page: str | int | None) -> str:
        try:
            rows = page_of_hits(_store_for(path), text, page)
        except (StoreError, sqlite3.DatabaseError) as error:  # SQLite would only say "raised"
            rows = [{"problem": f"search: {error}"}]
        return json.dumps(rows, ensure_ascii=False)

    conn.create_function("watcher_search", 2, watcher_search)


TEMPLATES = Path(__file__).with_name("templates")  # Datasette's template_dir


@hookimpl
def extra_template_vars(template: str) -> dict[str, Any]:
    if template != "row.html":
        return {}
    return {"watcher_labels": _labels, "watcher_opening": _opening}


def _labels(value: Any) -> str:
    """`["JP", "KR"]` as `JP, KR`; anything not a JSON list of labels as it is."""
    if not isinstance(value, str):
        return ""
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    return ", ".join(map(str, parsed)) if isinstance(parsed, list) else value


def _opening(body: Any) -> str:
    return excerpt(body, OPENING_CHARS) if isinstance(body, str) else ""


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    if not isinstance(value, str):
        return None
    if table is None and column == "hash" and _HASH.fullmatch(value):  # a canned query's row
        from markupsafe import Markup, escape

        href = datasette.urls.row(database, "items", value)
        return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')
    if table != "items":
        return None
    if column == "body":
        return _opening(value)
    if column in LABEL_COLUMNS:
        return _labels(value)
    if column == "evidence":
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return f"{len(parsed)} matches" if isinstance(parsed, list) and parsed else ""
    return None


@hookimpl(tryfirst=True)
def handle_exception(datasette: Any, request: Any, exception: Exception) -> None:
    """A refused request (a non-SELECT query, a bad parameter: Datasette's 4xx) is one line on
    the terminal; Datasette's own handler, after this one, draws its error page. With rich
    installed that handler also prints a traceback with its locals for every error, so
    `register` turns that off: a 4xx is the user's doing, not a bug (a bug still gets a plain
    traceback from it)."""
    from datasette.utils.asgi import Base400
    from datasette.views.base import DatasetteError

    status = getattr(exception, "status", 500)
    if isinstance(exception, (Base400, DatasetteError)) and status < 500:
        message = " ".join(str(getattr(exception, "message", None) or exception).split())
        print(f"browse: {request.path}: {status} {message}", file=sys.stderr, flush=True)
