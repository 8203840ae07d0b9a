"""The one way to ask the history a question: filters, full-text search, snippets.

The CLI, the bot, Datasette's canned search and the feeds all come through here, so "items
about JP from the industry ministry since June" means the same everywhere: an `ItemFilter`
turned into SQL by the store. The search language itself (words, "phrases", OR, -word, word*,
whole Latin words, Thai substrings) is defined once, in watcher/match/language.py, and shared
with word subscriptions; docs/search.md is its user-facing reference.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from watcher.match.language import (
    SEARCH_INVISIBLE,
    SEARCH_LIMITS,
    Limits,
    Term,
    TextQuery,
    bounded,
    parse_query,
)
from watcher.store import ItemFilter, Store, StoredItem

__all__ = ["Found", "Limits", "TextQuery", "items", "parse_query", "search", "snippet"]

SNIPPET_CHARS = 160
_WHITESPACE = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, SEARCH_INVISIBLE))  # as the index drops them
_MARK_OPEN, _MARK_CLOSE = "«", "»"
_LEADING_VOWELS = "\u0e40\u0e41\u0e42\u0e43\u0e44"  # written before their consonant


@dataclass(frozen=True)
class Found:
    """One search result: the item, its relevance (None when unranked) and where it matched."""

    item: StoredItem
    rank: float | None
    snippet: str

    def to_json(self) -> dict[str, Any]:
        return self.item.to_json() | {"rank": self.rank, "snippet": self.snippet}


def items(store: Store, where: ItemFilter, *, newest_first: bool = True) -> Iterator[StoredItem]:
    """Stored items matching `where` (revisions excluded), newest first by default."""
    return store.iter_items(where, newest_first=newest_first)


def search(
    store: Store,
    text: str,
    where: ItemFilter,
    *,
    newest_first: bool = False,
    limits: Limits = SEARCH_LIMITS,
) -> list[Found]:
    """Items matching the search `text` and `where`, most relevant first, each with a snippet."""
    query = parse_query(text, limits)
    hits = store.search_items(query, where, newest_first=newest_first)
    return [
        Found(
            hit.item,
            None if hit.score is None else float(f"{hit.score:.4g}"),
            snippet(hit.item, query.terms),
        )
        for hit in hits
    ]


def _display_fold(text: str) -> str:
    """Item text as a snippet shows it: folded as the index folds it, but keeping its case."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return _WHITESPACE.sub(" ", text.replace("\u0e4d\u0e32", "\u0e33")).strip()


def snippet(item: StoredItem, terms: Sequence[Term], width: int = SNIPPET_CHARS) -> str:
    """About `width` characters of the body around the first match, matches in «guillemets»;
    a Latin term only where the word rule holds (EV in "EV-charging", not in "Development").

    Cut points never fall inside a Thai character cluster (before a vowel or tone mark).
    """
    by_text = {term.text.casefold(): term for term in terms}
    pattern = re.compile("|".join(re.escape(t) for t in sorted(by_text, key=len, reverse=True)),
                         re.IGNORECASE)  # fmt: skip

    def valid(found: re.Match[str]) -> bool:
        term = by_text.get(found.group(0).casefold())
        return term is None or bounded(term, found.string, found.start(), found.end())

    body = item.body  # fold only around the match: whole bodies are long
    first = next(filter(valid, pattern.finditer(body)), None)
    if first is None:
        body = _display_fold(item.body)  # the match spans a line break or an odd encoding
        first = next(filter(valid, pattern.finditer(body)), None)
    start = 0 if first is None else max(0, first.start() - width // 3)
    end = min(len(body), start + width)
    start, end = _cluster_edge(body, start), _cluster_edge(body, end)
    window = _display_fold(body[start:end])
    window = pattern.sub(
        lambda m: f"{_MARK_OPEN}{m.group(0)}{_MARK_CLOSE}" if valid(m) else m.group(0), window
    )
    return ("…" if start > 0 else "") + window + ("…" if end < len(body) else "")


def _cluster_edge(text: str, index: int) -> int:
    while 0 < index < len(text) and (
        unicodedata.category(text[index]) == "Mn" or text[index - 1] in _LEADING_VOWELS
    ):
        index -= 1
    return index
