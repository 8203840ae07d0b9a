"""Read items from corpus files: `.txt` files, directories of them, `.jsonl`, `.jsonl.xz` and
`.jsonl.gz`; and tell a corpus from anything else before anything is stored.

Streams: one item in memory at a time, whatever the size of the input: a .txt over
MAX_TXT_BYTES and a JSONL line over MAX_LINE_BYTES are refused without being held (the rest of
an overlong line is read past in 1 MB chunks, compressed or not). A file or line that cannot be
read comes out as a record with an error naming it, and reading goes on.

`check_corpus_paths` looks at each file named on the command line first: a file that is no
corpus at all (a README, a CSV, a PDF, a gzip of something else) is refused in one line before
the import starts, so nothing of it becomes an "item". A corpus file that is damaged (a
truncated .xz) is still read as far as it goes, each bad line named.
"""

from __future__ import annotations

import gzip
import json
import lzma
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from watcher.core.corpus import SHORT_PREFIX, Item, parse_corpus_text
from watcher.core.errors import InputError
from watcher.core.jsonline import parse_json_line, string_field

__all__ = ["ACCEPTS", "ReadRecord", "check_corpus_paths", "read_items"]

ACCEPTS = (
    'watcher import takes .jsonl, .jsonl.xz or .jsonl.gz files of {"id", "text"} records, corpus'
    ' .txt files (named NNN_<16 hex>.txt, or a page\'s text ending in its "ที่มา :" source line)'
    " and directories of them"
)
_JSONL = (".jsonl", ".jsonl.xz", ".jsonl.gz")
_CORPUS_NAME = re.compile(r"^\d+_[0-9a-f]{16}\.txt$")  # as data/seeds/ and `export` name them
_SOURCE_LINE = re.compile(r"^ที่มา\s*:\s*https?://\S+\s*$")
_MAGIC = {".jsonl.xz": b"\xfd7zXZ\x00", ".jsonl.gz": b"\x1f\x8b"}

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


def check_corpus_paths(paths: list[Path]) -> None:
    """Raise InputError naming the first file given that is not a corpus, and what import takes.

    Directories are not judged here: their .txt files are, one by one, as they are read.
    """
    for path in paths:
        if path.is_file():
            problem = _not_a_corpus(path)
            if problem:
                raise InputError(f"{path}: {problem}; {ACCEPTS}")


def _not_a_corpus(path: Path) -> str | None:
    """Why the file is no corpus, or None when it is one (or is a damaged one: read it)."""
    name = path.name
    if name.endswith(_JSONL):
        return _not_json_lines(path)
    if name.endswith(".txt"):
        return None if _CORPUS_NAME.match(name) else _not_corpus_text(path)
    return "not a corpus file"


def _not_json_lines(path: Path) -> str | None:
    suffix = next((s for s in _MAGIC if path.name.endswith(s)), None)
    try:
        with path.open("rb") as raw:
            if suffix and raw.read(len(_MAGIC[suffix])) != _MAGIC[suffix]:
                return f"not {suffix.rsplit('.', 1)[1]}-compressed"
        with _open_jsonl(path) as handle:
            first = next(
                (line for line in _bounded_lines(handle) if line is None or line.strip()), None
            )
    except (OSError, EOFError, lzma.LZMAError, zlib.error):
        return None  # damaged, not foreign: the reader names the line where it breaks
    if first is None:  # empty, or a first line too long to judge: the reader says
        return None
    try:
        record = json.loads(first)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "its first line is not a JSON record"
    return None if isinstance(record, dict) else "its first line is not a JSON record"


def _not_corpus_text(path: Path) -> str | None:
    text, problem = _txt_text(path)
    return problem if text is None else _corpus_shape_problem(text)


def _corpus_shape_problem(text: str) -> str | None:
    """None for text shaped as a corpus item: the site's title prefix, or its source line."""
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines() if line.strip()]
    if lines and (lines[0].startswith(SHORT_PREFIX) or _SOURCE_LINE.match(lines[-1])):
        return None
    return 'not shaped as a corpus item (no "รัฐบาลไทย-" title line, no "ที่มา :" source line)'


def _read_path(path: Path) -> Iterator[ReadRecord]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and _readable_name(p))
        if not files:
            yield ReadRecord(str(path), None, "directory holds no .txt or .jsonl(.xz/.gz) file")
        for file in files:
            yield from _read_file(file)
    elif path.exists():
        yield from _read_file(path)
    else:
        yield ReadRecord(str(path), None, "no such file or directory")


def _readable_name(path: Path) -> bool:
    return path.name.endswith((".txt", *_JSONL))


def _read_file(path: Path) -> Iterator[ReadRecord]:
    if path.name.endswith(_JSONL):
        yield from _read_jsonl(path)
    else:
        text, problem = _txt_text(path)
        if text is not None and not _CORPUS_NAME.match(path.name):
            problem = _corpus_shape_problem(text)
        if problem is not None:
            yield ReadRecord(str(path), None, problem)
        else:
            yield ReadRecord(str(path), parse_corpus_text(text or ""))


def _txt_text(path: Path) -> tuple[str | None, str | None]:
    """The file's text, or None and why it cannot be corpus text."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_TXT_BYTES + 1)
    except OSError as error:
        return None, f"cannot read: {error.strerror}"
    if len(raw) > MAX_TXT_BYTES:
        return None, f"larger than {MAX_TXT_BYTES} bytes"
    if b"\x00" in raw:
        return None, "binary file (NUL bytes), not corpus text"
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as error:
        return None, f"not UTF-8 text (byte {error.start})"


def _open_jsonl(path: Path) -> IO[bytes]:
    if path.name.endswith(".jsonl.xz"):
        return lzma.open(path, "rb")
    if path.name.endswith(".jsonl.gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _read_jsonl(path: Path) -> Iterator[ReadRecord]:
    line_number = 0
    try:
        with _open_jsonl(path) as handle:
            for line_number, raw in enumerate(_bounded_lines(handle), start=1):
                if raw is None:
                    where = f"{path}:{line_number}"
                    yield ReadRecord(where, None, f"line longer than {MAX_LINE_BYTES:,} bytes")
                elif raw.strip():
                    yield _jsonl_record(f"{path}:{line_number}", raw)
    except (lzma.LZMAError, EOFError, zlib.error, gzip.BadGzipFile) as error:
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
