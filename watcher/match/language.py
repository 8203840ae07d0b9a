"""The one query language of search and word subscriptions: parsing, folding, Python matching.

Syntax: words and "quoted phrases" must all appear; `A OR B` needs either; `-word` excludes;
`word*` is a prefix (`semicon*` finds semiconductor). No regular expressions, no operators of
the index: everything else typed is text to find.

Word rule. A term is found where its folded text occurs in the folded item text; where the term
begins or ends with a word character, that end must also be a word boundary. Word characters
are letters that have case (Latin, also Greek and Cyrillic) and decimal digits of any script;
a combining accent (U+0300–U+0331) continues the word it follows. Everything else separates
words: spaces, punctuation (hyphen and period included) and Thai letters, since Thai is written
without spaces between words. So `EV` finds "EV", "EV.", "EV-charging", "(EV)" and "EVใน", never
"Development"; a Thai term matches as a substring; a `word*` prefix drops the end boundary.

These are exactly the tokens of the store's word index (FTS5 unicode61, categories
`Lu Ll Lt Nd`, accents kept), so the index answers a Latin word without a scan, and Python
(`query_matches`, used for new items and subscriptions) agrees with the SQL search.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from watcher.core.errors import InputError

__all__ = [
    "ITEM_SEPARATOR",
    "SEARCH_INVISIBLE",
    "SEARCH_LIMITS",
    "SUBSCRIPTION_LIMITS",
    "THAI_RUN",
    "WORD_CATEGORIES",
    "Limits",
    "Term",
    "TextQuery",
    "bounded",
    "fold_item",
    "fold_text",
    "has_thai",
    "is_accent",
    "is_word_char",
    "latin_text",
    "make_term",
    "parse_query",
    "query_matches",
    "term_at",
    "term_occurs",
    "word_spans",
]

SEARCH_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00ad"  # dropped from indexed text and queries
WORD_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Nd"})  # the word index's `categories`
ITEM_SEPARATOR = "\x00"  # between title and body in `fold_item`: no query can hold it
_DIACRITIC_MASKS = (0x08029FDF, 0x000361F8)  # SQLite's sqlite3Fts5UnicodeIsdiacritic
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s+")
_THAI = "\u0e00-\u0e4f\u0e5a-\u0e7f"  # the Thai block but its digits
_THAI_LETTERS = re.compile(f"[{_THAI}]")
# Thai letters, and what lies between them when it is only spaces and common punctuation
_THAI_RUNS = re.compile(f"[{_THAI}](?:[{_THAI}\\s,.()“”\"'\\-–/:;]*[{_THAI}])?")
THAI_RUN = "\x01"  # stands for a run of Thai letters in `latin_text`; no query can hold it
_TOKEN = re.compile(r'(-?)"([^"]*)"(\*?)(?=\s|$)|(\S+)')


@dataclass(frozen=True)
class Limits:
    """How large a query may be; `label` opens every error line ("search '…': …")."""

    max_chars: int
    max_terms: int
    label: str = "search"


SEARCH_LIMITS = Limits(1_000, 64)  # a person's question; longer is a paste or an attack
SUBSCRIPTION_LIMITS = Limits(200, 10, "query")  # checked against every new item, for good


@dataclass(frozen=True)
class Term:
    """One thing to find, folded as the index folds (`fold_text`)."""

    text: str
    whole_word: bool = False  # an end of `text` is a word character: it must be a word boundary
    prefix: bool = False  # written `word*`: the end boundary is not required
    starts_word: bool = field(init=False, repr=False, compare=False)
    ends_word: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        spans = word_spans(self.text)
        starts = bool(self.text) and is_word_char(self.text[0])
        ends = bool(spans) and spans[-1][1] == len(self.text)
        object.__setattr__(self, "starts_word", self.whole_word and starts)
        object.__setattr__(self, "ends_word", self.whole_word and ends and not self.prefix)


@dataclass(frozen=True)
class TextQuery:
    """A parsed query: each clause needs one of its terms; no excluded term may appear."""

    clauses: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()

    @property
    def terms(self) -> tuple[Term, ...]:
        return tuple(term for clause in self.clauses for term in clause)


def is_word_char(char: str) -> bool:
    return unicodedata.category(char) in WORD_CATEGORIES


def is_accent(char: str) -> bool:
    code = ord(char) - 0x300
    return 0 <= code <= 49 and bool(_DIACRITIC_MASKS[code // 32] >> (code % 32) & 1)


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word of `text`, as the word index's tokenizer cuts them."""
    spans: list[tuple[int, int]] = []
    start = None
    for index, char in enumerate(text):
        if is_word_char(char) or (start is not None and is_accent(char)):
            if start is None:
                start = index
        elif start is not None:
            spans.append((start, index))
            start = None
    if start is not None:
        spans.append((start, len(text)))
    return spans


