"""Word tables of roles.toml as automata, and the few questions ranking asks of them.

Role words are found anywhere in the windows around mentions, with their weights, so that list
is one Aho-Corasick automaton built at load. Actor, owner and addressee words are only asked
whether a short text starts or ends with one: a tuple of the words for `str.startswith` /
`str.endswith`, a C loop several times cheaper than walking an automaton. `merge_spans` and
`find_all` let ranking scan only the parts of a text a question is about (the windows around
mentions, the places an opener stands) rather than the whole body.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import ahocorasick

__all__ = [
    "build_automaton", "ends_with_word", "find_all", "merge_spans", "starts_with_word",
    "word_hits", "word_list", "word_weights",
]  # fmt: skip


def word_weights(table: Any) -> dict[str, float]:
    """A roles.toml table's `words`: a list (each weighs 1) or a word = weight table."""
    if not isinstance(table, dict):
        return {}
    words = table.get("words", {})
    if isinstance(words, list):
        return {w: 1.0 for w in words}
    return {str(k): float(v) for k, v in words.items()}


def build_automaton(weights: dict[str, float]) -> ahocorasick.Automaton | None:
    if not weights:
        return None
    automaton = ahocorasick.Automaton()
    for word, weight in weights.items():
        automaton.add_word(word, (len(word), weight))
    automaton.make_automaton()
    return automaton


def word_hits(automaton: ahocorasick.Automaton | None, text: str) -> list[tuple[int, float]]:
    """(start, weight) of every word occurrence in text, sorted."""
    if automaton is None or not text:
        return []
    return sorted((end - length + 1, weight) for end, (length, weight) in automaton.iter(text))


def word_list(weights: dict[str, float]) -> tuple[str, ...]:
    """The words of a table, for `starts_with_word` and `ends_with_word`."""
    return tuple(word for word in weights if word)


def starts_with_word(words: tuple[str, ...], text: str) -> bool:
    """One of the words starts `text` within its first 30 characters."""
    return text[:30].startswith(words)


def ends_with_word(words: tuple[str, ...], text: str) -> bool:
    return text.endswith(words)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans sorted by their low end, with the overlapping ones joined."""
    merged: list[tuple[int, int]] = []
    for low, high in spans:
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def find_all(text: str, words: Iterable[str], start: int, last: int | None = None) -> set[int]:
    """Where any of the words occurs in text from `start` on, starting at `last` at the latest
    (C-speed `str.find`)."""
    found: set[int] = set()
    for word in words:
        end = len(text) if last is None else last + len(word)
        position = text.find(word, start, end)
        while position >= 0:
            found.add(position)
            position = text.find(word, position + 1, end)
    return found
