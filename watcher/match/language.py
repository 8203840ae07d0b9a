"""The search language: one parser and one meaning for `watcher search`, the bot, feeds and
word subscriptions (interim: the full version lands with the search index work).

Words and "quoted phrases" must all appear; `A OR B`; `-word` excludes; `word*` is a prefix.
A Latin-script term matches whole words, case-insensitive; a Thai term matches as a substring.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from watcher.core.errors import InputError

__all__ = [
    "SEARCH_INVISIBLE",
    "SEARCH_LIMITS",
    "SUBSCRIPTION_LIMITS",
    "Limits",
    "Term",
    "TextQuery",
    "fold_text",
    "parse_query",
    "query_matches",
    "term_at",
    "term_occurs",
]

SEARCH_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00ad"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TOKEN = re.compile(r'(-?)"([^"]*)"(?=\s|$)|(\S+)')
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Limits:
    max_chars: int
    max_terms: int


SEARCH_LIMITS = Limits(1_000, 64)
SUBSCRIPTION_LIMITS = Limits(200, 10)


@dataclass(frozen=True)
class Term:
    text: str
    whole_word: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class TextQuery:
    clauses: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()

    @property
    def terms(self) -> tuple[Term, ...]:
        return tuple(term for clause in self.clauses for term in clause)


def fold_text(text: str) -> str:
    for invisible in SEARCH_INVISIBLE:
        if invisible in text:
            text = text.replace(invisible, "")
    text = unicodedata.normalize("NFC", text).replace("\u0e4d\u0e32", "\u0e33")
    text = _WHITESPACE.sub(" ", text)
    return text.lower() if text.isascii() else text.encode().lower().decode()


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _make_term(text: str) -> Term | None:
    prefix = text.endswith("*") and len(text) > 1
    folded = fold_text(text[:-1] if prefix else text).strip()
    if not folded:
        return None
    edges = _is_word_char(folded[0]) or _is_word_char(folded[-1])
    return Term(folded, whole_word=edges or prefix, prefix=prefix)


def parse_query(
    text: str, limits: Limits = SEARCH_LIMITS, *, only_excluded: bool = False
) -> TextQuery:
    if _CONTROL.search(text):
        raise InputError(f"query {text[:60]!r}: contains a control character (such as NUL)")
    if len(text) > limits.max_chars:
        raise InputError(
            f"query {text[:60]!r}…: {len(text):,} characters, at most {limits.max_chars:,}"
        )
    clauses: list[list[Term]] = []
    excluded: list[Term] = []
    pending_or = False
    for match in _TOKEN.finditer(text):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if word == "OR":
            if not clauses or pending_or:
                raise InputError(f"query {text!r}: OR needs a term on each side")
            pending_or = True
            continue
        if word is not None and '"' in word:
            raise InputError(f'query {text!r}: unbalanced quote; put "quotes" around a phrase')
        if word is not None and word.startswith("-") and len(word) > 1:
            negated, word = "-", word[1:]
        term = _make_term(phrase if phrase is not None else word or "")
        if term is None:
            continue
        if negated:
            excluded.append(term)
        elif pending_or:
            clauses[-1].append(term)
            pending_or = False
        else:
            clauses.append([term])
    if pending_or:
        raise InputError(f"query {text!r}: OR needs a term on each side")
    if not clauses and not (only_excluded and excluded):
        raise InputError(f"query {text!r}: give at least one word or phrase to find")
    if sum(map(len, clauses)) + len(excluded) > limits.max_terms:
        raise InputError(f"query {text[:60]!r}: more than {limits.max_terms} terms")
    return TextQuery(tuple(tuple(c) for c in clauses), tuple(excluded))


def term_at(term: Term, folded: str, start: int) -> bool:
    if not term.whole_word:
        return True
    end = start + len(term.text)
    if _is_word_char(term.text[0]) and start > 0 and _is_word_char(folded[start - 1]):
        return False
    return term.prefix or not (
        _is_word_char(term.text[-1]) and end < len(folded) and _is_word_char(folded[end])
    )


def term_occurs(term: Term, folded: str) -> bool:
    start = folded.find(term.text)
    while start != -1:
        if term_at(term, folded, start):
            return True
        start = folded.find(term.text, start + 1)
    return False


def query_matches(query: TextQuery, folded: str) -> bool:
    return all(any(term_occurs(t, folded) for t in clause) for clause in query.clauses) and not any(
        term_occurs(t, folded) for t in query.excluded
    )
