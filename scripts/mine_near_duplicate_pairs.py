"""Mine candidate near-duplicate pairs from the shared corpora, for labelling by reading.

    python scripts/mine_near_duplicate_pairs.py mine > /tmp/candidates.jsonl
    python scripts/mine_near_duplicate_pairs.py show ID_A ID_B     # both texts' differences
    python scripts/mine_near_duplicate_pairs.py sample /tmp/candidates.jsonl > /tmp/sample.jsonl
    python scripts/mine_near_duplicate_pairs.py show --pairs /tmp/sample.jsonl

`mine` prints one JSON line per candidate pair (ids, urls, titles, published dates, 5-character
shingle Jaccard, why it is a candidate): pairs that share a normalized title but hash
differently, and pairs an in-memory MinHash LSH (threshold 0.4) finds (Jaccard ≥ 0.3), published
at most 45 days apart.
It labels nothing: each label in tests/data/near-duplicate-pairs.jsonl is a reader's judgement
of both texts (`show` prints them as a line diff). Items published from 2025 on are skipped.

`sample` draws the pairs that were read, in three seeded draws: strata of shingle Jaccard for
pairs with the same title and with different titles (the first 240), then two draws weighted
towards republications, so that about half the set is same-story (DRAWS below).
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import json
import lzma
import random
import sys
from collections import OrderedDict, defaultdict
from collections.abc import Iterator
from pathlib import Path

from datasketch import MinHash, MinHashLSH

from watcher.core.corpus import Item, normalize_text, parse_corpus_text, rejection_reason

ROOT = Path(__file__).resolve().parents[1]
CORPORA = [
    ROOT.parent / "shared" / "data" / "thaigov-corpus.jsonl.xz",
    ROOT.parent / "shared" / "data" / "thaigov-v2-corpus.jsonl.xz",
]
SHINGLE = 5
RECENT_ITEMS = 3000  # about four months of items: more than the window below
WINDOW_DAYS = 45  # pairs further apart than this are never compared (near_duplicate_days)


def corpus_items() -> Iterator[tuple[int, Item]]:
    for path in CORPORA:
        with lzma.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                if record.get("id") is None:
                    continue
                item = parse_corpus_text(
                    record["text"], category=record.get("category"), url=record.get("url")
                )
                if rejection_reason(item) or (item.published or "") >= "2025-01-01":
                    continue
                yield int(record["id"]), item


def shingles(item: Item) -> set[str]:
    text = normalize_text(item)
    return {text[i : i + SHINGLE] for i in range(max(1, len(text) - SHINGLE + 1))}


def days_apart(first: Item, second: Item) -> int:
    if not first.published or not second.published:
        return 0
    return abs(
        (dt.date.fromisoformat(first.published) - dt.date.fromisoformat(second.published)).days
    )


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def mine() -> None:
    """Candidates are scored as they are found, against a window of recent items only: the
    corpora's shingle sets do not fit in memory, and pairs further apart are never compared."""
    recent: OrderedDict[int, tuple[Item, set[str]]] = OrderedDict()
    by_title: dict[str, list[int]] = defaultdict(list)
    lsh = MinHashLSH(threshold=0.4, num_perm=64)
    seen_hash: set[str] = set()
    seen_ids: set[int] = set()
    for number, (ident, item) in enumerate(corpus_items()):
        if item.hash in seen_hash or ident in seen_ids:  # a repeated id: a revision at one URL
            continue
        seen_hash.add(item.hash)
        seen_ids.add(ident)
        grams = shingles(item)
        signature = MinHash(num_perm=64)
        signature.update_batch([g.encode("utf-8") for g in grams])
        found = dict.fromkeys(lsh.query(signature), "lsh")
        title = " ".join(item.title.split())
        found |= dict.fromkeys(by_title[title][-3:], "title")
        for other, why in sorted(found.items()):
            if other in recent:
                emit(other, recent[other], ident, (item, grams), why)
        lsh.insert(ident, signature)
        by_title[title].append(ident)
        recent[ident] = (item, grams)
        if len(recent) > RECENT_ITEMS:
            recent.popitem(last=False)
        if number % 5000 == 0:
            print(f"{number} items", file=sys.stderr)


