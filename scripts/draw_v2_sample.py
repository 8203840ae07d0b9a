"""Draw the items of tests/data/v2-labels.jsonl from the v2 corpus, reproducibly.

    python scripts/draw_v2_sample.py [CORPUS] [--seed N] [--out FILE]

Why a script: the hand-labelled v2 set must be a fair draw, not items picked because the
classifier gets them wrong, and anyone must be able to redraw it. The draw is seeded
(SEED below), skips ids already labelled in ../shared/data/labels-dev.jsonl and
tests/data/heldout-labels.jsonl, and weights the years the site writes today: 36 Thai items
from 2022-2024, 12 Thai items from 2020-2021 and 14 English pages (page_language in
watcher.classify.language) from any year. Items the importer would reject (empty,
unpublished) are skipped. An item's id is the one `watcher eval` looks it up by: the id in
its source line when it has one, else the record's. It prints one JSON line
{"id","published","lang","title"} per drawn item, sorted by id, for the labeller to read the
items themselves (never the corpus text into the repo).
"""

from __future__ import annotations

import argparse
import json
import lzma
import random
import sys
from pathlib import Path

from watcher.classify.language import page_language
from watcher.core.corpus import parse_corpus_text, rejection_reason

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "thaigov-v2-corpus.jsonl.xz"
LABELLED = (
    ROOT.parent / "shared" / "data" / "labels-dev.jsonl",
    ROOT / "tests/data/heldout-labels.jsonl",
)
SEED = 20261202
QUOTAS = {("th", "recent"): 36, ("th", "early"): 12, ("en", "any"): 14}


def labelled_ids(paths: tuple[Path, ...]) -> set[int]:
    """Ids already hand-labelled elsewhere, so the new set is disjoint from them."""
    ids: set[int] = set()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                value = json.loads(line)["id"]
                if isinstance(value, int) or str(value).isdigit():
                    ids.add(int(value))
    return ids


def stratum(lang: str, published: str | None) -> tuple[str, str] | None:
    if lang == "en":
        return ("en", "any")
    if not published:
        return None
    return ("th", "recent" if published >= "2022-01-01" else "early")


def draw(corpus: Path, seed: int) -> list[dict[str, object]]:
    skip = labelled_ids(LABELLED)
    pools: dict[tuple[str, str], list[dict[str, object]]] = {key: [] for key in QUOTAS}
    with lzma.open(corpus, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            item = parse_corpus_text(record["text"], category=record.get("category"))
            key = item.source_id or record["id"]
            if key in skip:
                continue
            if rejection_reason(item) or not item.published or item.published >= "2025-01-01":
                continue
            lang = page_language(item.title, item.body)
            group = stratum(lang, item.published)
            if group is not None:
                row = {"id": key, "published": item.published, "lang": lang}
                pools[group].append(row | {"title": item.title[:120]})
    rng = random.Random(seed)
    chosen: list[dict[str, object]] = []
    for key, count in QUOTAS.items():
        chosen.extend(rng.sample(pools[key], count))
    return sorted(chosen, key=lambda row: int(str(row["id"])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    for row in draw(args.corpus, args.seed):
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
