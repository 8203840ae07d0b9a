"""Import of the whole shared corpus into a fresh database, beside the floor of merely reading it.

    python bench/import.py [--sets first,v2,both] [--corpus PATH ...] [--repeat 3] [--limit N]
                           [--modes ...] [--workers N] [--readme]

Each measurement runs in its own process (so peak RSS is its own); figures are medians.
`--sets`: the shared first corpus (2017-2020), the v2 corpus, and both in one import (items/s
of each side by side say whether it scales linearly). `--readme` writes the table into the
marked block in docs/benchmarks.md (scripts/update_readme.py leaves it to this bench).
Printed: wall time, items/s, peak RSS, DB size, and the ratio to the floor, for
  floor       decompress + JSON-decode every line (what any reader must pay)
  import      parse + hash + dedupe + store, no classification (the data core alone)
  neardup     the same with near-duplicate detection (MinHash, LSH band keys, candidate checks)
  classified  the same with the classifier
  classified-neardup  both (what `watcher import` does)
  reclassify  `watcher reclassify` of everything in the database the import above built
CPU time is the main process's and its workers' (user + system): on a machine shared with other
work it moves less with the neighbours' load than wall time.
The lines after the table compare each pair with and without near-duplicate detection (the
goal: at most 20% more time), in wall time and in the process's CPU time (user + system: on a
machine shared with other work, CPU time moves less with the neighbours' load).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.readme_block import write_block  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
DEFAULT_CORPUS = DATA / "thaigov-corpus.jsonl.xz"
SETS = {
    "first": [DEFAULT_CORPUS],
    "v2": [DATA / "thaigov-v2-corpus.jsonl.xz"],
    "both": [DEFAULT_CORPUS, DATA / "thaigov-v2-corpus.jsonl.xz"],
}


def run_one(
    mode: str, corpora: list[Path], limit: int | None, workers: int | None, keep: Path
) -> dict[str, float]:
    import itertools
    import resource

    from watcher.ingest.pipeline import Pipeline
    from watcher.ingest.reader import read_items
    from watcher.store import ItemFilter, Store

    db_dir = Path(tempfile.mkdtemp())
    db_path = db_dir / "bench.db"
    if mode == "reclassify":  # the database the classified-neardup run kept (else built now)
        if not keep.exists():
            run_one("classified-neardup", corpora, limit, workers, keep)
        shutil.copyfile(keep, db_path)
    start = time.perf_counter()
    cpu_start = _cpu()
    count = 0
    if mode == "floor":
        for line in itertools.islice(_lines(corpora), limit):
            json.loads(line)
            count += 1
    elif mode == "reclassify":
        from watcher.classify import Classifier, default_gazetteer_dir

        classifier = Classifier.from_dir(default_gazetteer_dir())
        store = Store.open(db_path)
        hashes = store.matching_hashes(ItemFilter(variants=True))
        count = Pipeline(store, classifier, workers=workers).reclassify(hashes).total()
        store.close()
    else:
        classifier = None
        detector = None
        if mode in ("neardup", "classified-neardup"):
            from watcher.ingest.neardup import NearDuplicates

            detector = NearDuplicates(0.85, 30)
        if mode in ("classified", "classified-neardup"):
            from watcher.classify import Classifier, default_gazetteer_dir

            classifier = Classifier.from_dir(default_gazetteer_dir())
        store = Store.open(db_path)
        summary = Pipeline(
            store, classifier, near_duplicates=detector, workers=workers
        ).import_records(itertools.islice(read_items(corpora), limit))
        count = sum(summary.counts.values())
        store.close()
    wall = time.perf_counter() - start
    cpu = _cpu() - cpu_start
    size = sum(p.stat().st_size for p in db_dir.iterdir()) if mode != "floor" else 0
    # The workers' peak too: what the machine must hold while the import runs.
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    if mode == "classified-neardup":
        shutil.move(db_path, keep)
    shutil.rmtree(db_dir, ignore_errors=True)
    figures = {"wall": wall, "cpu": cpu, "items": count, "rss_mb": peak_kb / 1024}
    return figures | {"db_mb": size / 1e6}


def _lines(corpora: list[Path]) -> Iterator[bytes]:
    import lzma

    for corpus in corpora:
        with lzma.open(corpus, "rb") as handle:
            yield from handle


def _cpu() -> float:
    """User + system seconds of this process and its finished workers."""
    import resource

    own, workers = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def run_child(
    mode: str, corpora: list[Path], limit: int | None, workers: int | None, keep: Path
) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--keep", str(keep)]
        + [arg for corpus in corpora for arg in ("--corpus", str(corpus))]
        + (["--limit", str(limit)] if limit else [])
        + (["--workers", str(workers)] if workers is not None else []),
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def measure(
    modes: list[str], corpora: list[Path], limit: int | None, repeat: int, workers: int | None
) -> dict[str, dict[str, float]]:
    """Medians per mode; the modes take turns in each round, so a change in the shared
    machine's load falls on all of them rather than on whichever ran last."""
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
    keep = Path(tempfile.mkdtemp()) / "classified.db"
    for _ in range(repeat):
        for mode in modes:
            runs[mode].append(run_child(mode, corpora, limit, workers, keep))
    keep.unlink(missing_ok=True)
    return {
        mode: {key: statistics.median(run[key] for run in rows) for key in rows[0]}
        for mode, rows in runs.items()
    }


