"""The `watcher` command: a thin layer that parses arguments, calls the library and prints.

Commands that only read the database import nothing heavy (pythainlp, telegram, apscheduler),
so they start fast; each command module imports what it needs inside its functions.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import click

from watcher import __version__
from watcher.cli.context import AppContext
from watcher.cli.lazy import LazyCommands
from watcher.cli.pipes import closed_pipe_ends_quietly
from watcher.core.errors import WatcherError
from watcher.core.redaction import redact

__all__ = ["NEEDS_EXISTING_DB", "ONLY_READ", "cli", "main"]

NEEDS_EXISTING_DB = frozenset(
    {
        "seen list", "seen show", "export", "search", "stats", "health", "backup", "browse",
        "subscribers list", "subscribers remove", "reclassify", "reindex", "sources", "feed",
        "serve",
    }
)  # fmt: skip
"""Commands that read (or change) what a database holds: they never create one. The others
(import, poll, run, subscribers add, digest) may start a new database where none is."""

ONLY_READ = frozenset(
    {
        "seen list", "seen show", "export", "search", "stats", "browse", "subscribers list",
        "subscribers preview", "sources", "feed", "serve",
    }
)  # fmt: skip
"""Commands that only read: they name a damaged file when a read meets it. Every other command
that opens the database (writers, `health`, `backup`) runs SQLite's quick_check first, so
nothing is written into, reported healthy from or copied out of a damaged file."""


class WatcherGroup(click.Group):
    """The top-level error printer: any failure ends in one line, secrets redacted, exit 1.

    A WatcherError's text is meant for the user; anything else is a library's or a bug's, so
    its traceback goes to the log at DEBUG (through the redacting handler) and the user sees
    its type and first line. Either may quote a secret (a refused token), hence `redact`.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            with closed_pipe_ends_quietly():
                return super().invoke(ctx)
        except WatcherError as error:
            raise click.ClickException(_one_line(str(error))) from error
        except click.ClickException as error:
            if redact(error.message) != error.message:  # e.g. a bad value that was a secret
                raise click.ClickException(_one_line(error.message)) from None
            raise
        except (click.exceptions.Exit, click.Abort, KeyboardInterrupt, SystemExit):
            raise
        except Exception as error:
            import logging

            logging.getLogger("watcher").debug("unexpected error", exc_info=True)
            text = _one_line(f"{type(error).__name__}: {error}")
            raise click.ClickException(f"unexpected {text}") from error


def _one_line(text: str) -> str:
    return redact(" ".join(text.split()))[:1000]


def _choose_db(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    """`--db` before or after the command name; also marks commands that need an existing DB.

    Before the name it is parsed ahead of `cli` itself, so it is kept in ctx.meta until `cli`
    builds the AppContext (whose environment errors must reach WatcherGroup's one-line printer).
    """
    if ctx.parent is None:
        if value is not None:
            ctx.meta["watcher.db"] = value
        return
    app = ctx.ensure_object(AppContext)
    if value is not None:
        app.db_override = value
    command = ctx.command_path.split(" ", 1)[-1]
    app.read_only = command in NEEDS_EXISTING_DB
    app.verify = command not in ONLY_READ


LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]
DB_HELP = "Database file (default: WATCHER_DB, else state/watcher.db here)."


def _db_option(**extra: Any) -> click.Option:
    return click.Option(["--db"], type=click.Path(dir_okay=False, path_type=Path),
                        metavar="PATH", expose_value=False, callback=_choose_db,
                        help=DB_HELP, **extra)  # fmt: skip


def _add_db_option(command: click.Command) -> None:
    """Every command takes --db, so `watcher seen list --db x.db` works as a user expects."""
    if any(param.name == "db" for param in command.params):
        return
    command.params.append(_db_option())
    for sub in getattr(command, "commands", {}).values():
        _add_db_option(sub)


def _version_text(app: AppContext) -> str:
    path = app.db_path
    state = "exists" if path.is_file() else "missing"
    config = Path(app.env.config_path).absolute()
    return f"watcher {__version__}\ndatabase: {path} ({state})\nconfig: {config}"


@click.group(cls=WatcherGroup, context_settings={"help_option_names": ["-h", "--help"]},
             invoke_without_command=True)  # fmt: skip
@click.option("--version", "show_version", is_flag=True,
              help="Show the version, the database and config in use, and exit.")  # fmt: skip
@click.option("--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False), default=None,
              help="What the log shows (default: [watcher] log_level, INFO). Above DEBUG: the"
              " watcher's own lines and libraries' warnings, never a message's text.")  # fmt: skip
@click.pass_context
def cli(ctx: click.Context, show_version: bool, log_level: str | None) -> None:
    """Watch thaigov.go.th and tell people what concerns their country or ministry."""
    app = ctx.ensure_object(AppContext)
    ctx.call_on_close(app.close)
    app.db_override = ctx.meta.get("watcher.db")
    if log_level is not None:
        app.log_level = log_level.upper()
        app.setup_logging()  # every command, also those that keep no log of their own
    if show_version:
        click.echo(_version_text(app))
        ctx.exit(0)
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
        ctx.exit(0)


cli.params.append(_db_option(is_eager=True))


# Each command's module is imported only when that command runs (or help lists it), so a
# read-only command never pays for the polling, e-mail or classifier modules' imports.
class _CommandsTakingDb(LazyCommands):
    """The lazy table, each command given `--db` when first looked up: adding the option at
    import time would import every command module (cold start, issue 16)."""

    def __getitem__(self, name: str) -> click.Command:
        command = super().__getitem__(name)
        _add_db_option(command)
        return command


cli.commands = _CommandsTakingDb(
    {
        "import": "watcher.cli.items:import_command",
        "seen": "watcher.cli.items:seen_group",
        "export": "watcher.cli.items:export_command",
        "codes": "watcher.cli.codes:codes_command",
        "classify": "watcher.cli.classify:classify_command",
        "eval": "watcher.cli.classify:eval_command",
        "reclassify": "watcher.cli.items:reclassify_command",
        "subscribers": "watcher.cli.subscribers:subscribers_group",
        "digest": "watcher.cli.digest:digest_command",
        "health": "watcher.cli.ops:health_command",
        "backup": "watcher.cli.ops:backup_command",
        "poll": "watcher.cli.poll:poll_command",
        "backfill": "watcher.cli.sources:backfill_command",
        "sources": "watcher.cli.sources:sources_command",
        "run": "watcher.cli.poll:run_command",
        "demo": "watcher.cli.poll:demo_command",
        "search": "watcher.cli.query:search_command",
        "stats": "watcher.cli.query:stats_command",
        "reindex": "watcher.cli.query:reindex_command",
        "browse": "watcher.cli.query:browse_command",
        "feed": "watcher.cli.feeds:feed_command",
        "serve": "watcher.cli.feeds:serve_command",
    }
)


def main() -> None:
    """The console entry. Before the interpreter exits, everything the command made is moved
    out of the collector's sight (gc.freeze): the exit's full collections would traverse every
    module and record once more only to free them, 25 ms of a 250 ms cold search. Whatever
    needs finishing is closed by the command itself (the database, files) or by atexit."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    try:
        cli(prog_name="watcher")
    finally:
        gc.freeze()
