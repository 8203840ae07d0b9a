"""Text pieces every channel's templates share: flags, excerpts, safe cuts in Thai text.

Thai has no sentence punctuation and stacks vowels and tone marks on consonants, so a cut must
fall on a space or at least between grapheme clusters, never between a consonant and its marks.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["cut_at_boundary", "excerpt", "flag", "is_cluster_boundary"]

_SPACES = re.compile(r"\s+")
# Thai marks that belong to the consonant before them (above/below vowels, tone marks, sara am).
_THAI_DEPENDENT = (
    set(range(0x0E31, 0x0E32)) | set(range(0x0E33, 0x0E3B)) | set(range(0x0E47, 0x0E4F))
)


def flag(code: str) -> str:
    """🇯🇵 for JP; empty for anything that is not two ASCII letters."""
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code.upper())


def is_cluster_boundary(text: str, index: int) -> bool:
    """True when text[:index] does not end inside a grapheme cluster."""
    if index <= 0 or index >= len(text):
        return True
    following = text[index]
    return not (
        ord(following) in _THAI_DEPENDENT
        or unicodedata.combining(following)
        or following in "\u200d\ufe0f"
    )


def cut_at_boundary(text: str, limit: int) -> str:
    """The longest prefix of at most `limit` characters ending on a cluster boundary."""
    if len(text) <= limit:
        return text
    index = limit
    while index > 0 and not is_cluster_boundary(text, index):
        index -= 1
    return text[:index]


def excerpt(body: str, limit: int = 400) -> str:
    """The opening of the body, cut at a space (Thai sentences end at spaces) when it is long."""
    text = _SPACES.sub(" ", body).strip()
    if len(text) <= limit:
        return text
    head = cut_at_boundary(text, limit - 1)
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    return head.rstrip() + "…"
