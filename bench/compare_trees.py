"""Two checkouts' imports side by side, in turns: what a change does, with the machine's noise
falling on both.

    git worktree add /tmp/before <commit>
    python bench/compare_trees.py --trees /tmp/before,. [--modes floor,classified-neardup]
                                  [--limit 5000] [--repeat 3] [--corpus PATH]

Each run is `bench/import.py --child MODE` of that tree, in a fresh process, with the tree's own
`watcher` package first on the path; the trees alternate within each round, so a change of the
shared machine's load falls on both. Printed: the median wall and CPU time of each, every run's
wall time, and the new tree's ratio to the old.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "thaigov-corpus.jsonl.xz"


def run(tree: Path, mode: str, corpus: Path, limit: int) -> dict[str, float]:
    keep = Path(tempfile.mkdtemp()) / "kept.db"  # reclassify builds its own database here
    done = subprocess.run(
        [sys.executable, str(tree / "bench" / "import.py"), "--child", mode, "--keep", str(keep),
         "--corpus", str(corpus), "--limit", str(limit)],
        capture_output=True, text=True, cwd=tree, check=True,
        env={**os.environ, "PYTHONPATH": str(tree)},
    )  # fmt: skip
    keep.unlink(missing_ok=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trees", required=True, help="OLD,NEW: two checkouts")
    parser.add_argument("--modes", default="floor,classified-neardup,reclassify")
    parser.add_argument("--limit", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    trees = [Path(t).resolve() for t in args.trees.split(",")]
    if len(trees) != 2 or not all((t / "bench" / "import.py").exists() for t in trees):
        sys.exit("--trees: two checkouts of thaigov-watcher, OLD,NEW")
    modes = args.modes.split(",")
    runs: dict[tuple[int, str], list[dict[str, float]]] = {}
    for _ in range(args.repeat):
        for mode in modes:
            for index, tree in enumerate(trees):
                runs.setdefault((index, mode), []).append(run(tree, mode, args.corpus, args.limit))
    print(f"first {args.limit} items, medians of {args.repeat}, trees in turns")
    for mode in modes:
        medians = []
        for index, tree in enumerate(trees):
            rows = runs[(index, mode)]
            wall = statistics.median(r["wall"] for r in rows)
            cpu = statistics.median(r["cpu"] for r in rows)
            medians.append(wall)
            each = " ".join(f"{r['wall']:.2f}" for r in rows)
            print(f"  {mode:20} {tree!s:30} wall {wall:7.2f} s ({each})  cpu {cpu:7.2f} s")
        print(f"  {mode:20} new / old: {medians[1] / medians[0]:.2f}")


if __name__ == "__main__":
    main()
