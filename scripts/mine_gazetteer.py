"""Propose gazetteer aliases mined from both corpora, for a person to review (never auto-applied).

    python scripts/mine_gazetteer.py [--corpus PATH]... [--min-count N] [--limit N]

Why: the gazetteers were written from 2017-2020 Thai text; the 2020s bring renamed agencies,
new bodies and English pages. Reading 80,000 items by hand is not possible, so this script
lists the names the site itself defines, with how often it uses them, and which code they
probably belong to:

1. "Full name (ABBR)" pairs in Thai and English, "ชื่อเต็ม (อักษรย่อ.)": when the name is
   already an alias, the abbreviation is proposed for the same code; when an English
   abbreviation is known, the capitalised name before it is ("same-as").
2. English office names ("Ministry of ...", "Department of ...", "Office of ...", "Minister
   of ...") that no alias covers, with the code of the known alias they share the most words
   with ("near"), or "?" when none.

Every line is a suggestion: `kind code  "alias"  count  why`. A person decides which go into
config/gazetteers/*.toml (a word that is also a common noun, an abbreviation two ministries
share, a foreign office: those stay out). The output is sorted, so two runs over the same
corpora print the same list and a diff shows what a gazetteer edit changed.
"""

from __future__ import annotations

import argparse
import json
import lzma
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from watcher.classify import default_gazetteer_dir, load_gazetteer
from watcher.classify.matcher import Matcher
from watcher.classify.textnorm import fold_case, normalize
from watcher.core.corpus import parse_corpus_text

ROOT = Path(__file__).resolve().parents[1]
CORPORA = (
    ROOT.parent / "shared" / "data" / "thaigov-corpus.jsonl.xz",
    ROOT.parent / "shared" / "data" / "thaigov-v2-corpus.jsonl.xz",
)
CUTOFF = "2025-01-01"  # items published from here on are never read (the corpora end before)

_ABBREVIATION = re.compile(
    r"\(\s*([\u0e01-\u0e4e]{1,8}\.(?:[\u0e01-\u0e4e]{1,4}\.?){0,3}|[A-Za-z][A-Za-z.&-]{1,9})\s*\)"
)
_ENGLISH_TAIL = re.compile(
    r"(?:[A-Z][A-Za-z&'-]*(?:\s+(?:of|and|for|the|on))*\s+){1,10}[A-Z][A-Za-z&'-]*$"
)
_WINDOW = 100
_OFFICE = re.compile(
    r"\b(?:Deputy |Permanent )?(?:Ministry|Minister|Department|Office|Secretary)"
    r"(?: of| for)(?: the)?(?: [A-Z][a-z]+(?:,| and| of| for)?){1,8}"
)
_TRAILING = re.compile(r"(?:\s|,|\band\b|\bof\b|\bfor\b)+$")


def items(paths: list[Path]) -> Iterator[tuple[str, str]]:
    """(title, body) of every corpus item published before CUTOFF."""
    for path in paths:
        with lzma.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                item = parse_corpus_text(record.get("text") or "", category=record.get("category"))
                if item.published is None or item.published < CUTOFF:
                    yield item.title, item.body


def known_aliases() -> dict[str, tuple[str, str]]:
    """Folded alias text -> (kind, code) for every alias in the gazetteers."""
    gazetteer = load_gazetteer(default_gazetteer_dir())
    table: dict[str, tuple[str, str]] = {}
    for alias in gazetteer.aliases():
        if alias.kind != "not_state":
            table.setdefault(fold_case(alias.text.strip()), (alias.kind, alias.code))
    return table


def _clean(name: str) -> str:
    return _TRAILING.sub("", " ".join(name.split()))


def _nearest(name: str, known: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    """The code of the known English alias sharing the most content words with `name`."""
    words = {w for w in fold_case(name).split() if len(w) > 3}
    best: tuple[int, tuple[str, str] | None] = (1, None)
    for alias, code in known.items():
        shared = len(words & set(alias.split()))
        if shared > best[0]:
            best = (shared, code)
    return best[1]


def _pairs(text: str, matcher: Matcher) -> Iterator[tuple[str, str, str | None]]:
    """(name before the bracket, abbreviation, "kind code" of a known alias ending there)."""
    for found in _ABBREVIATION.finditer(text):
        window = text[max(0, found.start() - _WINDOW) : found.start()].rstrip()
        short = found.group(1)
        matches = matcher.scan(normalize(window))
        if matches and matches[-1].end == len(window):
            last = matches[-1]
            yield window[last.start :], short, f"{last.alias.kind} {last.alias.code}"
            continue
        tail = _ENGLISH_TAIL.search(window)
        if tail:
            yield _clean(tail.group(0)), short, None


def mine(paths: list[Path], min_count: int) -> list[tuple[str, str, str, int, str]]:
    known = known_aliases()
    english_known = {a: c for a, c in known.items() if a.isascii() and " " in a}
    matcher = Matcher(load_gazetteer(default_gazetteer_dir()).aliases())
    same_as: Counter[tuple[str, str, str]] = Counter()
    named: Counter[tuple[str, str]] = Counter()
    offices: Counter[str] = Counter()
    for title, body in items(paths):
        text = f"{title}\n{body}"
        if "(" in text:
            for full, short, code in _pairs(text, matcher):
                if code is not None:
                    same_as[(code, short, full)] += 1
                else:
                    named[(full, short)] += 1
        if "Ministry" in text or "Minister" in text or "Department" in text or "Office" in text:
            offices.update(_clean(m.group(0)) for m in _OFFICE.finditer(text))
    rows: dict[tuple[str, str, str], tuple[int, str]] = {}
    for (code, short, full), count in same_as.items():
        if count >= min_count and fold_case(short) not in known:
            kind, ident = code.split()
            rows[(kind, ident, short)] = (count, f"same-as {full!r}")
    for (full, short), count in named.items():
        short_code = known.get(fold_case(short))
        if count >= min_count and short_code and fold_case(full) not in known:
            rows.setdefault((*short_code, full), (count, f"same-as {short!r}"))
    for name, count in offices.items():
        if count < min_count or fold_case(name) in known:
            continue
        near = _nearest(name, english_known)
        kind, code = near if near else ("ministry", "?")
        rows.setdefault((kind, code, name), (count, "near" if near else "unmatched"))
    return sorted(
        ((kind, code, alias, count, why) for (kind, code, alias), (count, why) in rows.items()),
        key=lambda row: (row[0], row[1], -row[3], row[2]),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", action="append", type=Path, help="Corpus .jsonl.xz (repeatable)."
    )
    parser.add_argument("--min-count", type=int, default=5, help="Drop names seen fewer times.")
    parser.add_argument("--limit", type=int, default=0, help="Print at most this many lines.")
    args = parser.parse_args(argv)
    paths = args.corpus or [p for p in CORPORA if p.exists()]
    if not paths:
        print("no corpus found; pass --corpus PATH", file=sys.stderr)
        return 1
    rows = mine(paths, args.min_count)
    for kind, code, alias, count, why in rows[: args.limit or None]:
        print(f"{kind:<8} {code:<17} {json.dumps(alias, ensure_ascii=False):<60} {count:>6}  {why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