def emit(
    a: int, older: tuple[Item, set[str]], b: int, newer: tuple[Item, set[str]], why: str
) -> None:
    (first, first_grams), (second, second_grams) = older, newer
    score = jaccard(first_grams, second_grams)
    if days_apart(first, second) > WINDOW_DAYS or (why == "lsh" and score < 0.3):
        return
    record = {
        "a": a,
        "b": b,
        "why": why,
        "jaccard": round(score, 3),
        "published": [first.published, second.published],
        "same_title": " ".join(first.title.split()) == " ".join(second.title.split()),
        "titles": [first.title[:80], second.title[:80]],
        "lengths": [len(first.body), len(second.body)],
        "urls": [first.url, second.url],
    }
    print(json.dumps(record, ensure_ascii=False), flush=True)


# (seed, [(same title?, lowest Jaccard, highest Jaccard, most days apart, how many, stratum)])
DRAWS = [
    (12, [(True, 0.9, 1.01, 45, 40, "title:0.9-1.0"), (True, 0.7, 0.9, 45, 30, "title:0.7-0.9"),
          (True, 0.5, 0.7, 45, 30, "title:0.5-0.7"), (True, 0.3, 0.5, 45, 25, "title:0.3-0.5"),
          (True, 0.0, 0.3, 45, 20, "title:0.0-0.3"), (False, 0.9, 1.01, 45, 30, "other:0.9-1.0"),
          (False, 0.7, 0.9, 45, 30, "other:0.7-0.9"), (False, 0.5, 0.7, 45, 20, "other:0.5-0.7"),
          (False, 0.3, 0.5, 45, 15, "other:0.3-0.5")]),
    (7, [(True, 0.85, 1.01, 45, 50, "title:0.85-1.0 (second draw)"),
         (False, 0.5, 0.9, 1, 50, "other:0.5-0.9 within a day (second draw)")]),
    (99, [(True, 0.6, 1.01, 45, 60, "title:0.6-1.0 (third draw)"),
          (False, 0.9, 1.01, 3, 40, "other:0.9-1.0 within 3 days (third draw)")]),
]  # fmt: skip


def sample(candidates: Path) -> None:
    """The pairs to read: each draw's strata, never a pair an earlier draw took."""
    rows = [json.loads(line) for line in candidates.read_text(encoding="utf-8").splitlines()]
    taken: set[tuple[int, int]] = set()
    for seed, strata in DRAWS:
        rng = random.Random(seed)
        for same, low, high, days, count, name in strata:
            pool = [
                row
                for row in rows
                if row["same_title"] == same
                and low <= row["jaccard"] < high
                and _days(row["published"]) <= days
                and (row["a"], row["b"]) not in taken
            ]
            for row in rng.sample(pool, min(count, len(pool))):
                taken.add((row["a"], row["b"]))
                print(json.dumps(row | {"stratum": name}, ensure_ascii=False))


def _days(published: list[str | None]) -> int:
    if None in published:
        return 99
    first, second = (dt.date.fromisoformat(day) for day in published if day)
    return abs((first - second).days)


def show(pairs: list[tuple[int, int]]) -> None:
    """Each pair's titles, dates and the line diff of their bodies (one corpus pass for all)."""
    wanted = {ident for pair in pairs for ident in pair}
    found: dict[int, Item] = {}
    for ident, item in corpus_items():
        if ident in wanted and ident not in found:
            found[ident] = item
    for a, b in pairs:
        first, second = found[a], found[b]
        print(f"=== {a} {b} jaccard {jaccard(shingles(first), shingles(second)):.3f}")
        print(f"A {first.published} {first.category} | {first.title}")
        print(f"B {second.published} {second.category} | {second.title}")
        diff = list(
            difflib.unified_diff(
                first.body.splitlines(), second.body.splitlines(), "A", "B", n=0, lineterm=""
            )
        )[2:]
        changed = [line for line in diff if line[:1] in "+-"]
        print(f"lengths {len(first.body)} {len(second.body)}, {len(changed)} lines differ")
        for line in changed[:6]:
            print(line[:170])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["mine", "sample", "show"])
    parser.add_argument("ids", nargs="*", help="sample: CANDIDATES; show: A B [A B ...]")
    parser.add_argument("--pairs", type=Path, help="show: a JSONL file of candidates (a, b)")
    args = parser.parse_args()
    if args.mode == "mine":
        mine()
        return
    if args.mode == "sample":
        sample(Path(args.ids[0]))
        return
    ids = [int(ident) for ident in args.ids]
    pairs = list(zip(ids[::2], ids[1::2], strict=True))
    if args.pairs:
        for line in args.pairs.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            pairs.append((record["a"], record["b"]))
    show(pairs)


if __name__ == "__main__":
    main()
