"""`watcher poll`, `watcher run`, `watcher demo`: reading the site, once, forever, or offline."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TYPE_CHECKING

import click

from watcher.cli.context import AppContext, pass_app

if TYPE_CHECKING:
    from watcher.classify import Classifies
    from watcher.sources.cycle import CycleReport

__all__ = ["ConfigOrDatabaseError", "demo_command", "poll_command", "run_command"]

log = logging.getLogger(__name__)


def classifier_or_none(app: AppContext) -> Classifies | None:
    """The classifier, or None while watcher.classify is not installed (items go unlabelled)."""
    try:
        return app.classifier
    except ImportError as error:
        log.warning("no classifier (%s): items are stored without labels", error)
        return None


class ConfigOrDatabaseError(click.ClickException):
    exit_code = 2  # the contract: 2 for a bad config or a broken database, 1 a failed source


@click.command("poll")
@click.option("--once", is_flag=True, help="One cycle over the sources, then exit (the default).")
@click.option("--source", "names", multiple=True, metavar="NAME", help="Only this source.")
@pass_app
def poll_command(app: AppContext, once: bool, names: tuple[str, ...]) -> None:
    """Read each enabled source once and print a summary per source.

    Always tries, even a source that bot protection blocked earlier (an operator's explicit
    request). Exit status 0 when every source was read, 1 when a source failed, was refused by
    robots.txt or blocked (printed and recorded; the next cycle retries), 2 for a bad config
    or a broken database.
    """
    from watcher.core.errors import ConfigError, StoreError
    from watcher.sources.cycle import poll_once

    try:
        config = app.config
        app.setup_logging("WARNING")  # before the store: an upgrade says so in the log
        store = app.store
        reports = asyncio.run(poll_once(config, store, classifier_or_none(app), names))
    except (ConfigError, StoreError) as error:
        raise ConfigOrDatabaseError(str(error)) from error
    if not reports:
        raise ConfigOrDatabaseError(
            f"no enabled source in {app.env.config_path}: nothing to poll; add a [[sources]]"
            " table or set enabled = true in one (docs/configuration.md)"
        )
    for report in reports:
        click.echo(report.line())
    if any(not report.ok for report in reports):
        sys.exit(1)


@click.command("run")
@pass_app
def run_command(app: AppContext) -> None:
    """Poll the sources on their schedule, send alerts and digests, answer the Telegram bot's
    commands (when TELEGRAM_BOT_TOKEN is set), until SIGTERM or Ctrl-C."""
    from watcher.daemon.assemble import run_watcher
    from watcher.daemon.lock import daemon_lock
    from watcher.daemon.run_summary import render_start_summary

    config = app.config
    app.setup_logging()  # before the store: an upgrade says so in the log
    store = app.store

    def report(cycle: CycleReport) -> None:
        """Every cycle through logging (timestamped, text or JSON as configured)."""
        for line in cycle.line().splitlines():
            if not cycle.ok:
                level = logging.ERROR
            elif ": WARNING: " in line:
                level = logging.WARNING
            else:
                level = logging.INFO
            log.log(level, "%s", line)

    from watcher.store import DamagedDatabase

    with daemon_lock(store.path, before_release=app.close):  # the store closes first
        click.echo(render_start_summary(config, app.env, store))
        classifier = classifier_or_none(app)
        try:
            asyncio.run(run_watcher(config, store, app.env, classifier, on_report=report))
        except DamagedDatabase as error:  # met by a cycle: stopped, as `poll` does, exit 2
            raise ConfigOrDatabaseError(str(error)) from error
    click.echo("stopped")
    # The interpreter's last garbage collection would walk the classifier's millions of objects
    # (seconds on a busy machine) before the process may end: they are left to the exit.
    import gc

    gc.freeze()


@click.command("demo")
@click.option(
    "--duration",
    type=float,
    default=None,
    metavar="SECONDS",
    help="Stop by itself after this long (default: until Ctrl-C).",
)
@click.option(
    "--interval",
    type=float,
    default=2.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds between polls of the replay site.",
)
@click.option(
    "--items",
    "item_count",
    type=click.IntRange(1),
    default=40,
    show_default=True,
    metavar="N",
    help="How many sample items the replay site publishes in all.",
)
@click.option(
    "--publish-every",
    type=float,
    default=3.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds between new items appearing on the replay site.",
)
@click.option(
    "--telegram",
    is_flag=True,
    help="Talk to the real bot on a local Bot API: type /subscribe JP, /list… (no token needed;"
    " commands are read from stdin when it is not a terminal).",
)
@pass_app
def demo_command(
    app: AppContext, duration: float | None, interval: float, item_count: int,
    publish_every: float, telegram: bool,
) -> None:  # fmt: skip
    """Watch a local replay of the site (offline, temporary database, console alerts).

    The demo keeps nothing: it runs on a temporary database of its own, so --db is refused.
    """
    from watcher.demo.run import DemoOptions, run_demo

    if app.db_override is not None:
        raise ConfigOrDatabaseError(
            f"--db {app.db_override}: the demo runs on a temporary database of its own and keeps"
            " nothing; to keep its items: watcher import watcher/data/demo-sample.jsonl.xz --db"
            f" {app.db_override}"
        )

    options = DemoOptions(duration, interval, item_count, publish_every, telegram=telegram)
    run_demo(options, classifier_or_none(app))
