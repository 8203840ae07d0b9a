"""Measure the classifier against hand labels (LABELING.md): per-field P/R/F1 and every error.

Reading the labelled texts needs the corpus format; that parser lives beside this package on
the same floor, so the caller passes it in as `split` (text -> (title, body)).
"""

from __future__ import annotations

import json
import lzma
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watcher.core.errors import InputError
from watcher.core.jsonline import parse_json_line

from .classifier import Classifier
from .labels import Labels
from .language import page_language

__all__ = ["ErrorCase", "FieldScore", "Report", "evaluate", "load_labels", "load_texts"]

SET_FIELDS = ("countries", "primary", "blocs", "ministries")
_SOURCE_ID = re.compile(r"/details/(\d+)\s*$")
Split = Callable[[str], tuple[str, str]]


@dataclass
class FieldScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class ErrorCase:
    item: str
    field: str
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    evidence: tuple[str, ...]  # "alias@field:offset" of each extra code


@dataclass
class Report:
    fields: dict[str, FieldScore] = field(
        default_factory=lambda: {f: FieldScore() for f in SET_FIELDS}
    )
    lead_right: int = 0
    items: int = 0
    errors: list[ErrorCase] = field(default_factory=list)
    # the same figures per page language ("th", "en"), errors left out
    by_language: dict[str, Report] = field(default_factory=dict)

    @property
    def lead_accuracy(self) -> float:
        return self.lead_right / self.items if self.items else 1.0

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"items": self.items, "figures": self.figures()}
        data["errors"] = [e.__dict__ for e in self.errors]
        if len(self.by_language) > 1:
            data["by_language"] = {
                lang: {"items": part.items, "figures": part.figures()}
                for lang, part in sorted(self.by_language.items())
            }
        return data

    def figures(self) -> dict[str, Any]:
        figures: dict[str, Any] = {
            name: {
                "precision": s.precision,
                "recall": s.recall,
                "f1": s.f1,
                "tp": s.tp,
                "fp": s.fp,
                "fn": s.fn,
            }
            for name, s in self.fields.items()
        }
        figures["lead_ministry"] = {"accuracy": self.lead_accuracy, "right": self.lead_right}
        return figures

    def add(self, row: dict[str, Any], labels: Labels) -> None:
        """Count one labelled item: per-field true/false positives, lead right or wrong."""
        self.items += 1
        for name in SET_FIELDS:
            truth, guess = set(row.get(name) or []), set(getattr(labels, name))
            score = self.fields[name]
            score.tp += len(truth & guess)
            score.fp += len(guess - truth)
            score.fn += len(truth - guess)
        if row.get("lead_ministry") == labels.lead_ministry:
            self.lead_right += 1


def load_labels(path: Path) -> list[dict[str, Any]]:
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = parse_json_line(line)  # too deep, too many digits: this line's error too
        except ValueError as error:
            raise InputError(f"{path}:{number}: {error}") from None
        if not isinstance(row, dict) or "id" not in row:
            raise InputError(f"{path}:{number}: not a label object with an id")
        rows.append(row)
    return rows


def _corpus_lines(path: Path) -> Iterator[str]:
    opener = lzma.open if path.suffix == ".xz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        yield from handle


def load_texts(ids: Iterable[object], corpus: Path, seeds: Path) -> dict[str, str]:
    """Texts by label id: seed file names from `seeds`, corpus ids from the source URL line."""
    wanted = {str(i) for i in ids}
    found: dict[str, str] = {}
    for name in sorted(wanted):
        if (seeds / name).is_file():
            found[name] = (seeds / name).read_text(encoding="utf-8-sig")
    numeric = wanted - set(found)
    if numeric and corpus.is_file():
        for line in _corpus_lines(corpus):
            record = json.loads(line)
            text = record.get("text") or ""
            match = _SOURCE_ID.search(text.rstrip()[-200:])
            key = match.group(1) if match else str(record.get("id"))
            if key in numeric and key not in found:
                found[key] = text
                if len(found) == len(wanted):
                    break
    return found


def _evidence_for(labels: Labels, kind: str, codes: Iterable[str]) -> tuple[str, ...]:
    wanted = set(codes)
    return tuple(
        f"{e.code}={e.alias}@{e.field}:{e.offset}"
        for e in labels.evidence
        if e.kind == kind and e.code in wanted
    )


_KIND = {"countries": "country", "primary": "country", "blocs": "bloc", "ministries": "ministry"}


def evaluate(
    classifier: Classifier, gold: list[dict[str, Any]], texts: dict[str, str], split: Split
) -> Report:
    """Score every labelled item, overall and per page language (Thai / English pages)."""
    report = Report()
    for row in gold:
        key = str(row["id"])
        if key not in texts:
            raise InputError(f"label {key}: text not found in the corpus or seeds")
        title, body = split(texts[key])
        labels = classifier.classify(title, body)
        report.add(row, labels)
        report.by_language.setdefault(page_language(title, body), Report()).add(row, labels)
        report.errors += _errors(key, row, labels)
    return report


def _errors(key: str, row: dict[str, Any], labels: Labels) -> list[ErrorCase]:
    errors: list[ErrorCase] = []
    for name in SET_FIELDS:
        truth, guess = set(row.get(name) or []), set(getattr(labels, name))
        if truth != guess:
            extra = tuple(sorted(guess - truth))
            errors.append(
                ErrorCase(
                    key,
                    name,
                    tuple(sorted(truth - guess)),
                    extra,
                    _evidence_for(labels, _KIND[name], extra),
                )
            )
    if row.get("lead_ministry") != labels.lead_ministry:
        wrong = labels.lead_ministry
        errors.append(
            ErrorCase(
                key,
                "lead_ministry",
                (str(row.get("lead_ministry")),),
                (str(wrong),),
                _evidence_for(labels, "ministry", [wrong] if wrong else []),
            )
        )
    return errors
