"""Write stored items back out: corpus .txt files, JSON lines or CSV.

The corpus and JSONL forms are exactly what `watcher import` reads, so an export re-imports
as duplicates only.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from watcher.core.corpus import format_corpus_text
from watcher.store import ITEM_FIELDS, StoredItem

__all__ = ["CSV_COLUMNS", "corpus_file_name", "export_items"]

CSV_COLUMNS = ITEM_FIELDS  # the same columns, in the same order, as `seen list --format csv`


def corpus_file_name(sequence: int, digest: str, width: int = 3) -> str:
    return f"{sequence:0{width}d}_{digest}.txt"


def export_items(items: Iterable[StoredItem], out: Path, output_format: str) -> int:
    if output_format == "corpus":
        return _export_corpus(items, out)
    if str(out) == "-":
        return _write_stream(items, sys.stdout, output_format)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        return _write_stream(items, handle, output_format)


def _export_corpus(items: Iterable[StoredItem], directory: Path) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    pending = list(items)
    width = max(3, len(str(max(len(pending) - 1, 0))))
    for sequence, item in enumerate(pending):
        path = directory / corpus_file_name(sequence, item.hash, width)
        path.write_text(format_corpus_text(item.to_item()), encoding="utf-8")
    return len(pending)


def _write_stream(items: Iterable[StoredItem], handle: IO[str], output_format: str) -> int:
    count = 0
    writer = csv.writer(handle, lineterminator="\n") if output_format == "csv" else None
    if writer is not None:
        writer.writerow(CSV_COLUMNS)
    for item in items:
        record = item.to_json()
        if writer is not None:
            writer.writerow(
                [
                    " ".join(v) if isinstance(v := record[c], list) else ("" if v is None else v)
                    for c in CSV_COLUMNS
                ]
            )
        else:
            record |= {
                "id": item.source_id,
                "text": format_corpus_text(item.to_item()),
                "near_duplicate_of": item.near_duplicate_of,
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
