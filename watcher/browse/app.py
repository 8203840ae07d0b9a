"""`watcher browse`: Datasette over the state database, read-only, with labelled tables and
canned queries (items by country, by ministry, the latest).

The metadata lives in config/datasette/metadata.yaml under the database name `watcher`; it is
re-keyed to the real file's name here so any WATCHER_DB gets it, and each table's column
descriptions are folded into a collapsed "What the columns mean" under its description, not a
wall above the rows. watcher.browse.plugin adds the CLI's search and short cells.

By default the database is opened by Datasette with SQLite's `mode=ro`: nothing can be
written, and items stored by a running `watcher run` show up on the next page load.
`immutable=True` serves a snapshot (faster counts) and is only safe on a file no process writes
to.
"""

from __future__ import annotations

import html
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watcher.core.errors import ConfigError, InputError

__all__ = [
    "METADATA_NAME", "BrowseSettings", "check_ready", "load_metadata", "make_datasette", "serve",
]  # fmt: skip

METADATA_NAME = "watcher"  # the database key used in the metadata file
INSTALL_HINT = (
    "datasette is not installed; install the extra: pip install 'thaigov-watcher[browse]'"
)


@dataclass(frozen=True)
class BrowseSettings:
    db_path: Path
    metadata_path: Path | None
    host: str = "127.0.0.1"
    port: int = 8001
    immutable: bool = False

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/{self.db_path.stem}"


def datasette_installed() -> bool:
    return importlib.util.find_spec("datasette") is not None


def load_metadata(path: Path | None, database: str) -> dict[str, Any]:
    """The metadata file with its `watcher` database entry renamed to `database`."""
    if path is None:
        return {}
    from datasette.utils import parse_metadata

    try:
        metadata: dict[str, Any] = parse_metadata(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the Datasette metadata: {error.strerror}") from None
    except Exception as error:  # parse_metadata raises its own BadMetadataError
        raise ConfigError(f"{path}: not valid Datasette metadata: {error}") from None
    databases = metadata.get("databases", {})
    if METADATA_NAME in databases and database != METADATA_NAME:
        databases[database] = databases.pop(METADATA_NAME)
    for entry in databases.values():
        for table in (entry.get("tables") or {}).values():
            _fold_column_descriptions(table)
    return metadata


def _fold_column_descriptions(table: dict[str, Any]) -> None:
    """`columns` becomes a collapsed list in the table's description_html."""
    columns = table.pop("columns", None)
    if not columns:
        return
    terms = "".join(
        f"<dt>{html.escape(name)}</dt><dd>{html.escape(str(text))}</dd>"
        for name, text in columns.items()
    )
    table["description_html"] = (
        f"<p>{html.escape(table.get('description', ''))}</p>"
        f"<details><summary>What the {len(columns)} columns mean</summary><dl>{terms}</dl>"
        "</details>"
    )


def check_ready(settings: BrowseSettings) -> None:
    """Fail with one clear line before anything starts: no Datasette, or no database."""
    if not datasette_installed():
        raise ConfigError(INSTALL_HINT)
    if not settings.db_path.is_file():
        raise InputError(
            f"{settings.db_path}: no database yet; run `watcher import` or `watcher poll` first"
        )


def serve(settings: BrowseSettings) -> None:
    """Run Datasette in this process until interrupted (Ctrl-C or SIGTERM)."""
    check_ready(settings)
    import asyncio

    datasette = make_datasette(settings)
    asyncio.run(datasette.invoke_startup())
    import uvicorn

    uvicorn.run(
        datasette.app(), host=settings.host, port=settings.port, log_level="warning",
        lifespan="on",
    )  # fmt: skip


def make_datasette(settings: BrowseSettings) -> Any:
    """The Datasette instance `serve` runs (tests use it in-process through its client)."""
    from datasette.app import Datasette

    from watcher.browse.plugin import TEMPLATES, register

    register()
    db = str(settings.db_path)
    return Datasette(
        files=[] if settings.immutable else [db],
        immutables=[db] if settings.immutable else [],
        metadata=load_metadata(settings.metadata_path, settings.db_path.stem),
        template_dir=str(TEMPLATES),
        settings={
            "default_page_size": 50,
            "sql_time_limit_ms": 5000,
            "facet_time_limit_ms": 1000,
            "suggest_facets": False,
        },
    )
