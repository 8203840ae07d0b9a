"""The one way to ask the history a question: filters, full-text search, snippets.

The CLI, the bot and the digests all come through here, so "items about JP from the industry
ministry since June" means the same everywhere: an `ItemFilter` turned into SQL by the store.

Search syntax (kept small so that a typo is a clear error, never a database traceback):
words and "quoted phrases" must all appear; `A OR B` needs either; `-word` excludes. Every
term matches as a substring, so a Thai term needs no word segmentation, and Latin letters match
regardless of case (A–Z; an accented capital such as É matches itself only).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from watcher.core.errors import InputError
from watcher.store import SEARCH_INVISIBLE, ItemFilter, Store, StoredItem, TextQuery

__all__ = ["Found", "items", "parse_search", "search", "snippet"]

SNIPPET_CHARS = 160
MAX_QUERY_CHARS = 1_000  # a person's question; longer is a paste or an attack on the index
MAX_TERMS = 64  # each term is a LIKE scan over every body: 3,000 of them would hang a search
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_INVISIBLE = dict.fromkeys(map(ord, SEARCH_INVISIBLE))  # as the index drops them
_WHITESPACE = re.compile(r"\s+")
_TOKEN = re.compile(r'(-?)"([^"]*)"(?=\s|$)|(\S+)')
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
    store: Store, text: str, where: ItemFilter, *, newest_first: bool = False
) -> list[Found]:
    """Items matching the search `text` and `where`, most relevant first, each with a snippet."""
    query = parse_search(text)
    hits = store.search_items(query, where, newest_first=newest_first)
    return [
        Found(
            hit.item,
            None if hit.score is None else float(f"{hit.score:.4g}"),
            snippet(hit.item, query.terms),
        )
        for hit in hits
    ]


def normalize_term(text: str) -> str:
    """Fold a query the way the index folds item text (see the store's search migration)."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = text.replace("\u0e4d\u0e32", "\u0e33")
    return _WHITESPACE.sub(" ", text).strip()


def parse_search(text: str) -> TextQuery:
    """Parse the search syntax; InputError with one clear line on anything it cannot read."""
    _check_bounds(text)
    clauses: list[list[str]] = []
    excluded: list[str] = []
    pending_or = False
    for match in _TOKEN.finditer(text):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if word == "OR":
            if not clauses or pending_or:
                raise InputError(f"search {text!r}: OR needs a term on each side")
            pending_or = True
            continue
        if word is not None and '"' in word:
            raise InputError(
                f'search {text!r}: unbalanced quote; put "double quotes" around a whole phrase'
            )
        if word == "-":
            raise InputError(f"search {text!r}: empty phrase or lone '-'")
        if word is not None and word.startswith("-"):
            negated, word = "-", word[1:]
        term = normalize_term(phrase if phrase is not None else word or "")
        if not term:
            if phrase is not None:
                raise InputError(f"search {text!r}: empty phrase or lone '-'")
            continue
        if negated:
            if pending_or:
                raise InputError(f"search {text!r}: an -exclusion cannot be part of an OR")
            excluded.append(term)
        elif pending_or:
            clauses[-1].append(term)
            pending_or = False
        else:
            clauses.append([term])
    if pending_or:
        raise InputError(f"search {text!r}: OR needs a term on each side")
    if not clauses:
        raise InputError(f"search {text!r}: give at least one word or phrase to find")
    if sum(map(len, clauses)) + len(excluded) > MAX_TERMS:
        raise InputError(
            f"search {_shown(text)}: more than {MAX_TERMS} terms; ask something shorter"
        )
    return TextQuery(tuple(tuple(c) for c in clauses), tuple(excluded))


def _check_bounds(text: str) -> None:
    """Refuse what no index should be asked (a NUL, a control character, a book-length query)."""
    if _CONTROL.search(text):
        raise InputError(f"search {_shown(text)}: contains a control character (such as NUL)")
    if len(text) > MAX_QUERY_CHARS:
        raise InputError(
            f"search {_shown(text)}: {len(text):,} characters, at most {MAX_QUERY_CHARS:,}"
        )


def _shown(text: str, width: int = 60) -> str:
    """The query as an error line shows it: escaped, and cut so one line stays one line."""
    return repr(text if len(text) <= width else text[:width] + "…")


def snippet(item: StoredItem, terms: Sequence[str], width: int = SNIPPET_CHARS) -> str:
    """About `width` characters of the body around the first match, matches in «guillemets».

    Cut points never fall inside a Thai character cluster (before a vowel or tone mark).
    """
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)),
                         re.IGNORECASE)  # fmt: skip
    found = pattern.search(item.body)
    if found is None:
        body = normalize_term(item.body)  # the match spans a line break or an odd encoding
        found = pattern.search(body)
    else:  # fold only around the match: whole bodies are long
        body = item.body
    start = 0 if found is None else max(0, found.start() - width // 3)
    end = min(len(body), start + width)
    start, end = _cluster_edge(body, start), _cluster_edge(body, end)
    window = normalize_term(body[start:end])
    window = pattern.sub(lambda m: f"{_MARK_OPEN}{m.group(0)}{_MARK_CLOSE}", window)
    return ("…" if start > 0 else "") + window + ("…" if end < len(body) else "")


def _cluster_edge(text: str, index: int) -> int:
    while 0 < index < len(text) and (
        unicodedata.category(text[index]) == "Mn" or text[index - 1] in _LEADING_VOWELS
    ):
        index -= 1
    return index
