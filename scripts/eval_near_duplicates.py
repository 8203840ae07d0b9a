"""Precision and recall of near-duplicate detection on the labelled pair set.

    python scripts/eval_near_duplicates.py                 # character vs token shingles, thresholds
    python scripts/eval_near_duplicates.py --threshold 0.8 # the shipped detector at one threshold

Reads tests/data/near-duplicate-pairs.jsonl (labels by reading) and the texts from the shared
corpora. `compare` prints, for 5-character shingles and for shingles of three pythainlp (newmm)
words, precision / recall / F1 of "Jaccard ≥ t" at several t, and what each costs per item.
`detector` runs the real pipeline (a fresh store per pair: the older item, then the newer
through Pipeline.process) and counts a pair as judged same-story when the newer is stored as a
variant; the window is widened to 60 days so it measures the similarity decision alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from mine_near_duplicate_pairs import corpus_items

from watcher.core.corpus import Item
from watcher.ingest.neardup import (
    MIN_SHINGLES,
    NearDuplicates,
    comparable_text,
    dates_clash,
    dates_mentioned,
    jaccard,
    shingle_set,
)
from watcher.ingest.pipeline import Pipeline
from watcher.store import Store

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT / "tests" / "data" / "near-duplicate-pairs.jsonl"
THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def load() -> tuple[list[dict[str, object]], dict[int, Item]]:
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    wanted = {int(p[key]) for p in pairs for key in ("a", "b")}  # type: ignore[call-overload]
    items: dict[int, Item] = {}
    for ident, item in corpus_items():
        if ident in wanted and ident not in items:
            items[ident] = item
    return pairs, items


def token_shingles(text: str) -> set[tuple[str, ...]]:
    from pythainlp.tokenize import word_tokenize

    words = [w for w in word_tokenize(text, engine="newmm") if w.strip()]
    return {tuple(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


def figures(labels: Sequence[bool], judged: Sequence[bool]) -> tuple[float, float, float]:
    hits = sum(1 for y, p in zip(labels, judged, strict=True) if y and p)
    precision = hits / max(1, sum(judged))
    recall = hits / max(1, sum(labels))
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return precision, recall, f1


def compare(pairs: list[dict[str, object]], items: dict[int, Item]) -> None:
    labels = [bool(p["same_story"]) for p in pairs]
    ids = sorted(items)
    methods: dict[str, Callable[[Item], object]] = {
        "5-character shingles": lambda item: shingle_set(comparable_text(item)),
        "3-word newmm shingles": lambda item: token_shingles(comparable_text(item)),
    }
    for name, make in methods.items():
        started = time.perf_counter()
        sets = {ident: make(items[ident]) for ident in ids}
        per_item_ms = (time.perf_counter() - started) / len(ids) * 1000
        scores = []
        for pair in pairs:
            a, b = sets[int(pair["a"])], sets[int(pair["b"])]  # type: ignore[call-overload]
            if isinstance(a, set):
                scores.append(len(a & b) / max(1, len(a | b)))  # type: ignore[operator]
            else:
                scores.append(jaccard(a, b))  # type: ignore[arg-type]
        clash = [
            dates_clash(*(dates_mentioned(comparable_text(items[int(pair[k])])) for k in "ab"))  # type: ignore[call-overload]
            for pair in pairs
        ]
        print(f"{name}: {per_item_ms:.2f} ms per item to shingle")
        for threshold in THRESHOLDS:
            p, r, f = figures(labels, [s >= threshold for s in scores])
            dp, dr, df = figures(
                labels, [s >= threshold and not c for s, c in zip(scores, clash, strict=True)]
            )
            print(
                f"  Jaccard ≥ {threshold:<5} precision {p:.3f} recall {r:.3f} F1 {f:.3f}"
                f"   with the date rule: {dp:.3f} {dr:.3f} {df:.3f}"
            )


def detector(pairs: list[dict[str, object]], items: dict[int, Item], threshold: float) -> None:
    labels, judged, wrong = [], [], []
    for pair in pairs:
        older, newer = (items[int(pair[key])] for key in ("a", "b"))  # type: ignore[call-overload]
        store = Store.memory()
        clock = lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # noqa: E731
        pipeline = Pipeline(store, None, clock, NearDuplicates(threshold, days=60))
        pipeline.process(older, origin="import", alert=False)
        result = pipeline.process(newer, origin="import", alert=False)
        store.close()
        labels.append(bool(pair["same_story"]))
        judged.append(result.status == "variant")
        if labels[-1] != judged[-1]:
            wrong.append(f"  {'missed' if labels[-1] else 'false '} {pair['a']} {pair['b']}: "
                         f"{pair['note']}")  # fmt: skip
    p, r, f = figures(labels, judged)
    print(f"detector at threshold {threshold} (min {MIN_SHINGLES} shingles, 60-day window):")
    print(f"  precision {p:.3f} recall {r:.3f} F1 {f:.3f} on {len(pairs)} pairs")
    print("\n".join(wrong))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=None)
    args = parser.parse_args()
    pairs, items = load()
    if args.threshold is None:
        compare(pairs, items)
    else:
        detector(pairs, items, args.threshold)


if __name__ == "__main__":
    main()
