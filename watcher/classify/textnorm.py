"""Normalise text for matching while keeping every match traceable to the text the caller passed.

Matching runs on a normalised copy (NFC, zero-width characters and soft hyphens dropped, Thai
SARA AM written as NIKHAHIT + SARA AA recomposed, ASCII letters lower-cased) so that odd encodings
of the same word still match; `NormalText.origin` maps each normalised index back to the original
one so evidence offsets point into the caller's string.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["NormalText", "normalize", "normalize_alias"]

_DROPPED = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_ASCII_LOWER = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
)
_NIKHAHIT = "\u0e4d"
_SARA_AA = "\u0e32"


@dataclass(frozen=True)
class NormalText:
    """`folded` is what the automaton scans; `cased` keeps case for case-sensitive aliases."""

    cased: str
    folded: str
    origin: tuple[int, ...] | None  # None when normalised index == original index

    def original_offset(self, index: int) -> int:
        if self.origin is None:
            return index
        return self.origin[index] if index < len(self.origin) else self.origin[-1] + 1


def _needs_work(text: str) -> bool:
    if _NIKHAHIT in text or any(ch in _DROPPED for ch in text):
        return True
    return not unicodedata.is_normalized("NFC", text)


def _clusters(text: str) -> list[tuple[int, str]]:
    """Split into (start, starter + following combining marks) so NFC can run per cluster."""
    out: list[tuple[int, str]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or unicodedata.combining(text[i]) == 0:
            out.append((start, text[start:i]))
            start = i
    return out


def _rebuild(text: str) -> tuple[str, tuple[int, ...]]:
    chars: list[str] = []
    origin: list[int] = []
    kept = [(i, ch) for i, ch in enumerate(text) if ch not in _DROPPED]
    squeezed = "".join(ch for _, ch in kept)
    positions = [i for i, _ in kept]
    for start, cluster in _clusters(squeezed):
        normal = unicodedata.normalize("NFC", cluster)
        base = positions[start]
        if len(normal) == len(cluster):
            origin.extend(positions[start : start + len(cluster)])
        else:
            origin.extend([base] * len(normal))
        chars.append(normal)
    joined = "".join(chars)
    if _NIKHAHIT + _SARA_AA in joined:
        joined, origin = _recompose_sara_am(joined, origin)
    return joined, tuple(origin)


def _recompose_sara_am(text: str, origin: list[int]) -> tuple[str, list[int]]:
    out: list[str] = []
    out_origin: list[int] = []
    i = 0
    while i < len(text):
        if text.startswith(_NIKHAHIT + _SARA_AA, i):
            out.append("\u0e33")
            out_origin.append(origin[i])
            i += 2
            continue
        out.append(text[i])
        out_origin.append(origin[i])
        i += 1
    return "".join(out), out_origin


def normalize(text: str) -> NormalText:
    if not _needs_work(text):
        return NormalText(text, text.translate(_ASCII_LOWER), None)
    cased, origin = _rebuild(text)
    return NormalText(cased, cased.translate(_ASCII_LOWER), origin)


def normalize_alias(alias: str) -> str:
    """The cased normal form of a gazetteer alias (same rules as the text it will meet)."""
    return normalize(alias.strip()).cased
