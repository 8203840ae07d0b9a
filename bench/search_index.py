"""What the search indexes cost an import under each setting, beside the store's own.

    python bench/search_index.py [--limit 10000] [--repeat 3] [--corpus PATH]

Each configuration indexes the same items into a fresh database, in transactions of 500 as an
import writes them. The rows are inserted and committed first, untimed; what is timed is what
the index adds to a batch: folding the text, tokenizing it, and the commit that writes the
batch's segment and merges older ones. The configurations take turns in each round, medians
printed. "store" is what the store does since migration 11: the trigram index and the word index
(unicode61 over Latin words, issue 24) from the same text folded once, and the Latin text of
each item (search_latin); "trigram only" is
migration 10's; "before" is migration 8's way (the text read back from the rows, folded in SQL,
FTS5 folding case itself); the other rows are levers not taken (docs/perf.md), each with what
it would cost users.
"""

from __future__ import annotations

import argparse
import itertools
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from watcher.ingest.reader import read_items  # noqa: E402
from watcher.match.language import ITEM_SEPARATOR, latin_text  # noqa: E402
from watcher.store.schema import WORD_TOKENIZER, _searchable, fold_for_index  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "thaigov-corpus.jsonl.xz"
MB = 1 << 20
Rows = list[tuple[str, str, str]]


@dataclass(frozen=True)
class Setting:
    options: str = ""  # extra fts5() arguments, such as "detail=none,"
    tokenizer: str = "trigram case_sensitive 1"
    hash_mb: int = 32
    batch: int = 500
    in_hand: bool = True  # False: read back from the rows and folded in SQL
    words: bool = False  # the word index too, from the same folded text


SETTINGS = {
    "before (migration 8)": Setting(tokenizer="trigram", in_hand=False),
    "trigram only (migration 10)": Setting(),
    "store": Setting(words=True),
    "batches of 2,000, 128 MB hash": Setting(hash_mb=128, batch=2000),
    "detail=none (no phrases)": Setting(options="detail=none,"),
}


def index_cost(rows: Rows, setting: Setting) -> float:
    """Seconds the index added to the import's transactions, summed."""
    with tempfile.TemporaryDirectory() as directory:
        conn = sqlite3.connect(Path(directory) / "index.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE items (hash TEXT PRIMARY KEY, title TEXT, body TEXT)")
        conn.execute(
            "CREATE VIRTUAL TABLE f USING fts5(title, body, content='', "
            f"{setting.options} tokenize='{setting.tokenizer}')"
        )
        conn.execute(
            "CREATE VIRTUAL TABLE w USING fts5(title, body, content='', "
            f'tokenize="{WORD_TOKENIZER}")'
        )
        conn.execute("CREATE TABLE latin (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        for table in ("f", "w"):
            conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('hashsize', ?)",
                         (setting.hash_mb * MB,))  # fmt: skip
            conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', 8)")
        write = _in_hand if setting.in_hand else _read_back
        spent = 0.0
        for start in range(0, len(rows), setting.batch):
            batch = rows[start : start + setting.batch]
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO items VALUES (?,?,?)", batch)
            conn.execute("COMMIT")
            began = time.perf_counter()
            conn.execute("BEGIN")
            write(conn, start, batch, setting.words)
            conn.execute("COMMIT")
            spent += time.perf_counter() - began
        conn.close()
    return spent


def _in_hand(conn: sqlite3.Connection, start: int, batch: Rows, words: bool) -> None:
    folded = [
        (start + n + 1, fold_for_index(title), fold_for_index(body))
        for n, (_, title, body) in enumerate(batch)
    ]
    for table in ("f", "w") if words else ("f",):
        conn.executemany(f"INSERT INTO {table} (rowid, title, body) VALUES (?, ?, ?)", folded)
    if words:  # and the Latin text the exact check of a phrase reads
        conn.executemany(
            "INSERT INTO latin (id, text) VALUES (?, ?)",
            ((row, latin_text(title + ITEM_SEPARATOR + body)) for row, title, body in folded),
        )


def _read_back(conn: sqlite3.Connection, start: int, batch: Rows, words: bool) -> None:
    conn.execute(
        "INSERT INTO f (rowid, title, body) SELECT rowid,"
        f" {_searchable('title')}, {_searchable('body')} FROM items WHERE rowid > ?",
        (start,),
    )


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
    times: dict[str, list[float]] = {name: [] for name in SETTINGS}
    for _ in range(args.repeat):
        for name, setting in SETTINGS.items():
            times[name].append(index_cost(rows, setting))
    print(f"{len(rows)} items, {chars:.0f} characters each on average; medians of {args.repeat}")
    median = {name: statistics.median(spent) for name, spent in times.items()}
    for name, seconds in median.items():
        per_item = seconds / len(rows) * 1000
        print(f"  {name:31} {per_item:6.3f} ms/item  ({seconds / median['store']:.2f}× store's)")


if __name__ == "__main__":
    main()