def fold_text(text: str) -> str:
    """THE folding, of item text for both indexes and of queries: invisible characters dropped,
    NIKHAHIT + SARA AA as SARA AM, line breaks as spaces, ASCII letters lowered (as SQL's
    `lower` does: an accented capital such as É stays as it is).

    The store computes the same in SQL for writers outside it (schema `_indexed`); the two must
    agree character for character (tests/test_search_fold.py), since a contentless index
    forgets an entry only when given the same text again.
    """
    for invisible in SEARCH_INVISIBLE:
        if invisible in text:
            text = text.replace(invisible, "")
    text = text.replace("\u0e4d\u0e32", "\u0e33").replace("\r", " ").replace("\n", " ")
    return text.lower() if text.isascii() else text.encode().lower().decode()


def latin_text(folded: str) -> str:
    """`folded` with each stretch from a Thai letter to a Thai letter, with only spaces and
    punctuation between, as one THAI_RUN: a fortieth of a Thai item's size, and for a term
    without Thai letters (`has_thai`) that has a word character the very same answers. Such
    an occurrence cannot overlap a stretch (it would hold a Thai letter or lie within the
    punctuation, where no word character is), and THAI_RUN separates words as Thai does."""
    return _THAI_RUNS.sub(THAI_RUN, folded)


def has_thai(term: Term) -> bool:
    """Does the term hold Thai letters (so `latin_text` cannot answer for it)?"""
    return _THAI_LETTERS.search(term.text) is not None


def fold_item(title: str, body: str) -> str:
    """An item's title and body folded into the one text `query_matches` reads: a phrase never
    spans the two, as in the index, where they are two columns."""
    return fold_text(title) + ITEM_SEPARATOR + fold_text(body)


def _continues_word(folded: str, index: int) -> bool:
    """Is the character before `index` inside a word (a word character, or an accent on one)?"""
    while index > 0 and is_accent(folded[index - 1]):
        index -= 1
    return index > 0 and is_word_char(folded[index - 1])


def term_at(term: Term, folded: str, start: int) -> bool:
    """Does `term.text` occur at `start` of `folded` and satisfy the word rule there?"""
    return folded.startswith(term.text, start) and bounded(
        term, folded, start, start + len(term.text)
    )


def bounded(term: Term, text: str, start: int, end: int) -> bool:
    """Does `text[start:end]`, an occurrence of `term`, begin and end where the word rule wants?"""
    if term.starts_word and start > 0 and _continues_word(text, start):
        return False
    if term.ends_word and end < len(text):
        following = text[end]
        if is_word_char(following) or is_accent(following):
            return False
    return True


def term_occurs(term: Term, folded: str) -> bool:
    """Does `term` occur anywhere in `folded` (text folded by `fold_text` or `fold_item`)?"""
    start = folded.find(term.text)
    if not term.whole_word:
        return start >= 0
    while start >= 0:
        if term_at(term, folded, start):
            return True
        start = folded.find(term.text, start + 1)
    return False


