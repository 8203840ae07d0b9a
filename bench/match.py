"""Matching one new item against 10,000 subscriptions (labels, words, both), as the store does
when it stores the item: the indexed audience (watcher/match/audience.py) beside the plain rule
(every subscription's `matches`, one by one) in the same run, on the demo sample's items.

Goal (issue 24): ≤ 20 ms an item with 10,000 subscriptions. Subscriptions are drawn with a
fixed seed: 40% labels only, 40% words only, 20% both; words are Thai dictionary words
(pythainlp) and Latin words seen in the items, one to three a subscription, with OR, phrases
and exclusions mixed in.

Run: .venv/bin/python bench/match.py [--subscriptions 10000] [--items 200] [--readme]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.readme_block import recorded
from watcher.classify import Classifier, default_gazetteer_dir, load_gazetteer
from watcher.ingest.reader import read_items
from watcher.match.audience import Audience, ItemFacts
from watcher.match.language import fold_text
from watcher.match.subscriptions import Subscriber, Subscription

SAMPLE = Path(__file__).resolve().parents[1] / "watcher" / "data" / "demo-sample.jsonl.xz"
COUNTRIES = ["JP", "KR", "CN", "US", "GB", "FR", "DE", "IN", "VN", "MM", "LA", "KH", "MY", "SG"]
MINISTRIES = ["industry", "commerce", "foreign", "agriculture", "digital", "energy", "opm"]


def draw_subscribers(count: int, thai: list[str], latin: list[str], seed: int) -> list[Subscriber]:
    rng = random.Random(seed)

    def words() -> str:
        chosen = [
            rng.choice(thai if rng.random() < 0.7 else latin) for _ in range(rng.randint(1, 3))
        ]
        shape = rng.random()
        if shape < 0.3 and len(chosen) > 1:
            return " OR ".join(chosen)
        if shape < 0.45 and len(chosen) > 1:
            return f'"{chosen[0]} {chosen[1]}"'
        if shape < 0.55:
            return f"{chosen[0]} -{rng.choice(thai)}"
        return " ".join(chosen)

    people = []
    for number in range(1, count + 1):
        kind = rng.random()
        labels = kind < 0.4 or kind >= 0.8
        subscription = Subscription(
            countries=tuple(rng.sample(COUNTRIES, rng.randint(1, 2)))
            if labels and rng.random() < 0.7
            else (),
            ministries=tuple(rng.sample(MINISTRIES, 1)) if labels and rng.random() < 0.5 else (),
            query=words() if kind >= 0.4 else None,
        )
        if not (subscription.countries or subscription.ministries or subscription.query):
            subscription = Subscription(countries=(rng.choice(COUNTRIES),))
        people.append(Subscriber(number, "telegram", str(number), subscriptions=(subscription,)))
    return people


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--readme", action="store_true", help="write the figures into README")
    args = parser.parse_args()

    from pythainlp.corpus import thai_words

    classifier = Classifier(load_gazetteer(default_gazetteer_dir()))
    items = [r.item for r in read_items([SAMPLE]) if r.item][: args.items]
    facts = []
    latin: set[str] = set()
    for item in items:
        labels = classifier.classify(item.title, item.body, item.category).to_json()
        text = fold_text(f"{item.title}\n{item.body}")
        latin.update(w for w in re.findall(r"[a-z]{3,12}", text))
        facts.append(
            ItemFacts(
                tuple(labels["countries"]), tuple(labels["blocs"]), tuple(labels["ministries"]),
                labels["lead_ministry"], text,
            )
        )  # fmt: skip
    thai = sorted(w for w in thai_words() if 2 <= len(w) <= 10)
    people = draw_subscribers(args.subscriptions, thai, sorted(latin), seed=24)

    started = time.perf_counter()
    audience = Audience(people, "instant")
    built = time.perf_counter() - started

    def timed(match: object) -> tuple[list[float], int]:
        times, found = [], 0
        for fact in facts:
            start = time.perf_counter()
            chosen = match(fact)  # type: ignore[operator]
            times.append(time.perf_counter() - start)
            found += len(chosen)
        return times, found

    def plain(fact: ItemFacts) -> list[Subscriber]:
        return [
            s for s in people
            if s.matches(fact.countries, fact.blocs, fact.ministries, fact.lead_ministry,
                         fact.folded_text, frequency="instant")
        ]  # fmt: skip

    indexed, indexed_found = timed(audience.subscribers_for)
    baseline, plain_found = timed(plain)
    assert indexed_found == plain_found, (indexed_found, plain_found)

    def ms(values: list[float]) -> str:
        quantiles = statistics.quantiles(values, n=20)
        return (
            f"median {1000 * statistics.median(values):.2f} ms, p95 {1000 * quantiles[-1]:.2f} ms"
        )

    with recorded("match" if args.readme else None):
        print(
            f"{args.subscriptions:,} subscriptions, {len(facts)} demo items, "
            f"{indexed_found / len(facts):.1f} matching subscribers an item on average"
        )
        print(f"index built once in {1000 * built:.0f} ms (again only when a subscription changes)")
        print(f"indexed audience: {ms(indexed)}   (goal ≤ 20 ms)")
        print(f"plain rule, one by one (baseline): {ms(baseline)}")
        print(f"ratio: {statistics.median(baseline) / statistics.median(indexed):.1f}x faster")


if __name__ == "__main__":
    main()
