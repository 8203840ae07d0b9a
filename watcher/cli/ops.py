"""`watcher health` and `watcher backup`: running the watcher unattended."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from watcher.cli.context import AppContext, pass_app

__all__ = ["backup_command", "health_command"]


@click.command("health")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")  # fmt: skip
@pass_app
def health_command(app: AppContext, output_format: str) -> None:
    """Exit 0 when healthy, 1 when not: DB writable, sources succeeding, outbox moving."""
    from watcher.core.errors import StoreError
    from watcher.daemon.health import HealthCheck, check_health, disk_check

    try:
        store = app.store
    except StoreError as error:  # e.g. a disk so full SQLite cannot open: still name the disk
        room = disk_check(str(app.db_path), app.config.watcher.min_free_disk_mb)
        checks = [HealthCheck("database", False, str(error)), room]
    else:
        checks = check_health(store, app.config, dt.datetime.now(dt.UTC))
    if output_format == "json":
        click.echo(json.dumps([c.__dict__ for c in checks], ensure_ascii=False, indent=1))
    else:
        for check in checks:
            click.echo(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
    sys.exit(0 if all(check.ok for check in checks) else 1)


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def backup_command(app: AppContext, target: Path) -> None:
    """Copy the database to TARGET while the watcher keeps running (online backup).

    Restore: stop the watcher, replace the database file (WATCHER_DB) with the copy, start it.
    """
    if target.exists():
        raise click.ClickException(f"{target}: already exists; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    app.store.backup(target)
    click.echo(f"backed up {app.store.count_items()} items to {target}")
