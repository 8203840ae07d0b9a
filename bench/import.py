"""Import of the whole shared corpus into a fresh database, beside the floor of merely reading it.

    python bench/import.py [--corpus PATH] [--repeat 3] [--limit N]

Each measurement runs in its own process (so peak RSS is its own); figures are medians.
Printed: wall time, items/s, peak RSS, DB size, and the ratio to the floor, for
  floor       decompress + JSON-decode every line (what any reader must pay)
  import      parse + hash + dedupe + store, no classification (the data core alone)
  neardup     the same with near-duplicate detection (MinHash, LSH band keys, candidate checks)
  classified  the same with the classifier
  classified-neardup  both (what `watcher import` does)
The lines after the table compare each pair with and without near-duplicate detection (the
goal: at most 20% more time), in wall time and in CPU time (user + system of the import and its
worker processes: on a machine shared with other work, CPU time moves less with the load).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "thaigov-corpus.jsonl.xz"


def _cpu_seconds() -> float:
    """User + system time of this process and of its finished children (the import's workers)."""
    import resource

    own, workers = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def run_one(mode: str, corpus: Path, limit: int | None) -> dict[str, float]:
    import itertools
    import lzma
    import resource

    from watcher.pipeline import Pipeline
    from watcher.reader import read_items
    from watcher.store import Store

    db_dir = Path(tempfile.mkdtemp())
    db_path = db_dir / "bench.db"
    start = time.perf_counter()
    cpu_start = _cpu_seconds()
    count = 0
    if mode == "floor":
        with lzma.open(corpus, "rb") as handle:
            for line in itertools.islice(handle, limit):
                json.loads(line)
                count += 1
    else:
        classifier = None
        detector = None
        if mode in ("neardup", "classified-neardup"):
            from watcher.neardup import NearDuplicates

            detector = NearDuplicates(0.85, 30)
        if mode in ("classified", "classified-neardup"):
            from watcher.classify import Classifier, default_gazetteer_dir

            classifier = Classifier.from_dir(default_gazetteer_dir())
        store = Store.open(db_path)
        summary = Pipeline(store, classifier, near_duplicates=detector).import_records(
            itertools.islice(read_items([corpus]), limit)
        )
        count = sum(summary.counts.values())
        store.close()
    wall = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu_start
    size = sum(p.stat().st_size for p in db_dir.iterdir()) if mode != "floor" else 0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"wall": wall, "cpu": cpu, "items": count, "rss_mb": peak_kb / 1024, "db_mb": size / 1e6}


def run_child(mode: str, corpus: Path, limit: int | None) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--corpus", str(corpus)]
        + (["--limit", str(limit)] if limit else []),
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def measure(
    modes: list[str], corpus: Path, limit: int | None, repeat: int
) -> dict[str, dict[str, float]]:
    """Medians per mode; the modes take turns in each round, so a change in the shared
    machine's load falls on all of them rather than on whichever ran last."""
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
    for _ in range(repeat):
        for mode in modes:
            runs[mode].append(run_child(mode, corpus, limit))
    return {
        mode: {key: statistics.median(run[key] for run in rows) for key in rows[0]}
        for mode, rows in runs.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--modes", default="floor,import,neardup,classified,classified-neardup")
    parser.add_argument("--child", default=None)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, args.corpus, args.limit)))
        return
    if not args.corpus.exists():
        sys.exit(f"{args.corpus}: corpus not found")
    results = measure(args.modes.split(","), args.corpus, args.limit, args.repeat)
    floor = results.get("floor", {}).get("wall")
    print(f"corpus {args.corpus.name}, medians of {args.repeat} runs")
    print(
        f"{'mode':<19}{'items':>8}{'wall s':>9}{'cpu s':>8}{'items/s':>10}{'peak RSS MB':>13}"
        f"{'DB MB':>8}{'x floor':>9}"
    )
    for mode, r in results.items():
        ratio = f"{r['wall'] / floor:.2f}" if floor else "-"
        print(
            f"{mode:<19}{r['items']:>8.0f}{r['wall']:>9.2f}{r['cpu']:>8.2f}"
            f"{r['items'] / r['wall']:>10.0f}"
            f"{r['rss_mb']:>13.0f}{r['db_mb']:>8.0f}{ratio:>9}"
        )
    for without, with_ in (("import", "neardup"), ("classified", "classified-neardup")):
        if without in results and with_ in results:
            extra = results[with_]["wall"] / results[without]["wall"] - 1
            cpu = results[with_]["cpu"] / results[without]["cpu"] - 1
            print(
                f"near-duplicate detection: {with_} {extra:+.1%} wall, {cpu:+.1%} CPU"
                f" over {without} (goal ≤ +20%)"
            )


if __name__ == "__main__":
    main()
