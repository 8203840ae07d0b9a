"""`watcher sources` and `watcher backfill`: what each source is, what the site said, history."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import click

from watcher.cli.context import AppContext, pass_app
from watcher.cli.options import output_options
from watcher.cli.output import print_rows

__all__ = ["backfill_command", "sources_command"]

COLUMNS = ("name", "kind", "parser", "enabled", "robots", "last_success", "state", "unreadable")


@click.command("sources")
@output_options
@pass_app
def sources_command(app: AppContext, output_format: str) -> None:
    """Each configured source: kind, parser, last success, and its state (ok, refused by
    robots.txt: RULE, blocked: bot protection, selectors stale, or the last failure)."""
    from watcher.sources.state import state_line

    store = app.store
    rows: list[dict[str, Any]] = []
    for source in app.config.sources:
        state = store.source_state(source.name)
        pending, given_up = store.count_skips(source.name)
        rows.append(
            {
                "name": source.name, "kind": source.kind, "parser": source.parser,
                "enabled": source.enabled,
                "robots": "IGNORED (override)" if source.ignore_robots else "honoured",
                "last_success": state.last_success, "state": state_line(state),
                "unreadable": f"{pending} retrying, {given_up} given up"
                if pending or given_up else "",
            }
        )  # fmt: skip
    print_rows(rows, COLUMNS, output_format)
    if output_format == "table":
        for source in app.config.sources:
            for skip in store.source_skips(source.name):
                status = "given up" if skip.given_up else f"{skip.tries} tries"
                click.echo(f"{source.name}: unreadable {skip.key} ({status}): {skip.reason}")


@click.command("backfill")
@click.argument("source_name", metavar="SOURCE")
@click.option("--from", "first", type=click.IntRange(1), required=True, metavar="ID",
              help="First id to read.")  # fmt: skip
@click.option("--to", "last", type=click.IntRange(1), default=None, metavar="ID",
              help="Last id to read (default: the newest id the source has reached).")  # fmt: skip
@pass_app
def backfill_command(app: AppContext, source_name: str, first: int, last: int | None) -> None:
    """Read a sequence source's older ids as history: politely (the fetcher's pace, robots.txt
    honoured), resumable after a kill (run the same command again), never alerted."""
    from watcher.cli.poll import classifier_or_none
    from watcher.cli.progress import ProgressBar
    from watcher.sources.backfill import run_backfill
    from watcher.sources.cycle import open_poller, stop_on_signals

    config, store = app.config, app.store
    app.setup_logging("WARNING")
    named = [s for s in config.sources if s.name == source_name]
    if not named:
        raise click.ClickException(f"{config.path or 'config'}: no source named {source_name!r}")
    source = named[0]

    async def go() -> Any:
        stop = asyncio.Event()
        with stop_on_signals(stop), ProgressBar("backfill") as advance:
            async with open_poller(config, store, classifier_or_none(app), stop=stop) as poller:
                return await run_backfill(poller, source, first, last, on_progress=advance)

    report = asyncio.run(go())
    for skipped in report.skipped:
        click.echo(f"{source.name}: skipped {skipped}", err=True)
    click.echo(report.line())
    sys.exit(1 if report.stopped else 0)
