"""What a chat types after /subscribe or /preview: labels, words and a frequency.

`/subscribe JP "semiconductor OR เซมิคอนดักเตอร์" weekly`: a word or name that resolves as a
code (JP, ญี่ปุ่น, South Korea, ASEAN, industry), and `all` and `lead`, are labels; quoted
phrases, `OR` with its neighbours, `-exclusions` and every other word are the subscription's
words, in the search language; a last word instant|daily|weekly|both is its own frequency.
Labels and words must all hold. Quotes make anything a word (`"AI"` is the word, `AI` the
country code), and a quoted part that says OR is read as words with OR, not as a phrase, so
the issue's `"semiconductor OR เซมิคอนดักเตอร์"` means either word. Phones' curly quotes count.

A bare word that resolves to nothing but is a near-miss of a code ("JPN", "industri") is
reported in `near_misses` with what it probably meant; the bot refuses it unless the news
has that word (then it is a real query: EEC, BYD), and quotes make it a word anyway.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from watcher.channels.telegram.render import Terms
from watcher.core.errors import InputError
from watcher.match.language import fold_text, parse_query
from watcher.match.subscriptions import MODES, Subscription, parse_words

__all__ = ["QUERY_CHARS", "QUERY_TERMS", "Wording", "near_codes", "read_wording"]

# The subscription limits parse_words enforces (it decides; these name them in a refusal).
QUERY_CHARS = 200
QUERY_TERMS = 10
LEAD_WORDS = frozenset(["lead", "นำ"])  # `industry lead`: the ministry must lead the item
NEAR_RATIO = 0.8  # difflib ratio from which an unknown word is taken for a typo of a code
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "″": '"'})
_TOKEN = re.compile(r'(-?)"([^"]*)"(?=\s|$)|(\S+)')
_PLAIN_WORD = re.compile(r"[^\s\-\"*][^\s\"]*")
_OR = re.compile(r"(?:^|\s)OR(?:\s|$)")
_PARTNER = {"country": "partner", "bloc": "partner", "ministry": "ministry"}


@dataclass
class _Token:
    text: str  # as it goes into the query
    bare: bool  # a plain word: may be a code or a name


@dataclass(frozen=True)
class Wording:
    subscription: Subscription
    mode: str | None = None  # the trailing frequency word
    near_misses: tuple[str, ...] = ()  # bare words that became words but look like typos
    problem: tuple[str, dict[str, object]] | None = None  # (phrase key, fields): refused
    unknown: tuple[str, ...] = field(default=())  # `lead` without a ministry

    @property
    def empty(self) -> bool:
        s = self.subscription
        return not (s.everything or s.countries or s.blocs or s.ministries or s.query)


def read_wording(text: str, terms: Terms) -> Wording:
    """The subscription that `text` (a command's arguments) asks for."""
    tokens = _tokens(text.translate(_QUOTES))
    mode = None
    if tokens and tokens[-1].bare and tokens[-1].text.lower() in MODES:
        mode = tokens.pop().text.lower()
    _mark_or_groups(tokens, terms)
    everything = any(t.bare and t.text.lower() == "all" for t in tokens)
    lead = any(t.bare and t.text.lower() in LEAD_WORDS for t in tokens)
    tokens = [t for t in tokens if not (t.bare and t.text.lower() in LEAD_WORDS | {"all"})]
    found: dict[str, set[str]] = {"country": set(), "bloc": set(), "ministry": set()}
    words: list[str] = []
    near: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if not token.bare:
            words.append(token.text)
            index += 1
            continue
        for size in (3, 2, 1):
            run = tokens[index : index + size]
            resolved = terms.resolve_term(" ".join(t.text for t in run))
            if len(run) == size and all(t.bare for t in run) and resolved is not None:
                found[resolved[0]].add(resolved[1])
                index += size
                break
        else:
            words.append(token.text)
            if near_codes(terms, token.text):
                near.append(token.text)
            index += 1
    labels = any(found.values())
    subscription = Subscription(
        countries=tuple(sorted(found["country"])),
        blocs=tuple(sorted(found["bloc"])),
        ministries=tuple(sorted(found["ministry"])),
        everything=everything and not labels and not words,
        lead_only=lead,
        query=" ".join(words) or None,
        mode=mode,
    )
    unknown = ("lead",) if lead and not found["ministry"] else ()
    problem = query_problem(subscription.query, labels) if subscription.query else None
    return Wording(subscription, mode, tuple(near), problem, unknown)


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        negated, phrase, word = match.groups()
        if phrase is None:
            bare = not (word.startswith("-") and len(word) > 1) and '"' not in word
            tokens.append(_Token(word, bare))
        elif _PLAIN_WORD.fullmatch(phrase) and phrase != "OR":
            tokens.append(_Token(f"{negated}{phrase}", False))  # "EV": the word, not a code
        elif negated or not _OR.search(phrase):
            tokens.append(_Token(f'{negated}"{phrase}"', False))
        else:
            tokens.append(_Token(phrase.strip(), False))  # "A OR B": words with OR
    return tokens


def _mark_or_groups(tokens: list[_Token], terms: Terms) -> None:
    """`A OR B` between bare words: codes of one kind stay labels (they are alternatives
    already; the ORs go); anything else is words."""
    index = 0
    while index < len(tokens):
        if not (tokens[index].bare and tokens[index].text == "OR"):
            index += 1
            continue
        start = index - 1
        end = index + 1
        while end + 1 < len(tokens) and tokens[end + 1].bare and tokens[end + 1].text == "OR":
            end += 2
        group = tokens[max(start, 0) : end + 1]
        members = [t for t in group if t.text != "OR"]
        kinds = {_kind(terms, t) for t in members}
        if len(kinds) == 1 and None not in kinds and all(t.bare for t in members):
            del tokens[index:end:2]  # JP OR KR: the labels JP and KR
            index = start + len(members)
            continue
        for token in group:
            token.bare = False
        index = end + 1


def _kind(terms: Terms, token: _Token) -> str | None:
    resolved = terms.resolve_term(token.text) if token.bare else None
    return _PARTNER[resolved[0]] if resolved else None


def near_codes(terms: Terms, word: str) -> list[str]:
    """The codes `word` is probably a typo of (close to the code or one of its names)."""
    folded = word.casefold()
    near = []
    for code in terms.closest(word):
        names = {code.casefold()}
        resolved = terms.resolve_term(code)
        if resolved is not None:
            kind, found = resolved
            name = {"country": terms.country_name, "bloc": terms.bloc_name}.get(
                kind, terms.ministry_name
            )
            names |= {name(found, lang).casefold() for lang in ("th", "en")}
        if max(difflib.SequenceMatcher(None, folded, n).ratio() for n in names) >= NEAR_RATIO:
            near.append(code)
    return near


def query_problem(query: str, labels: bool) -> tuple[str, dict[str, object]] | None:
    """Why a subscription's words are refused, as (phrase key, fields); None when they are
    fine. parse_words decides; this only names the limit it hit."""
    try:
        parse_words(query, with_labels=labels)
        return None
    except InputError as error:
        refused = str(error)
    if len(query) > QUERY_CHARS:
        return "query_too_long", {"limit": QUERY_CHARS, "length": len(query)}
    try:
        parsed = parse_query(query)
    except InputError:
        if not any(_positive(piece) for piece in query.split()):
            return "query_empty", {}
        return "query_refused", {"reason": refused}
    if len(parsed.terms) + len(parsed.excluded) > QUERY_TERMS:
        return "query_too_many_terms", {"limit": QUERY_TERMS}
    return "query_refused", {"reason": refused}


def _positive(piece: str) -> bool:
    return (
        piece != "OR" and not piece.startswith("-") and bool(fold_text(piece.strip('"*')).strip())
    )
