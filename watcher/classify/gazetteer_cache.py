"""A loaded gazetteer kept as a pickle in the user's cache, keyed by its files' contents.

Parsing the TOML files and normalising every alias took ~60 ms, a third of a cold
`watcher seen list --country JP`; the pickle loads in a few, and hashing the files in well
under one. Any edit to a gazetteer file, or a new watcher, is a new key, so a stale copy is
never used; a cache that cannot be read or written is skipped without a word (the files are
the truth, the cache only saves time).
WATCHER_CACHE_DIR moves it; WATCHER_CACHE_DIR=off turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

__all__ = ["cache_dir", "cached_load"]

T = TypeVar("T")


def cache_dir() -> Path | None:
    """Where cached loads live; None when caching is off."""
    chosen = os.environ.get("WATCHER_CACHE_DIR")
    if chosen:
        return None if chosen == "off" else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "thaigov-watcher"


def _key(kind: str, files: Iterable[Path]) -> str:
    from watcher import __version__

    code = Path(__file__).with_name("gazetteer.py")  # the classes the pickle holds
    digest = hashlib.sha256(f"{kind}\0{__version__}".encode())
    for path in (*files, code):
        try:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        except OSError:
            digest.update(path.name.encode() + b"\0missing\0")
    return digest.hexdigest()[:24]


def cached_load(kind: str, files: Iterable[Path], load: Callable[[], T]) -> T:
    """`load()`, or what it returned last time for these files unchanged."""
    directory = cache_dir()
    if directory is None:
        return load()
    target = directory / f"{kind}-{_key(kind, list(files))}.pickle"
    try:
        with target.open("rb") as handle:
            return pickle.load(handle)
    except Exception:  # missing, unreadable or from an incompatible watcher: load again
        pass
    value = load()
    import tempfile  # only when writing: most starts only read

    part: str | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, delete=False, suffix=".part") as out:
            part = out.name
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(part, target)
        part = None
        for old in directory.glob(f"{kind}-*.pickle"):
            if old != target:
                old.unlink(missing_ok=True)
    except OSError:  # a full disk leaves no half-written copy behind
        if part is not None:
            Path(part).unlink(missing_ok=True)
    return value
