"""Find gazetteer aliases in a text with one Aho-Corasick pass, keeping only whole-word matches.

Thai has no spaces between words, so a name can sit inside another word (ลาว in ศาลาว่าการ,
จีน in ปราจีนบุรี, ตรุษจีน). The pass finds every alias; overlapping matches resolve
leftmost-longest, so a longer alias or a not-a-state phrase (เกาหลีเหนือ, ตรุษจีน) swallows the
name inside it; an alias two codes share (ทช., กพร.) is returned once per code. A character
rule then rejects matches that start after a leading vowel or end before a following vowel or
tone mark (mid-syllable), and Latin aliases need ASCII word
boundaries, and a dotted Thai abbreviation may not continue a longer one (ทร. in มทร.). Names
listed right after a language (ภาษาอังกฤษ เยอรมัน ฝรั่งเศส, ภาษาไทยและอังกฤษ) are languages
too, not states. Last, a Thai country or bloc name found strictly inside a word of pythainlp's
dictionary (the dictionary newmm segments with: ขนมจีน, คลาวด์, อินโดจีน) is rejected, except
affix + name words (คนจีน). That asks the tokenizer's question of the one span at stake without
tokenizing: measured on a 2% corpus sample it agreed with newmm run on a window around each of
956 candidates 926 times, and the 30 disagreements were all newmm mis-segmenting a real name.

The pass itself (keyfinder.py) runs in Rust over one byte a character.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Iterable
from typing import NamedTuple

import ahocorasick

from .gazetteer import Alias
from .keyfinder import KeyFinder
from .textnorm import NormalText, fold_case

__all__ = ["Match", "Matcher"]

_LEADING_VOWELS = frozenset("เแโใไ")
_FOLLOWING_MARKS = frozenset(
    chr(c) for c in [*range(0x0E30, 0x0E3B), 0x0E45, *range(0x0E47, 0x0E4F)]
)
_DOT_THAI = re.compile(r"\.(?=[\u0e01-\u0e2e])")
_LANGUAGE_HEAD = "ภาษา"
_OWN_LANGUAGE = re.compile("ภาษาไทย")
_LIST_GAP = re.compile(r"[\s,]*(?:และ|หรือ)?[\s,]*")
_Checks = tuple[tuple[Alias, bool, bool], ...]  # alias, dotted Thai abbreviation, case-sensitive


class Match(NamedTuple):
    """A tuple, not a dataclass: a text yields dozens, and a tuple is the cheapest to build."""

    alias: Alias
    start: int  # offsets in the normalised text
    end: int


# Match(alias, start, end) without the Python-level __new__ a NamedTuple adds
_new_match = functools.partial(tuple.__new__, Match)
_START, _END = operator.itemgetter(1), operator.itemgetter(2)


def _is_thai(ch: str) -> bool:
    return "\u0e00" <= ch <= "\u0e7f"


# ASCII letters and digits: what a Latin alias may not touch on either side
_WORD_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _variants(text: str) -> list[str]:
    """Spelling variants the site uses interchangeably: `รมว.อุตสาหกรรม` / `รมว. อุตสาหกรรม`."""
    spaced = _DOT_THAI.sub(". ", text)
    return [text] if spaced == text else [text, spaced]


class Matcher:
    """Built once per gazetteer; `scan` is pure and safe to call from several threads."""

    def __init__(self, aliases: Iterable[Alias], affixes: Iterable[str] = ()) -> None:
        table: dict[str, list[Alias]] = {}
        for alias in aliases:
            for variant in _variants(alias.text):
                key = fold_case(variant)
                table.setdefault(key, []).append(alias)
        keys = [key for key in table if key]
        self._empty = not keys
        self._finder = KeyFinder(keys)
        self._entries: list[tuple[tuple[Alias, ...], _Checks | None, Alias | None]] = []
        for key in self._finder.keys:
            found = table[key]
            checks = tuple((a, _dotted_thai(a.text), a.case_sensitive) for a in found)
            plain = not any(dotted or cased for _, dotted, cased in checks)
            single = found[0] if plain and len(found) == 1 else None
            self._entries.append((tuple(found), None if plain else checks, single))
        self._enclosing = _enclosing_words(table, frozenset(affixes))

    def scan(self, text: NormalText) -> list[Match]:
        if self._empty or not text.cased:
            return []
        candidates = self._candidates(text)
        # by start, the longest first: two stable sorts on C-level keys, no Python key per match
        candidates.sort(key=_END, reverse=True)
        candidates.sort(key=_START)
        chosen: list[Match] = []
        last_end = -1
        for match in candidates:
            if match.start >= last_end:
                chosen.append(match)
                last_end = match.end
            elif _same_span(chosen[-1], match) and chosen[-1].alias.code != match.alias.code:
                chosen.append(match)  # an abbreviation two codes share (ทช.): the caller decides
        chosen = _drop_languages(text.cased, chosen)
        enclosing = self._enclosing
        return [
            m
            for m in chosen
            if m.alias.kind != "not_state"
            and (m.alias.text not in enclosing or self._is_word(text.cased, m))
        ]

    def _candidates(self, text: NormalText) -> list[Match]:
        """Every automaton hit with clean edges, per alias (the hot loop: kept inline)."""
        found: list[Match] = []
        cased = text.cased
        size = len(cased)
        entries = self._entries
        new = _new_match
        for index, start, end in self._finder.find(text):
            end_index = end - 1
            aliases, checks, single = entries[index]
            before = cased[start - 1] if start > 0 else " "
            after = cased[end] if end < size else " "
            if before in _LEADING_VOWELS and _is_thai(cased[start]):
                continue
            if after in _FOLLOWING_MARKS and _is_thai(cased[end_index]):
                continue
            if before in _WORD_CHARS and cased[start] in _WORD_CHARS:
                continue
            if after in _WORD_CHARS and cased[end_index] in _WORD_CHARS:
                continue
            if single is not None:
                found.append(new((single, start, end)))
                continue
            if checks is None:
                found += [new((alias, start, end)) for alias in aliases]
                continue
            for alias, dotted, case_sensitive in checks:
                if dotted and start > 0 and "\u0e01" <= before <= "\u0e2e":
                    continue  # `ทร.` inside `มทร.`: a dotted abbreviation glued to letters
                if case_sensitive and cased[start:end].replace(". ", ".") != alias.text:
                    continue
                found.append(new((alias, start, end)))
        return found

    def _is_word(self, text: str, match: Match) -> bool:
        """False when the match sits inside a longer dictionary word (ลาว in คลาวด์)."""
        for word, offset in self._enclosing.get(match.alias.text, ()):
            start = match.start - offset
            if start >= 0 and text.startswith(word, start):
                return False
        return True


def _same_span(first: Match, second: Match) -> bool:
    return first.start == second.start and first.end == second.end


def _dotted_thai(alias: str) -> bool:
    """A dotted Thai abbreviation (ทร.): it may not continue the letters before it (มทร.)."""
    return "." in alias and "\u0e01" <= alias[0] <= "\u0e2e"


def _drop_languages(text: str, chosen: list[Match]) -> list[Match]:
    """Country names continuing a list of languages (ภาษาอังกฤษ เยอรมัน ฝรั่งเศส) name languages.

    Every head, ภาษาไทย or a not-a-state phrase, starts with ภาษา: a text without it has none."""
    if _LANGUAGE_HEAD not in text:
        return chosen
    heads = [(m.start(), m.end()) for m in _OWN_LANGUAGE.finditer(text)]
    heads += [
        (m.start, m.end)
        for m in chosen
        if m.alias.kind == "not_state" and m.alias.text.startswith(_LANGUAGE_HEAD)
    ]
    if not heads:
        return chosen
    heads.sort()
    kept: list[Match] = []
    list_end = -1
    for match in chosen:
        while heads and heads[0][0] < match.start:
            list_end = max(list_end, heads.pop(0)[1])
        if (
            match.alias.kind == "country"
            and 0 <= list_end <= match.start
            and _LIST_GAP.fullmatch(text, list_end, match.start)
        ):
            list_end = match.end
            continue
        kept.append(match)
    return kept


def _enclosing_words(
    table: dict[str, list[Alias]], affixes: frozenset[str]
) -> dict[str, tuple[tuple[str, int], ...]]:
    """For each Thai country or bloc alias, the dictionary words it sits strictly inside.

    The words come from pythainlp's dictionary, the one its newmm tokenizer segments with, so
    this is the tokenizer's verdict on the one question asked (is this name a word of its own
    here?) without tokenizing: ขนมจีน, ปราจีนบุรี, คลาวด์, อินโดจีน. A word that is only an
    affix plus the name (คนจีน, ชาวลาว) and a word that is itself an alias still name the state.
    """
    from pythainlp.corpus import thai_words

    finder = ahocorasick.Automaton()
    for key, aliases in table.items():
        if any(_is_thai(ch) for ch in key) and any(a.kind in ("country", "bloc") for a in aliases):
            finder.add_word(key, key)
    if len(finder) == 0:
        return {}
    finder.make_automaton()
    found: dict[str, list[tuple[str, int]]] = {}
    for word in thai_words():
        if word in table:
            continue
        for end, key in finder.iter(word):
            start = end - len(key) + 1
            if key != word and not (word.endswith(key) and word[:start] in affixes):
                found.setdefault(key, []).append((word, start))
    return {key: tuple(words) for key, words in found.items()}
