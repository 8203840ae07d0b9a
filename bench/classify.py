"""Classify the whole shared corpus; print items/s and peak RSS beside the naive baseline.

The baseline is what a classifier built on full tokenisation would pay at least: pythainlp's
newmm `word_tokenize` over every item, measured in the same run on an evenly spaced sample.
Only the classify (or tokenize) call is timed; reading and parsing the corpus is not. On the
sample the two take turns, round after round (the classifier 5 passes, the baseline 1), and the
speed-up is the median of the rounds' ratios: on a machine other jobs share, both then run
under the same load, where one short burst each could catch a quiet or a busy moment.

    python bench/classify.py [--corpus ../shared/data/thaigov-corpus.jsonl.xz] [--sample 300]
"""

from __future__ import annotations

import argparse
import json
import lzma
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.readme_block import recorded  # noqa: E402
from watcher.classify import Classifier, default_gazetteer_dir  # noqa: E402
from watcher.core.corpus import parse_corpus_text  # noqa: E402


def read_items(corpus: Path, limit: int | None) -> list[tuple[str, str]]:
    items = []
    with lzma.open(corpus, "rt", encoding="utf-8") as handle:
        for line in handle:
            item = parse_corpus_text(json.loads(line)["text"])
            items.append((item.title, item.body))
            if limit and len(items) >= limit:
                break
    return items


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_classifier(classifier: Classifier, items: list[tuple[str, str]], rounds: int) -> float:
    """Median items/s over `rounds` passes."""
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for title, body in items:
            classifier.classify(title, body)
        rates.append(len(items) / (time.perf_counter() - start))
    return statistics.median(rates)


def time_baseline(items: list[tuple[str, str]]) -> float:
    from pythainlp.tokenize import word_tokenize

    start = time.perf_counter()
    for title, body in items:
        word_tokenize(title + "\n" + body, engine="newmm")
    return len(items) / (time.perf_counter() - start)


def time_in_turns(
    classifier: Classifier, items: list[tuple[str, str]], rounds: int
) -> tuple[float, float, float]:
    """Median classifier items/s, baseline items/s and ratio over rounds taking turns."""
    from pythainlp.tokenize import word_tokenize

    word_tokenize("อุ่นเครื่อง", engine="newmm")
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(time_classifier(classifier, items, 5))
        theirs.append(time_baseline(items))
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    return statistics.median(ours), statistics.median(theirs), statistics.median(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=REPO.parent / "shared/data/thaigov-corpus.jsonl.xz"
    )
    parser.add_argument("--sample", type=int, default=300, help="items for the baseline")
    parser.add_argument("--limit", type=int, default=None, help="classify only the first N items")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the corpus (median)")
    parser.add_argument(
        "--readme", action="store_true", help="write the figures into docs/benchmarks.md"
    )
    args = parser.parse_args()

    with recorded("classify" if args.readme else None):
        start = time.perf_counter()
        classifier = Classifier.from_dir(default_gazetteer_dir())
        load_seconds = time.perf_counter() - start
        items = read_items(args.corpus, args.limit)
        rss_before = peak_rss_mb()
        rate = time_classifier(classifier, items, args.rounds)
        step = max(1, len(items) // args.sample)
        sample = items[::step][: args.sample]
        sample_rate, baseline, ratio = time_in_turns(classifier, sample, args.rounds)
        print(f"gazetteer load:            {load_seconds:.2f} s")
        print(f"items classified:          {len(items)} (median of {args.rounds} passes)")
        print(f"classifier, whole corpus:  {rate:,.0f} items/s")
        print(f"classifier, sample of {len(sample)}: {sample_rate:,.0f} items/s (median of rounds)")
        print(f"baseline word_tokenize:    {baseline:,.1f} items/s (same sample, same rounds)")
        print(
            f"speed-up on the sample:    {ratio:.1f}x (median of {args.rounds} rounds; goal >= 25x)"
        )
        print(f"peak RSS: {peak_rss_mb():.0f} MB (after loading the corpus: {rss_before:.0f} MB)")


if __name__ == "__main__":
    main()