def table(name: str, results: dict[str, dict[str, float]]) -> list[str]:
    floor = results.get("floor", {}).get("wall")
    lines = [
        f"{name}:",
        f"{'mode':<19}{'items':>8}{'wall s':>9}{'cpu s':>8}{'items/s':>10}{'peak RSS MB':>13}"
        f"{'DB MB':>8}{'x floor':>9}",
    ]
    for mode, r in results.items():
        ratio = f"{r['wall'] / floor:.2f}" if floor else "-"
        lines.append(
            f"{mode:<19}{r['items']:>8.0f}{r['wall']:>9.2f}{r['cpu']:>8.2f}"
            f"{r['items'] / r['wall']:>10.0f}{r['rss_mb']:>13.0f}{r['db_mb']:>8.0f}{ratio:>9}"
        )
    for without, with_ in (("import", "neardup"), ("classified", "classified-neardup")):
        if without in results and with_ in results:
            extra = results[with_]["wall"] / results[without]["wall"] - 1
            cpu = results[with_]["cpu"] / results[without]["cpu"] - 1
            lines.append(
                f"near-duplicate detection: {with_} {extra:+.1%} wall, {cpu:+.1%} CPU"
                f" over {without} (goal ≤ +20%)"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, action="append", default=None)
    parser.add_argument("--sets", default="first", help="comma-separated: first, v2, both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument(
        "--modes", default="floor,import,neardup,classified,classified-neardup,reclassify"
    )
    parser.add_argument("--workers", type=int, default=None, help="default: cores - 1")
    parser.add_argument(
        "--readme", action="store_true", help="write the table into docs/benchmarks.md"
    )
    parser.add_argument("--child", default=None)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    if args.child:
        figures = run_one(args.child, args.corpus, args.limit, args.workers, args.keep)
        print(json.dumps(figures))
        return
    sets = (
        {"+".join(c.name for c in args.corpus): args.corpus}
        if args.corpus
        else {name: SETS[name] for name in args.sets.split(",")}
    )
    for corpora in sets.values():
        for corpus in corpora:
            if not corpus.exists():
                sys.exit(f"{corpus}: corpus not found")
    load = os.getloadavg()[0]
    lines = [
        f"medians of {args.repeat} runs, modes in turns; {os.cpu_count()} cores,"
        f" load average {load:.1f} at the start (other work was running)"
        + (f"; first {args.limit} items" if args.limit else "")
    ]
    print(lines[0], flush=True)
    for name, corpora in sets.items():
        results = measure(args.modes.split(","), corpora, args.limit, args.repeat, args.workers)
        rows = table(f"{name} ({' + '.join(c.name for c in corpora)})", results)
        print("\n".join(rows), flush=True)
        lines += rows
        if args.readme:  # after each set: a long run interrupted still leaves what it measured
            write_block("import", lines)


if __name__ == "__main__":
    main()