def query_matches(query: TextQuery, folded: str) -> bool:
    """Python's answer for one item (`fold_item(title, body)`): the SQL search's, without SQL."""
    return all(any(term_occurs(t, folded) for t in clause) for clause in query.clauses) and not any(
        term_occurs(t, folded) for t in query.excluded
    )


def make_term(text: str, prefix: bool = False) -> Term:
    """A Term from text already folded; `prefix` only where the text ends inside a word."""
    spans = word_spans(text)
    ends_in_word = bool(spans) and spans[-1][1] == len(text)
    whole_word = (bool(text) and is_word_char(text[0])) or ends_in_word
    return Term(text, whole_word, prefix and ends_in_word)


@lru_cache(maxsize=256)
def parse_query(
    text: str, limits: Limits = SEARCH_LIMITS, *, only_excluded: bool = False
) -> TextQuery:
    """Parse the query language; InputError with one line naming the problem or the limit.
    `only_excluded`: a query of exclusions alone is allowed (words beside a subscription's
    labels: `industry -งบประมาณ`); else a query must have something to find."""
    shown = _shown(text)
    _check_bounds(text, limits, shown)
    clauses: list[list[Term]] = []
    excluded: list[Term] = []
    pending_or = False
    for match in _TOKEN.finditer(text):
        negated, phrase, star, word = match.groups()
        if word == "OR":
            if not clauses or pending_or:
                raise InputError(f"{limits.label} {shown}: OR needs a term on each side")
            pending_or = True
            continue
        term = _term(phrase, star, word, negated, limits.label, shown)
        if term is None:
            continue
        negated = negated or (word is not None and word.startswith("-"))
        if negated:
            if pending_or:
                raise InputError(f"{limits.label} {shown}: an -exclusion cannot be part of an OR")
            excluded.append(term)
        elif pending_or:
            clauses[-1].append(term)
            pending_or = False
        else:
            clauses.append([term])
    if pending_or:
        raise InputError(f"{limits.label} {shown}: OR needs a term on each side")
    if not clauses and not (only_excluded and excluded):
        raise InputError(f"{limits.label} {shown}: give at least one word or phrase to find")
    if sum(map(len, clauses)) + len(excluded) > limits.max_terms:
        raise InputError(
            f"{limits.label} {shown}: more than {limits.max_terms} terms; ask something shorter"
        )
    return TextQuery(tuple(tuple(c) for c in clauses), tuple(excluded))


def _term(
    phrase: str | None, star: str, word: str | None, negated: str, label: str, shown: str
) -> Term | None:
    """One token of the query as a Term; None for a word that folds to nothing (an invisible)."""
    if word is not None:
        if '"' in word:
            raise InputError(
                f'{label} {shown}: unbalanced quote; put "double quotes" around a whole phrase'
            )
        if word.startswith("-"):
            word = word[1:]
        if not word:
            raise InputError(f"{label} {shown}: empty phrase or lone '-'")
        star = "*" if word.endswith("*") else ""
        word = word[:-1] if star else word
        if not word:
            raise InputError(f"{label} {shown}: a lone '*'; write it after a word (semicon*)")
    folded = _WHITESPACE.sub(" ", fold_text(unicodedata.normalize("NFC", phrase or word or "")))
    folded = folded.strip()
    if not folded:
        if phrase is not None:
            raise InputError(f"{label} {shown}: empty phrase or lone '-'")
        return None
    return make_term(folded, prefix=bool(star))


def _check_bounds(text: str, limits: Limits, shown: str) -> None:
    """Refuse what no index should be asked (a NUL, a control character, a book-length query)."""
    if _CONTROL.search(text):
        raise InputError(f"{limits.label} {shown}: contains a control character (such as NUL)")
    if len(text) > limits.max_chars:
        raise InputError(
            f"{limits.label} {shown}: {len(text):,} characters, at most {limits.max_chars:,}"
        )


def _shown(text: str, width: int = 60) -> str:
    """The query as an error line shows it: escaped, and cut so one line stays one line."""
    return repr(text if len(text) <= width else text[:width] + "…")
