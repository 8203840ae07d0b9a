"""`watcher classify` and `watcher eval`: label JSONL items, or score labels against hand labels."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from watcher.core.corpus import parse_corpus_text
from watcher.core.errors import WatcherError

if TYPE_CHECKING:  # imported when a command runs, so the rest of the CLI starts fast
    from watcher.classify import Classifier
    from watcher.classify.evaluation import Report


def split_item_text(text: str) -> tuple[str, str]:
    """Title and body of a corpus-format text (THAIGOV.md), banner and source line dropped."""
    item = parse_corpus_text(text)
    return item.title, item.body


def _load(gazetteers: Path | None) -> Classifier:
    from watcher.classify import Classifier, default_gazetteer_dir

    try:
        return Classifier.from_dir(gazetteers or default_gazetteer_dir())
    except WatcherError as error:
        raise click.ClickException(str(error)) from None


def _parse_line(line: str) -> tuple[Any, str, str | None]:
    """One line → (id, text, category); ValueError, one rejection, for anything else."""
    from watcher.core.jsonline import parse_json_line, string_field

    record = parse_json_line(line)
    if not isinstance(record, dict):
        raise ValueError('expected an object with a string "text"')
    text, category = string_field(record, "text"), string_field(record, "category")
    if text is None:
        raise ValueError('expected an object with a string "text"')
    string_field(record, "id")  # echoed back as JSON: a lone surrogate there cannot be
    return record.get("id"), text, category


def _classify_stream(classifier: Classifier, source: IO[str], out: IO[str]) -> int:
    rejected = 0
    for number, line in enumerate(source, 1):
        if not line.strip():
            continue
        try:
            item_id, text, category = _parse_line(line)
        except ValueError as error:
            click.echo(f"line {number}: rejected: {str(error).splitlines()[0]}", err=True)
            rejected += 1
            continue
        labels = classifier.classify(*split_item_text(text), category)
        out.write(json.dumps({"id": item_id, **labels.to_json()}, ensure_ascii=False) + "\n")
    return rejected


@click.command("classify")
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-", required=False)
@click.option(
    "--gazetteers", type=click.Path(file_okay=False, path_type=Path), help="Gazetteer directory."
)
def classify_command(file: IO[str], gazetteers: Path | None) -> None:
    """Label JSONL items {"id","text"} with countries, blocs and ministries (one JSON line each)."""
    classifier = _load(gazetteers)
    rejected = _classify_stream(classifier, file, sys.stdout)
    if rejected:
        raise click.exceptions.Exit(1)


_LANGUAGES = {"th": "Thai pages", "en": "English pages"}


def _print_figures(report: Report, indent: str = "") -> None:
    for name, score in report.fields.items():
        click.echo(
            f"{indent}{name:<11} P={score.precision:.3f} R={score.recall:.3f} F1={score.f1:.3f}"
            f"  (tp={score.tp} fp={score.fp} fn={score.fn})"
        )
    click.echo(
        f"{indent}lead_ministry accuracy={report.lead_accuracy:.3f}"
        f" ({report.lead_right}/{report.items})"
    )


def _print_report(report: Report) -> None:
    click.echo(f"items: {report.items}")
    _print_figures(report)
    if len(report.by_language) > 1:
        for lang in ("th", "en"):
            if lang in report.by_language:
                part = report.by_language[lang]
                click.echo(f"{_LANGUAGES[lang]}: {part.items}")
                _print_figures(part, "  ")
    for error in report.errors:
        parts = [f"{error.item} {error.field}:"]
        if error.missing:
            parts.append("missing " + ",".join(error.missing))
        if error.extra:
            parts.append("extra " + ",".join(error.extra))
        if error.evidence:
            parts.append("because " + "; ".join(error.evidence))
        click.echo(" ".join(parts))


@click.command("eval")
@click.argument("labels", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--corpus", type=click.Path(dir_okay=False, path_type=Path), help="Corpus .jsonl(.xz)."
)
@click.option(
    "--seeds",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of seed .txt files.",
)
@click.option(
    "--gazetteers", type=click.Path(file_okay=False, path_type=Path), help="Gazetteer directory."
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures and errors as JSON.")
def eval_command(
    labels: Path, corpus: Path | None, seeds: Path | None, gazetteers: Path | None, as_json: bool
) -> None:
    """Precision/recall/F1 per field against hand labels, then every error with its evidence."""
    from watcher.classify.evaluation import evaluate, load_labels, load_texts

    classifier = _load(gazetteers)
    try:
        gold = load_labels(labels)
        texts = load_texts(
            [row["id"] for row in gold],
            corpus or labels.parent / "thaigov-corpus.jsonl.xz",
            seeds or labels.parent / "seeds",
        )
        report = evaluate(classifier, gold, texts, split_item_text)
    except WatcherError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        _print_report(report)
