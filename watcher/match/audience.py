"""Who wants this new item: every subscription checked against one item at once, in one pass.

Matching happens once per stored item, for every channel, inside the transaction that stores
it, so it must stay cheap with thousands of subscriptions. The index files each subscription
under the codes and the positive words it names: a subscription can only match when one of
them is present, so only those few are evaluated in full. The item's words are found in one
pass of an Aho-Corasick automaton over every subscribed term (ahocorasick-rs), then checked
against the language's word rule; a term is looked for once however many subscriptions
share it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick_rs

from watcher.match.language import Term, term_at
from watcher.match.subscriptions import Subscriber, Subscription

__all__ = ["Audience", "ItemFacts"]


@dataclass(frozen=True)
class ItemFacts:
    """What matching needs of an item: its labels and its folded title and body."""

    countries: tuple[str, ...]
    blocs: tuple[str, ...]
    ministries: tuple[str, ...]
    lead_ministry: str | None
    folded_text: str


class Audience:
    """The subscriptions of one frequency (or all), indexed for matching new items."""

    def __init__(self, subscribers: Iterable[Subscriber], frequency: str | None = "instant"):
        self._entries: list[tuple[Subscriber, Subscription]] = []
        self._everything: list[int] = []
        self._by_code: dict[str, list[int]] = defaultdict(list)
        self._by_term: dict[Term, list[int]] = defaultdict(list)
        self._without_positive: list[int] = []
        terms: dict[str, set[Term]] = defaultdict(set)
        for subscriber in subscribers:
            chosen = subscriber.subscriptions if frequency is None else subscriber.at(frequency)
            for subscription in chosen:
                index = len(self._entries)
                self._entries.append((subscriber, subscription))
                self._file(index, subscription, terms)
        self._terms = {text: tuple(variants) for text, variants in terms.items()}
        self._needles = sorted(self._terms)
        self._automaton = (
            ahocorasick_rs.AhoCorasick(self._needles, matchkind=ahocorasick_rs.MatchKind.Standard)
            if self._needles
            else None
        )

    def _file(self, index: int, subscription: Subscription, terms: dict[str, set[Term]]) -> None:
        if subscription.everything:
            self._everything.append(index)
            return
        codes = (*subscription.countries, *subscription.blocs, *subscription.ministries)
        for code in codes:
            self._by_code[code].append(index)
        words = subscription.words
        if words is not None:
            for term in words.terms:
                self._by_term[term].append(index)
            for term in (*words.terms, *words.excluded):
                terms[term.text].add(term)
        if not codes and (words is None or not words.clauses):
            self._without_positive.append(index)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def reads_text(self) -> bool:
        """Whether any subscription has words (else an item's text need not be folded)."""
        return self._automaton is not None

    def present_terms(self, folded: str) -> set[Term]:
        """The subscribed terms that occur in `folded` by the word rule."""
        if self._automaton is None:
            return set()
        found: set[Term] = set()
        for needle_index, start, _end in self._automaton.find_matches_as_indexes(
            folded, overlapping=True
        ):
            for term in self._terms[self._needles[needle_index]]:
                if term not in found and term_at(term, folded, start):
                    found.add(term)
        return found

    def subscribers_for(self, item: ItemFacts) -> list[Subscriber]:
        """The subscribers (each once, in id order) with a subscription matching `item`."""
        present = self.present_terms(item.folded_text)
        candidates: set[int] = set(self._everything) | set(self._without_positive)
        for code in (*item.countries, *item.blocs, *item.ministries):
            candidates.update(self._by_code.get(code, ()))
        for term in present:
            candidates.update(self._by_term.get(term, ()))
        chosen: dict[int, Subscriber] = {}
        for index in sorted(candidates):
            subscriber, subscription = self._entries[index]
            if subscriber.id in chosen:
                continue
            if _matches(subscription, item, present):
                chosen[subscriber.id] = subscriber
        return [chosen[key] for key in sorted(chosen)]


def _matches(subscription: Subscription, item: ItemFacts, present: set[Term]) -> bool:
    if not subscription.matches_labels(
        item.countries, item.blocs, item.ministries, item.lead_ministry
    ):
        return False
    words = subscription.words
    if words is None:
        return True
    return all(any(t in present for t in clause) for clause in words.clauses) and not any(
        t in present for t in words.excluded
    )
