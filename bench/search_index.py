"""What the FTS5 trigram index costs an import under each setting, beside the store's own.

    python bench/search_index.py [--limit 10000] [--repeat 3] [--corpus PATH]

Each configuration indexes the same items, in batches of 500 as an import writes them, with the
text folded as the store folds it (schema._searchable), into a fresh database; the index flush
alone is timed (not the rows' insert, not the commit). The configurations take turns in each
round, medians printed. "store" is what migration 8 set: the other rows are the levers left
(docs/perf.md), each with what it would cost users.
"""

from __future__ import annotations

import argparse
import itertools
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from watcher.reader import read_items  # noqa: E402
from watcher.store.schema import _searchable  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "thaigov-corpus.jsonl.xz"
BATCH = 500
HASH_32MB = (("hashsize", 32 << 20), ("automerge", 8))
CONFIGS = {
    "default settings": ("", "trigram", ()),
    "store (32 MB hash, automerge 8)": ("", "trigram", HASH_32MB),
    "detail=column": ("detail=column,", "trigram", HASH_32MB),
    "detail=none": ("detail=none,", "trigram", HASH_32MB),
    "detail=none, case_sensitive 1": ("detail=none,", "trigram case_sensitive 1", HASH_32MB),
}


def index_cost(rows: list[tuple[str, str, str]], options: str, tokenizer: str,
               settings: tuple[tuple[str, int], ...]) -> float:  # fmt: skip
    """Seconds spent flushing the index, summed over the batches."""
    with tempfile.TemporaryDirectory() as directory:
        conn = sqlite3.connect(Path(directory) / "index.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE items (hash TEXT PRIMARY KEY, title TEXT, body TEXT)")
        conn.execute(
            "CREATE VIRTUAL TABLE f USING fts5(title, body, content='', "
            f"{options} tokenize='{tokenizer}')"
        )
        for name, value in settings:
            conn.execute("INSERT INTO f (f, rank) VALUES (?, ?)", (name, value))
        spent = 0.0
        for start in range(0, len(rows), BATCH):
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO items VALUES (?,?,?)", rows[start : start + BATCH])
            began = time.perf_counter()
            conn.execute(
                "INSERT INTO f (rowid, title, body) SELECT rowid,"
                f" {_searchable('title')}, {_searchable('body')} FROM items WHERE rowid > ?",
                (start,),
            )
            spent += time.perf_counter() - began
            conn.execute("COMMIT")
        conn.close()
    return spent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    seen: set[str] = set()
    rows = []
    for record in itertools.islice(read_items([args.corpus]), args.limit):
        if record.item is not None and record.item.hash not in seen:
            seen.add(record.item.hash)
            rows.append((record.item.hash, record.item.title, record.item.body))
    chars = sum(len(title) + len(body) for _, title, body in rows) / len(rows)
    times: dict[str, list[float]] = {name: [] for name in CONFIGS}
    for _ in range(args.repeat):
        for name, config in CONFIGS.items():
            times[name].append(index_cost(rows, *config))
    print(f"{len(rows)} items, {chars:.0f} characters each on average; medians of {args.repeat}")
    base = statistics.median(times["store (32 MB hash, automerge 8)"])
    for name, spent in times.items():
        per_item = statistics.median(spent) / len(rows) * 1000
        ratio = statistics.median(spent) / base
        print(f"  {name:34} {per_item:6.3f} ms/item  ({ratio:.2f}× the store's)")


if __name__ == "__main__":
    main()
