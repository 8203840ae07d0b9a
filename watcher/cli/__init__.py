"""The `watcher` command: a thin layer that parses arguments, calls the library and prints.

Commands that only read the database import nothing heavy (pythainlp, telegram, apscheduler),
so they start fast; each command module imports what it needs inside its functions.
"""

from __future__ import annotations

import logging
import sys

import click

from watcher import __version__
from watcher.cli.classify import classify_command, eval_command
from watcher.cli.context import AppContext
from watcher.cli.items import export_command, import_command, reclassify_command, seen_group
from watcher.cli.ops import backup_command, health_command
from watcher.cli.poll import demo_command, poll_command, run_command
from watcher.cli.query import browse_command, reindex_command, search_command, stats_command
from watcher.cli.sources import backfill_command, sources_command
from watcher.cli.subscribers import digest_command, subscribers_group
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


for command in (
    import_command,
    seen_group,
    export_command,
    classify_command,
    eval_command,
    reclassify_command,
    subscribers_group,
    digest_command,
    health_command,
    backup_command,
    poll_command,
    backfill_command,
    sources_command,
    run_command,
    demo_command,
    search_command,
    stats_command,
    reindex_command,
    browse_command,
):
    cli.add_command(command)


def main() -> None:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    cli(prog_name="watcher")
