"""`watcher digest`: send a channel's digest now, or `--preview` it (render, send nothing)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from watcher.channels.registry import CHANNELS, channel_class, digest_zone
from watcher.cli.context import AppContext, pass_app
from watcher.cli.options import DATE_HELP, iso_date
from watcher.core.errors import StoreError

if TYPE_CHECKING:
    from watcher.channels.preview import DigestPreview, PreviewRun

__all__ = ["digest_command"]


@click.command("digest")
@click.option("--channel", type=click.Choice(list(CHANNELS)), required=True,
              help="Which subscribers' digest to send.")  # fmt: skip
@click.option("--date", "day", callback=iso_date, default=None,
              help=f"The day (in the configured zone), {DATE_HELP} [default: today].")  # fmt: skip
@click.option("--weekly", is_flag=True,
              help="The weekly digest of the seven days ending on --date, for weekly"
              " subscribers (instead of the daily one).")  # fmt: skip
@click.option("--force", is_flag=True, help="Send again even if that day's digest was sent.")
@click.option("--preview", is_flag=True,
              help="Render exactly what would be sent, to stdout (e-mail's HTML to files), and"
              " send, queue and mark nothing.")  # fmt: skip
@click.option("--subscriber", "subscriber_id", type=int, default=None,
              help="With --preview: only this subscriber's digest (an id).")  # fmt: skip
@click.option("--html", "html_dir", default=None,
              type=click.Path(file_okay=False, path_type=Path),
              help="With --preview: the directory for e-mail's HTML parts [default: a new one"
              " under the temp directory].")  # fmt: skip
@pass_app
def digest_command(
    app: AppContext,
    channel: str,
    day: str | None,
    weekly: bool,
    force: bool,
    preview: bool,
    subscriber_id: int | None,
    html_dir: Path | None,
) -> None:
    """Build and send the daily (or --weekly) digest now to every subscriber of a channel who
    gets one; says who was skipped and why. --preview shows it and sends nothing."""
    now = dt.datetime.now(dt.UTC)
    the_day = (
        dt.date.fromisoformat(day)
        if day
        else now.astimezone(digest_zone(app.config, channel)).date()
    )
    frequency = "weekly" if weekly else "daily"
    if not preview:
        if subscriber_id is not None or html_dir is not None:
            raise click.UsageError("--subscriber and --html go with --preview")
        import asyncio

        from watcher.channels.digest_runs import digest_now

        run = digest_now(
            app.store, app.config, app.env, channel, the_day, now, frequency=frequency, force=force
        )
        click.echo((asyncio.run(run)).line())
        return
    from watcher.channels.preview import preview_now

    found = preview_now(
        app.store, app.config, app.env, channel, the_day,
        frequency=frequency, subscriber_id=subscriber_id, force=force,
    )  # fmt: skip
    _print_preview(found, html_dir)


def _print_preview(run: PreviewRun, html_dir: Path | None) -> None:
    shown = channel_class(run.label).shown_address
    if html_dir is None and any(preview.rendered.html for preview in run.previews):
        html_dir = Path(tempfile.mkdtemp(prefix="watcher-preview-"))
    for preview in run.previews:
        subscriber = preview.subscriber
        click.echo(
            f"=== subscriber {subscriber.id}: {subscriber.channel} {shown(subscriber.address)},"
            f" {preview.digest.count} item(s) ==="
        )
        texts = preview.rendered.texts
        for number, text in enumerate(texts, 1):
            if len(texts) > 1:
                click.echo(f"--- message {number} of {len(texts)} ---")
            click.echo(text.rstrip("\n"))
        for path in _write_html(run, preview, html_dir):
            click.echo(f"html: {path}")
        click.echo()
    click.echo(run.line())


def _write_html(run: PreviewRun, preview: DigestPreview, where: Path | None) -> list[Path]:
    """E-mail's HTML parts, one file each, in `where` (made if missing)."""
    pages = preview.rendered.html
    if not pages or where is None:
        return []
    kind = "weekly" if run.frequency == "weekly" else "digest"
    stem = f"{run.label}-{kind}-{run.day}-s{preview.subscriber.id}"
    paths = [
        where / (f"{stem}-p{n}.html" if len(pages) > 1 else f"{stem}.html")
        for n in range(1, len(pages) + 1)
    ]
    try:
        where.mkdir(parents=True, exist_ok=True)
        for path, page in zip(paths, pages, strict=True):
            path.write_text(page, encoding="utf-8")
    except OSError as error:
        raise StoreError(f"{where}: cannot write the HTML preview: {error.strerror}") from error
    return paths
