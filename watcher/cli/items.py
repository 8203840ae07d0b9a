"""`watcher import`, `watcher seen list|show`, `watcher export`: the item history."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import click

from watcher.cli.context import AppContext, pass_app
from watcher.cli.options import (
    filter_from_options,
    filter_options,
    output_options,
    variants_option,
)
from watcher.cli.output import describe_item, print_count_footer, print_items
from watcher.core.errors import StoreError

__all__ = ["export_command", "import_command", "reclassify_command", "seen_group"]


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--strict", is_flag=True, help="Exit 1 also when pages the site left empty were skipped."
)
@pass_app
def import_command(app: AppContext, paths: tuple[Path, ...], strict: bool) -> None:
    """Import corpora (.jsonl, .jsonl.xz, .jsonl.gz, corpus .txt files, directories) as history.

    Imported items are stored, classified and searchable, but never alerted. A file that is no
    corpus (a README, a CSV) is refused in one line before anything is stored. Pages the site
    itself left empty (its empty-item page, title-only posts) are skipped and counted by
    reason. Rerun after Ctrl-C to resume: what is kept counts as duplicate. Exit status 1 when
    some input was refused or rejected as unreadable (each one is named on stderr) or, with
    --strict, when anything was skipped; 2 when the config or the database failed (a full
    disk: the line says how many inputs were committed before); 130 on Ctrl-C; 0 otherwise.
    """
    from watcher.cli.poll import ConfigOrDatabaseError
    from watcher.core.errors import ConfigError
    from watcher.ingest.neardup import NearDuplicates
    from watcher.ingest.pipeline import Pipeline
    from watcher.ingest.reader import check_corpus_paths, read_items

    check_corpus_paths(list(paths))  # before the database is opened: nothing is stored
    before = None
    try:
        detector = NearDuplicates.from_settings(app.config.dedupe)
        pipeline = Pipeline(app.store, app.classifier, near_duplicates=detector)
        before = app.store.count_items()
        records = read_items(list(paths))
        with _progress() as advance:
            summary = pipeline.import_records(records, on_result=advance)
    except (ConfigError, StoreError) as error:
        raise ConfigOrDatabaseError(str(error)) from error
    except KeyboardInterrupt:
        kept = "no item was" if before is None else f"{app.store.count_items() - before:,} items"
        click.echo(
            f"interrupted: {kept} kept; run the same import again to resume"
            " (what is kept counts as duplicate)",
            err=True,
        )
        sys.exit(130)
    click.echo(f"imported: {summary.line()}")
    if summary.counts["rejected"] or (strict and summary.counts["skipped"]):
        sys.exit(1)


def _printable(where: str) -> str:
    """A file name as one line: a newline in a name must not forge a line of the summary."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in where)


class _progress:
    """A live counter on a terminal; the first REJECTIONS_KEPT rejected inputs go to stderr,
    one line each, then one line counts the rest (16 million bad lines are not 16 million
    lines of output; the summary counts them all)."""

    def __enter__(self):  # type: ignore[no-untyped-def]
        from watcher.ingest.pipeline import REJECTIONS_KEPT

        self.shown, self.rejected = REJECTIONS_KEPT, 0
        self.bar = None
        if sys.stderr.isatty():
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("reading", total=None)
        self.seen = 0
        return self.advance

    def advance(self, record, result) -> None:  # type: ignore[no-untyped-def]
        self.seen += 1
        if result.status == "rejected":
            self.rejected += 1
            if self.rejected <= self.shown:
                self.say(f"rejected {_printable(record.where)}: {result.reason}")
        if self.bar is not None and self.seen % 200 == 0:
            self.bar.update(self.task, description=f"{self.seen} items read")

    def say(self, message: str) -> None:
        if self.bar is not None:
            self.bar.console.print(message, markup=False, highlight=False)
        else:
            click.echo(message, err=True)

    def __exit__(self, *exc: object) -> None:
        if self.rejected > self.shown:
            more = self.rejected - self.shown
            self.say(f"… and {more:,} more rejected inputs, not shown (the first {self.shown} are)")
        if self.bar is not None:
            self.bar.stop()


@click.command("reclassify")
@filter_options
@pass_app
def reclassify_command(app: AppContext, **options: object) -> None:
    """Re-label stored items with the current gazetteers (after editing config/gazetteers)."""
    from watcher.ingest.pipeline import Pipeline

    where = dataclasses.replace(filter_from_options(options), variants=True)
    hashes = app.store.matching_hashes(where)
    counts = Pipeline(app.store, app.classifier).reclassify(hashes)
    click.echo(f"reclassified {len(hashes)} items: {counts['changed']} changed")


@click.group("seen")
def seen_group() -> None:
    """List and show the items seen so far."""


@seen_group.command("list")
@filter_options
@output_options
@variants_option
@pass_app
def seen_list(app: AppContext, output_format: str, variants: bool, **options: object) -> None:
    """List stored items, newest first (default limit 50), one row per story."""
    where = dataclasses.replace(filter_from_options(options, default_limit=50), variants=variants)
    items = list(app.store.iter_items(where))
    print_items(items, output_format, variants=variants)
    unlimited = dataclasses.replace(where, limit=None)
    print_count_footer(
        output_format, len(items), lambda: app.store.count_matching(unlimited), limit=where.limit
    )


@seen_group.command("show")
@click.argument("key")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@pass_app
def seen_show(app: AppContext, key: str, output_format: str) -> None:
    """Show one item by hash (or a unique prefix) or by URL: its URLs, revisions and variants.

    Variants are other items judged the same story (near-duplicates), with their similarity.
    """
    store = app.store
    item = store.get_item(key)
    if item is None:
        raise click.ClickException(f"no item with hash or URL {key!r}")
    urls = store.item_urls(item.hash)
    revisions = [r for r in store.revisions(item.hash) if r.hash != item.hash]
    variants = store.variants(item.near_duplicate_of or item.hash)
    if output_format == "json":
        record = item.to_json() | {
            "near_duplicate_of": item.near_duplicate_of,
            "near_similarity": item.near_similarity,
            "body": item.body,
            "evidence": list(item.evidence),
            "urls": urls,
            "revisions": [
                {"hash": r.hash, "first_seen": r.first_seen, "title": r.title} for r in revisions
            ],
            "variants": variants,
        }
        click.echo(json.dumps(record, ensure_ascii=False, indent=1))
        return
    click.echo(describe_item(item, urls, revisions, variants))


@click.command("export")
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["corpus", "jsonl", "csv"]),
    default="corpus",
    show_default=True,
    help="corpus: NNN_<hash>.txt files in OUT; jsonl, csv: OUT file (- = stdout).",
)
@filter_options
@pass_app
def export_command(app: AppContext, out: Path, output_format: str, **options: object) -> None:
    """Export stored items, oldest first, near-duplicates included; re-importing adds nothing."""
    from watcher.query.export import export_items

    if output_format == "corpus" and str(out) == "-":
        raise click.UsageError("--format corpus writes a directory of files; for stdout use"
                               " --format jsonl or csv")  # fmt: skip
    where = dataclasses.replace(filter_from_options(options), variants=True)
    try:
        count = export_items(app.store.iter_items(where, newest_first=False), out, output_format)
    except BrokenPipeError:
        raise  # the reader stopped early (`| head`): a quiet end, not a write failure
    except OSError as error:
        raise StoreError(f"{out}: cannot write: {error.strerror}") from error
    click.echo(f"exported {count} items to {out}", err=str(out) == "-")
