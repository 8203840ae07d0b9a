"""The `watcher` command: a thin layer that parses arguments, calls the library and prints.

Commands that only read the database import nothing heavy (pythainlp, telegram, apscheduler),
so they start fast; each command module imports what it needs inside its functions.
"""

from __future__ import annotations

import logging
import sys

import click

from watcher import __version__
from watcher.cli.context import AppContext
from watcher.cli.lazy import LazyCommands
from watcher.errors import WatcherError
from watcher.logs import redact

__all__ = ["cli", "main"]


class WatcherGroup(click.Group):
    """The top-level error printer: any failure ends in one line, secrets redacted, exit 1.

    A WatcherError's text is meant for the user; anything else is a library's or a bug's, so
    its traceback goes to the log at DEBUG (through the redacting handler) and the user sees
    its type and first line. Either may quote a secret (a refused token), hence `redact`.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
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
            logging.getLogger("watcher").debug("unexpected error", exc_info=True)
            text = _one_line(f"{type(error).__name__}: {error}")
            raise click.ClickException(f"unexpected {text}") from error


def _one_line(text: str) -> str:
    return redact(" ".join(text.split()))[:1000]


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
        "feed": "watcher.cli.feeds:feed_command",
        "serve": "watcher.cli.feeds:serve_command",
    }
)


def main() -> None:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    cli(prog_name="watcher")
