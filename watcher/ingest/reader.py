"""Read items from corpus files: `.txt` files, directories of them, `.jsonl` and `.jsonl.xz`.

Streams: one item in memory at a time, whatever the size of the input: a .txt over
MAX_TXT_BYTES and a JSONL line over MAX_LINE_BYTES are refused without being held (the rest of
an overlong line is read past in 1 MB chunks, compressed or not). A file or line that cannot be
read comes out as a record with an error naming it, and reading goes on.
"""

from __future__ import annotations

import lzma
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from watcher.core.corpus import Item, parse_corpus_text
from watcher.core.jsonline import parse_json_line, string_field

__all__ = ["ReadRecord", "read_items"]

MAX_TXT_BYTES = 20_000_000
MAX_LINE_BYTES = 10_000_000  # a JSONL line longer than this is refused unread (bounded memory)
_SKIP_CHUNK = 1 << 20


@dataclass(frozen=True)
class ReadRecord:
    where: str  # "path" or "path:line"
    item: Item | None
    error: str | None = None


def read_items(paths: list[Path]) -> Iterator[ReadRecord]:
    for path in paths:
        yield from _read_path(path)


def _read_path(path: Path) -> Iterator[ReadRecord]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and _readable_name(p))
        if not files:
            yield ReadRecord(str(path), None, "directory holds no .txt, .jsonl or .jsonl.xz file")
        for file in files:
            yield from _read_file(file)
    elif path.exists():
        yield from _read_file(path)
    else:
        yield ReadRecord(str(path), None, "no such file or directory")


def _readable_name(path: Path) -> bool:
    return path.name.endswith((".txt", ".jsonl", ".jsonl.xz"))


def _read_file(path: Path) -> Iterator[ReadRecord]:
    name = path.name
    if name.endswith(".jsonl.xz"):
        yield from _read_jsonl(path, compressed=True)
    elif name.endswith(".jsonl"):
        yield from _read_jsonl(path, compressed=False)
    else:
        yield _read_txt(path)


def _read_txt(path: Path) -> ReadRecord:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_TXT_BYTES + 1)
    except OSError as error:
        return ReadRecord(str(path), None, f"cannot read: {error.strerror}")
    if len(raw) > MAX_TXT_BYTES:
        return ReadRecord(str(path), None, f"larger than {MAX_TXT_BYTES} bytes")
    if b"\x00" in raw:
        return ReadRecord(str(path), None, "binary file (NUL bytes), not corpus text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return ReadRecord(str(path), None, f"not UTF-8 text (byte {error.start})")
    return ReadRecord(str(path), parse_corpus_text(text))


def _read_jsonl(path: Path, *, compressed: bool) -> Iterator[ReadRecord]:
    line_number = 0
    try:
        with lzma.open(path, "rb") if compressed else path.open("rb") as handle:
            for line_number, raw in enumerate(_bounded_lines(handle), start=1):
                if raw is None:
                    where = f"{path}:{line_number}"
                    yield ReadRecord(where, None, f"line longer than {MAX_LINE_BYTES:,} bytes")
                elif raw.strip():
                    yield _jsonl_record(f"{path}:{line_number}", raw)
    except (lzma.LZMAError, EOFError) as error:
        where = f"{path}:{line_number + 1}"
        yield ReadRecord(where, None, f"truncated or corrupt compressed data ({error})")
    except OSError as error:
        yield ReadRecord(f"{path}:{line_number + 1}", None, f"cannot read: {error.strerror}")


def _bounded_lines(handle: IO[bytes]) -> Iterator[bytes | None]:
    """Lines of at most MAX_LINE_BYTES; None for a longer one, which is skipped, never held."""
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) <= MAX_LINE_BYTES or line.endswith(b"\n"):
            yield line
            continue
        while True:  # the rest of an overlong line, in bounded chunks
            chunk = handle.readline(_SKIP_CHUNK)
            if not chunk or chunk.endswith(b"\n"):
                break
        yield None


def _jsonl_record(where: str, raw: bytes) -> ReadRecord:
    """One line → one item or one rejection (watcher/core/jsonline.py: what a line may not hold)."""
    try:
        record = parse_json_line(raw)
        if not isinstance(record, dict):
            return ReadRecord(where, None, "not a JSON object")
        text, url, category = (string_field(record, name) for name in ("text", "url", "category"))
    except ValueError as error:
        return ReadRecord(where, None, str(error))
    if text is None:
        return ReadRecord(where, None, 'no "text" string')
    url = url if url is not None and url.startswith(("http://", "https://")) else None
    return ReadRecord(where, parse_corpus_text(text, category=category or None, url=url))
