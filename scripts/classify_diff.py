"""Classify both corpora and count, field by field, what a classifier change changed.

    python -m scripts.classify_diff dump OUT.jsonl.gz [--corpus PATH]...
    python -m scripts.classify_diff compare BEFORE.jsonl.gz AFTER.jsonl.gz [--show FIELD]
        [--code CODE] [--sample N] [--seed N]

Why: a rule written from a few labelled items must change the corpus only where it means to.
`dump` labels every item published before 2025 of both corpora (the title, body and site
category the pipeline passes) and writes one line per item, without evidence: `compare`
between a dump made before a change and one made after prints how many items changed in each
field (countries, primary, blocs, ministries, lead), which codes came and went, and, with
`--show`, a seeded sample of changed items (id, before, after) to read against the corpus.
"""

from __future__ import annotations

import argparse
import gzip
import json
import lzma
import random
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from watcher.classify import Classifier, default_gazetteer_dir
from watcher.core.corpus import parse_corpus_text

ROOT = Path(__file__).resolve().parents[1]
CORPORA = (
    ROOT.parent / "shared" / "data" / "thaigov-corpus.jsonl.xz",
    ROOT.parent / "shared" / "data" / "thaigov-v2-corpus.jsonl.xz",
)
CUTOFF = "2025-01-01"  # items published from here on are never read
FIELDS = ("countries", "primary", "blocs", "ministries", "lead_ministry")


def items(paths: list[Path]) -> Iterator[tuple[str, str, str, str | None]]:
    """(key, title, body, category) of every item published before CUTOFF."""
    seen: Counter[str] = Counter()
    for path in paths:
        with lzma.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                category = record.get("category")
                item = parse_corpus_text(record.get("text") or "", category=category)
                if item.published is None or item.published < CUTOFF:
                    key = f"{path.name.split('.')[0]}:{record.get('id')}"
                    seen[key] += 1  # a few ids occur twice in a corpus: keep both
                    yield (
                        key if seen[key] == 1 else f"{key}#{seen[key]}",
                        item.title,
                        item.body,
                        category,
                    )


def dump(paths: list[Path], out: Path) -> int:
    classifier = Classifier.from_dir(default_gazetteer_dir())
    count = 0
    with gzip.open(out, "wt", encoding="utf-8") as handle:
        for key, title, body, category in items(paths):
            labels = classifier.classify(title, body, category).to_json()
            row = {"key": key} | {f: labels[f] for f in FIELDS} | {"kind": labels["kind"]}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    print(f"{count} items written to {out}", file=sys.stderr)
    return 0


def _read(path: Path) -> dict[str, dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return {row["key"]: row for row in map(json.loads, handle)}


def _codes(value: Any) -> set[str]:
    if value is None:
        return set()
    return set(value) if isinstance(value, list) else {str(value)}


def compare(before: Path, after: Path, show: str | None, code: str | None, sample: int) -> int:
    old, new = _read(before), _read(after)
    common = sorted(old.keys() & new.keys())
    print(f"items: {len(common)} (only before: {len(old) - len(common)}, "
          f"only after: {len(new) - len(common)})")  # fmt: skip
    changed: dict[str, list[str]] = {f: [] for f in FIELDS}
    gained: dict[str, Counter[str]] = {f: Counter() for f in FIELDS}
    lost: dict[str, Counter[str]] = {f: Counter() for f in FIELDS}
    for key in common:
        for name in FIELDS:
            was, now = _codes(old[key][name]), _codes(new[key][name])
            if was == now:
                continue
            if code is None or code in was ^ now:
                changed[name].append(key)
            gained[name].update(now - was)
            lost[name].update(was - now)
    print(f"{'field':<14} {'items changed':>13}  codes gained / lost (most frequent)")
    for name in FIELDS:
        plus = ", ".join(f"+{c} {n}" for c, n in gained[name].most_common(6))
        minus = ", ".join(f"-{c} {n}" for c, n in lost[name].most_common(6))
        print(f"{name:<14} {len(changed[name]):>13}  {plus}  {minus}".rstrip())
    if show:
        keys = changed[show if show in FIELDS else "lead_ministry"]
        for key in random.sample(keys, min(sample, len(keys))):
            field = show if show in FIELDS else "lead_ministry"
            print(f"{key}\t{old[key][field]} -> {new[key][field]}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    dumping = sub.add_parser("dump", help="Classify both corpora into OUT.jsonl.gz.")
    dumping.add_argument("out", type=Path)
    dumping.add_argument("--corpus", action="append", type=Path, help="Corpus (repeatable).")
    comparing = sub.add_parser("compare", help="Count changes by field between two dumps.")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    comparing.add_argument("--show", choices=FIELDS, help="Print a sample of this field's changes.")
    comparing.add_argument("--code", help="Only changes that gain or lose this code.")
    comparing.add_argument("--sample", type=int, default=20)
    comparing.add_argument("--seed", type=int, default=26)
    args = parser.parse_args(argv)
    if args.command == "dump":
        paths = args.corpus or [p for p in CORPORA if p.exists()]
        if not paths:
            print("no corpus found; pass --corpus PATH", file=sys.stderr)
            return 1
        return dump(paths, args.out)
    random.seed(args.seed)
    return compare(args.before, args.after, args.show, args.code, args.sample)


if __name__ == "__main__":
    raise SystemExit(main())
