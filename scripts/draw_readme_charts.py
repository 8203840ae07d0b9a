"""Redraw the README's charts by running the very `watcher stats --plot docs/…` lines it shows.

    python scripts/draw_readme_charts.py [--corpus PATH] [--db PATH] [--out DIR]

The database is built once with `watcher import` of the corpus (default: the shared corpus) and
kept at the path printed first; pass another --db or delete it to build again. --out writes the
pictures elsewhere than docs/ (the test does, on the demo sample).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "thaigov-corpus.jsonl.xz"
DEFAULT_DB = Path(tempfile.gettempdir()) / "thaigov-watcher-charts" / "corpus.db"
_PLOT_LINE = re.compile(r"^(watcher stats [^#\n]*--plot (docs/\S+))", re.M)


def chart_commands(readme: str) -> list[tuple[list[str], str]]:
    """Each README line `watcher stats … --plot docs/NAME` as (arguments, picture path)."""
    return [(shlex.split(line)[1:], picture) for line, picture in _PLOT_LINE.findall(readme)]


def build_db(db: Path, corpus: Path) -> None:
    db.parent.mkdir(parents=True, exist_ok=True)
    print(f"building {db} from {corpus} with `watcher import` …", flush=True)
    done = subprocess.run([sys.executable, "-m", "watcher", "import", str(corpus)],
                          env=_env(db), cwd=ROOT)  # fmt: skip
    if done.returncode != 0:
        db.unlink(missing_ok=True)
        raise SystemExit(f"watcher import failed with exit {done.returncode}")


def _env(db: Path) -> dict[str, str]:
    return dict(os.environ, WATCHER_DB=str(db), WATCHER_CONFIG=str(ROOT / "config/watcher.toml"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--out", type=Path, default=None, help="directory instead of docs/")
    args = parser.parse_args(argv)
    commands = chart_commands(README.read_text(encoding="utf-8"))
    if not commands:
        raise SystemExit(f"{README}: no `watcher stats … --plot docs/…` line found")
    print(f"database: {args.db}")
    if not args.db.is_file():
        build_db(args.db, args.corpus)
    for arguments, picture in commands:
        if args.out is not None:
            target = str(args.out / Path(picture).name)
            arguments = [target if a == picture else a for a in arguments]
        print("watcher " + shlex.join(arguments), flush=True)
        done = subprocess.run([sys.executable, "-m", "watcher", *arguments], env=_env(args.db),
                              cwd=ROOT, stderr=subprocess.PIPE, text=True)  # fmt: skip
        sys.stderr.write(done.stderr)
        if done.returncode != 0 or "warning:" in done.stderr:  # no picture drawn in boxes
            return done.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
