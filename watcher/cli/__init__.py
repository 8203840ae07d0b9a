"""The `watcher` command: a thin layer that parses arguments, calls the library and prints.

Commands that only read the database import nothing heavy (pythainlp, telegram, apscheduler),
so they start fast; each command module imports what it needs inside its functions.
"""

from __future__ import annotations

import sys

import click

from watcher import __version__
from watcher.cli.context import AppContext
from watcher.cli.lazy import LazyCommands
from watcher.errors import WatcherError

__all__ = ["cli", "main"]


class WatcherGroup(click.Group):
    """Turns any WatcherError into one clear line and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except WatcherError as error:
            raise click.ClickException(str(error)) from error


@click.group(cls=WatcherGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="watcher")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Watch thaigov.go.th and tell people what concerns their country or ministry."""
    app = ctx.ensure_object(AppContext)
    ctx.call_on_close(app.close)


# Each command's module is imported only when that command runs (or help lists it), so a
# read-only command never pays for the polling, e-mail or classifier modules' imports.
cli.commands = LazyCommands(
    {
        "import": "watcher.cli.items:import_command",
        "seen": "watcher.cli.items:seen_group",
        "export": "watcher.cli.items:export_command",
        "classify": "watcher.cli.classify:classify_command",
        "eval": "watcher.cli.classify:eval_command",
        "reclassify": "watcher.cli.items:reclassify_command",
        "subscribers": "watcher.cli.subscribers:subscribers_group",
        "digest": "watcher.cli.subscribers:digest_command",
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
    }
)


def main() -> None:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    cli(prog_name="watcher")
