"""Normalise text for matching while keeping every match traceable to the text the caller passed.

Matching runs on a normalised copy (NFC, zero-width characters and soft hyphens dropped, Thai
SARA AM written as NIKHAHIT + SARA AA recomposed, ASCII letters lower-cased, Thai digits folded
to ASCII ones) so that odd encodings of the same word still match; `NormalText.origin` maps each
normalised index back to the original one so evidence offsets point into the caller's string.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["NARROW", "NormalText", "fold_case", "normalize", "normalize_alias"]

_DROPPED = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_DIGIT_PAIRS = tuple(zip("๐๑๒๓๔๕๖๗๘๙", "0123456789", strict=True))
_NIKHAHIT = "\u0e4d"
_SARA_AA = "\u0e32"


@dataclass(frozen=True)
class NormalText:
    """`folded` is what the automaton scans; `cased` keeps case for case-sensitive aliases.

    `folded` is computed on first use: the matcher folds most texts' bytes instead (keyfinder).
    `narrow` is `cased` in cp874, one byte a character at the same offsets, or None when it
    does not fit: encoded once here, it serves the matcher and byte-fast searches.
    """

    cased: str
    origin: tuple[int, ...] | None  # per-character origin, when NFC changed the text
    dropped: tuple[int, ...] = ()  # else: r_k - k for each removed invisible r_k (sorted)
    narrow: bytes | None = None

    @functools.cached_property
    def folded(self) -> str:
        return fold_case(self.cased)

    def original_offset(self, index: int) -> int:
        if self.origin is None:
            return index + bisect.bisect_right(self.dropped, index)
        return self.origin[index] if index < len(self.origin) else self.origin[-1] + 1


_CHUNK = re.compile(r"\S{1,256}")


_INVISIBLE = re.compile("[" + "".join(sorted(_DROPPED)) + "]")


_SPECIAL_CHARS = (*sorted(_DROPPED), _NIKHAHIT)
NARROW = "cp874"  # TIS-620 Thai + ASCII, the site's alphabet, one byte a character
_NIKHAHIT_BYTE = _NIKHAHIT.encode(NARROW)
_THAI_DIGITS = tuple(thai for thai, _ in _DIGIT_PAIRS)


def _has_any(text: str, chars: tuple[str, ...]) -> bool:
    """`ch in text` per character: a C-speed find each, several times faster than a class regex."""
    return any(ch in text for ch in chars)


def _needs_work(text: str) -> bool:
    return _has_any(text, _SPECIAL_CHARS) or not unicodedata.is_normalized("NFC", text)


@functools.cache
def _marked_cluster() -> re.Pattern[str]:
    """A base character with its combining marks. Built on first use, not at import: scanning
    the BMP for marks was a quarter of a read-only command's start (`watcher seen list
    --country JP` loads the gazetteer, which imports this module, and never needs it)."""
    marks = "".join(
        re.escape(chr(c)) for c in range(0x300, 0x10000) if unicodedata.combining(chr(c))
    )
    return re.compile(f"[^{marks}]?[{marks}]+")


def _chunk_origin(chunk: str, base: int) -> tuple[str, list[int]]:
    """NFC per (starter + combining marks) cluster, dropping invisibles, with each char's origin."""
    kept = [i for i, ch in enumerate(chunk) if ch not in _DROPPED]
    squeezed = "".join(chunk[i] for i in kept)
    if unicodedata.is_normalized("NFC", squeezed):
        return squeezed, [base + i for i in kept]
    chars: list[str] = []
    origin: list[int] = []
    last = 0
    for match in _marked_cluster().finditer(squeezed):
        start, end = match.span()
        chars.append(squeezed[last:start])
        origin.extend(base + kept[i] for i in range(last, start))
        normal = unicodedata.normalize("NFC", match.group())
        chars.append(normal)
        if len(normal) == end - start:
            origin.extend(base + kept[i] for i in range(start, end))
        else:
            origin.extend([base + kept[start]] * len(normal))
        last = end
    chars.append(squeezed[last:])
    origin.extend(base + kept[i] for i in range(last, len(squeezed)))
    return "".join(chars), origin


def _rebuild(text: str) -> tuple[str, list[int]]:
    pieces: list[str] = []
    origin: list[int] = []
    last = 0
    for match in _CHUNK.finditer(text):
        start, end = match.span()
        if start > last:
            pieces.append(text[last:start])
            origin.extend(range(last, start))
        chunk = match.group()
        if _needs_work(chunk):
            normal, chunk_origin = _chunk_origin(chunk, start)
            pieces.append(normal)
            origin.extend(chunk_origin)
        else:
            pieces.append(chunk)
            origin.extend(range(start, end))
        last = end
    pieces.append(text[last:])
    origin.extend(range(last, len(text)))
    joined = "".join(pieces)
    if _NIKHAHIT + _SARA_AA in joined:
        return _recompose_sara_am(joined, origin)
    return joined, origin


def _recompose_sara_am(text: str, origin: list[int]) -> tuple[str, list[int]]:
    out: list[str] = []
    out_origin: list[int] = []
    last = 0
    for match in re.finditer(_NIKHAHIT + _SARA_AA, text):
        out.append(text[last : match.start()] + "\u0e33")
        out_origin.extend(origin[last : match.start() + 1])
        last = match.end()
    out.append(text[last:])
    out_origin.extend(origin[last:])
    return "".join(out), out_origin


def fold_case(text: str) -> str:
    """Lower case and Thai digits as ASCII (กองทัพภาคที่ ๑ = กองทัพภาคที่ 1), keeping every
    character's position (str.lower() is C-fast but may grow: İ)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = text.translate(_ASCII_LOWER)
    if not _has_any(lowered, _THAI_DIGITS):
        return lowered
    for thai, ascii_digit in _DIGIT_PAIRS:  # ten C-speed passes beat one dict translate
        lowered = lowered.replace(thai, ascii_digit)
    return lowered


def normalize(text: str) -> NormalText:
    narrow = _narrow(text)
    # cp874 holds no invisible character, only NIKHAHIT: one byte search instead of seven
    special = _NIKHAHIT_BYTE in narrow if narrow is not None else _has_any(text, _SPECIAL_CHARS)
    if not special and unicodedata.is_normalized("NFC", text):
        return NormalText(text, None, narrow=narrow)
    squeezed = _INVISIBLE.sub("", text) if special else text
    if unicodedata.is_normalized("NFC", squeezed):
        cased, removed = _squeezed_removals(text, squeezed)
        keys = tuple(position - k for k, position in enumerate(removed))
        return NormalText(cased, None, keys, _narrow(cased))
    cased, origin = _rebuild(text)
    return NormalText(cased, tuple(origin), narrow=_narrow(cased))


def _narrow(text: str) -> bytes | None:
    try:
        return text.encode(NARROW)
    except UnicodeEncodeError:
        return None


def _squeezed_removals(text: str, squeezed: str) -> tuple[str, list[int]]:
    """An NFC text once its invisibles are gone needs only removals: the invisibles, and the
    SARA AA of each NIKHAHIT + SARA AA pair (written as one SARA AM at the NIKHAHIT's place).
    Returns the normal text and the removed original positions, sorted."""
    removed = [m.start() for m in _INVISIBLE.finditer(text)] if len(squeezed) < len(text) else []
    pair = _NIKHAHIT + _SARA_AA
    if pair not in squeezed:
        return squeezed, removed
    dropped = tuple(position - k for k, position in enumerate(removed))
    aa = [m.start() + 1 for m in re.finditer(pair, squeezed)]
    removed += [q + bisect.bisect_right(dropped, q) for q in aa]
    return squeezed.replace(pair, "\u0e33"), sorted(removed)


def normalize_alias(alias: str) -> str:
    """The cased normal form of a gazetteer alias (same rules as the text it will meet)."""
    return normalize(alias.strip()).cased
