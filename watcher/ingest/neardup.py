"""Near-duplicates: one story republished with a paragraph added or a typo fixed is one story.

The content hash catches a republication only when the normalized text is identical. Here an
item is reduced to the set of its 5-character shingles (over the hash's normalized title + body,
Latin letters lower-cased), a MinHash signature of that set (datasketch) and the signature's LSH
band keys. The store keeps the band keys in a table keyed by (band, bucket), written in the same
transaction as the item, so an item that shares a bucket with an earlier one is a candidate;
candidates are then compared exactly (Jaccard of the shingle sets, recomputed from their text),
so the LSH only has to find them, and the threshold is applied to the real similarity.

Characters rather than words: Thai has no spaces, and pythainlp's segmenter costs ~9 ms an item,
which alone would break the import budget (README, "Near-duplicates", has the measurement).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from watcher.classify.textnorm import fold_case
from watcher.core.config import DedupeSettings
from watcher.core.corpus import Item
from watcher.core.thaidate import MONTHS, SHORT_MONTHS
from watcher.store.watch_records import NearCandidate

__all__ = [
    "LSH_FLOOR",
    "MIN_SHINGLES",
    "NUM_PERM",
    "SHINGLE_CHARS",
    "Fingerprint",
    "NearDuplicates",
    "carried_by_boilerplate",
    "comparable_text",
    "dates_clash",
    "dates_mentioned",
    "fingerprint",
    "jaccard",
    "labels_agree",
    "shingle_set",
    "story_day",
]

SHINGLE_CHARS = 5
# Fewer shingles than this (a text of about 300 characters): never compared. Two-line notices
# (the corpus' daily notices of infected staff, vaccination tallies: 100-270 characters) share
# most of their wording without being one story; the pair set loses no same-story pair to it.
MIN_SHINGLES = 300
NUM_PERM = 32
RECENT_CANDIDATES = 512  # shingle sets kept for candidates met again (~30 KB each)
# The band layout is fixed for Jaccard 0.5 whatever the configured threshold (≥ 0.5): stored band
# keys stay valid when the threshold changes, and candidates are checked exactly anyway.
LSH_FLOOR = 0.5
_MULTIPLIER = np.uint64(0x100000001B3)  # FNV prime: spreads code points over 64 bits
_MIX = np.uint64(0xBF58476D1CE4E5B9)  # splitmix64's multiplier
_LOW32 = np.uint64(0xFFFFFFFF)
_SEED = 1


@functools.cache
def _band_ranges() -> tuple[tuple[int, int], ...]:
    lsh = MinHashLSH(threshold=LSH_FLOOR, num_perm=NUM_PERM)
    return tuple(lsh.hashranges)


@functools.cache
def _empty_minhash() -> MinHash:
    return MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=int)


_PER_THREAD = threading.local()


def _minhash() -> MinHash:
    """One reusable MinHash per thread (pollers store from worker threads): cleared per item,
    which saves the object's construction, a third of signing an item."""
    signature: MinHash | None = getattr(_PER_THREAD, "minhash", None)
    if signature is None:
        signature = _PER_THREAD.minhash = _empty_minhash().copy()
    signature.clear()
    return signature


def comparable_text(item: Item) -> str:
    """The content hash's normalized text with Latin letters lower-cased."""
    return fold_case(item.normalized)


def _shingle_hashes(text: str) -> np.ndarray:
    """A 64-bit hash of every 5-character window of `text` (with repeats), vectorised.

    A rolling polynomial over the code points, then a mixing step: a 5,000-character body costs
    about 0.1 ms, where datasketch's default (SHA-1 of each shingle in Python) costs several.
    """
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(points) - SHINGLE_CHARS + 1
    if count < 1:
        return np.zeros(0, dtype=np.uint64)
    value = points[:count].copy()
    for offset in range(1, SHINGLE_CHARS):
        value *= _MULTIPLIER
        value += points[offset : offset + count]
    value ^= value >> np.uint64(33)
    value *= _MIX
    value ^= value >> np.uint64(29)
    return value


def _sorted_unique(hashes: np.ndarray) -> np.ndarray:
    """np.unique's result by a sort and a mask (numpy 2's hashing unique is 4× slower here)."""
    values = np.sort((hashes & _LOW32).astype(np.uint32))
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def shingle_set(text: str) -> np.ndarray:
    """The distinct shingles of `text` as sorted unique 32-bit values (exact comparison)."""
    return _sorted_unique(_shingle_hashes(text))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """|a ∩ b| / |a ∪ b| of two sorted unique arrays (shingle_set's output)."""
    if not len(a) and not len(b):
        return 0.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


def _signature_input(hashes: np.ndarray) -> np.ndarray:
    """The 1-in-16 sample of shingles (by their top bits) the MinHash signature is taken over.

    The same shingle is sampled in every text, so the sample's Jaccard estimates the whole
    set's; it makes signing 4× cheaper, and candidates are compared exactly afterwards.
    """
    sample = hashes[(hashes >> np.uint64(60)) == 0]
    return (sample & _LOW32).astype(np.uint32)


def band_keys(hashes: np.ndarray) -> tuple[int, ...]:
    """One signed 64-bit bucket key per LSH band of the sampled shingles' MinHash signature.

    The band's number is hashed in, so equal values in two different bands are two buckets.
    """
    signature = _minhash()
    signature.update_batch(_signature_input(hashes).tolist())
    values = signature.hashvalues
    return tuple(
        int.from_bytes(
            hashlib.blake2b(bytes([band]) + values[start:end].tobytes(), digest_size=8).digest(),
            "big",
            signed=True,
        )
        for band, (start, end) in enumerate(_band_ranges())
    )


def story_day(published: str | None, first_seen: str) -> str:
    """The day the window is measured on: the site's date, else the day it was first seen.

    Imported history is all first seen on the day of the import, so the site's date is what
    tells a republication a week later from next year's programme with the same title.
    """
    return published or first_seen[:10]


_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_MONTH = "|".join(re.escape(m) for m in sorted(MONTHS + SHORT_MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"(\d{{1,2}})\s*({_MONTH})\s*(?:พ\.ศ\.\s*)?(?:\d{{4}}|\d{{2}}(?!\d))?"
    r"|(\d{1,2})/(\d{1,2})/\d{2,4}"
)


def dates_mentioned(text: str) -> frozenset[tuple[int, int]]:
    """(day, month) of every Thai date in `text`: `5 เม.ย. 63`, `5 เมษายน 2563`, `5/4/2563`."""
    found = set()
    for match in _DATE.finditer(text.translate(_THAI_DIGITS)):
        if match.group(1):
            name = match.group(2)
            month = (MONTHS.index(name) if name in MONTHS else SHORT_MONTHS.index(name)) + 1
            found.add((int(match.group(1)), month))
        else:
            found.add((int(match.group(3)), int(match.group(4))))
    return frozenset(found)


def dates_clash(first: frozenset[tuple[int, int]], second: frozenset[tuple[int, int]]) -> bool:
    """Both name dates and neither's dates include the other's: two days' reports.

    A republication keeps its dates (or adds one, with a paragraph); a daily report, a weekly
    address or a programme aired again differs exactly there, however similar the rest is.
    """
    return bool(first and second and not (first <= second or second <= first))


_LABEL_KEYS = ("countries", "blocs", "ministries")


def labels_agree(
    mine: Mapping[str, Any] | None,
    theirs: tuple[frozenset[str], frozenset[str], frozenset[str]] | None,
) -> bool:
    """The item adds no country, bloc or ministry to the earlier item's (or either side was
    never labelled): every subscriber it would alert was alerted by the earlier one.

    A release about Japan republished about Korea is the same text with the country changed:
    as a variant it would reach no KR subscriber. A republication that drops a label (a
    paragraph cut) stays a variant; one that adds a label is a story of its own.
    """
    if mine is None or theirs is None:
        return True
    return all(
        frozenset(mine.get(key) or ()) <= codes
        for key, codes in zip(_LABEL_KEYS, theirs, strict=True)
    )


# What two texts share must not be only their boilerplate: when what differs between them
# (after their common opening and common ending) holds at least OWN_CHARS of body text on both
# sides, beyond the titles, and those parts are unlike each other (REST_JACCARD), the likeness
# is a shared footer or header, and the items are two stories. A republication differs by a
# headline, a lead or a paragraph on one side: on the 440 labelled pairs no same-story pair
# meets this (100 characters: none up to 150; 60 would lose 3).
OWN_CHARS = 100
REST_JACCARD = 0.5


def carried_by_boilerplate(text: str, title_chars: int, other: str, other_title: str) -> bool:
    """`text` (comparable_text, its title the first `title_chars`) and `other` share a long
    opening or ending but their own parts, each OWN_CHARS or more of body, are unrelated."""
    start = _common_prefix(text, other)
    end = _common_prefix(text[start:][::-1], other[start:][::-1])
    other_title_chars = len(comparable_text(Item(other_title, "")))
    own = len(text) - end - max(start, title_chars)
    other_own = len(other) - end - max(start, other_title_chars)
    if own < OWN_CHARS or other_own < OWN_CHARS:
        return False
    rest, other_rest = (
        shingle_set(text[start : len(text) - end]),
        shingle_set(other[start : len(other) - end]),
    )
    return jaccard(rest, other_rest) < REST_JACCARD


def _common_prefix(a: str, b: str) -> int:
    """Length of the common opening of a and b (os.path.commonprefix, without the import)."""
    limit = min(len(a), len(b))
    low, high = 0, limit
    while low < high:  # bisection over slices compared in C: O(n log n) at worst, fast
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


@dataclass(frozen=True)
class Fingerprint:
    """What near-duplicate detection knows of one item; `bands` is empty when too short.

    Import workers compute it and send it back to the writer: only the text, bands and day
    travel (a pickle a quarter of the size with the windows' hashes), and the shingle set is
    rebuilt from the text when there are candidates to compare with.
    """

    text: str  # comparable_text of the item
    bands: tuple[int, ...]
    day: str
    title_chars: int = 0  # the title's length at the start of `text`

    @functools.cached_property
    def hashes(self) -> np.ndarray:
        """Every window's hash, repeats included (see _shingle_hashes)."""
        return _shingle_hashes(self.text)

    @functools.cached_property
    def shingles(self) -> np.ndarray:
        """Only needed when there are candidates to compare with (the unique sort is the cost)."""
        return _sorted_unique(self.hashes)

    @functools.cached_property
    def dates(self) -> frozenset[tuple[int, int]]:
        return dates_mentioned(self.text)

    def __getstate__(self) -> dict[str, object]:
        return {"text": self.text, "bands": self.bands, "day": self.day,
                "title_chars": self.title_chars}  # fmt: skip


def fingerprint(item: Item, day: str) -> Fingerprint:
    text = comparable_text(item)
    hashes = _shingle_hashes(text)
    # Repeats counted: cheaper than a unique sort, and a text that short rarely repeats itself.
    bands = band_keys(hashes) if len(hashes) >= MIN_SHINGLES else ()
    print_ = Fingerprint(text, bands, day, len(comparable_text(Item(item.title, ""))))
    print_.__dict__["hashes"] = hashes  # cached_property's own slot: not computed twice
    return print_


class NearDuplicates:
    """Decides whether an item is a variant of an earlier story (threshold and window in days)."""

    @classmethod
    def from_settings(cls, settings: DedupeSettings) -> NearDuplicates:
        return cls(settings.near_duplicate_threshold, settings.near_duplicate_days)

    def __init__(self, threshold: float, days: int) -> None:
        if not LSH_FLOOR <= threshold <= 1.0:
            raise ValueError(f"threshold must be between {LSH_FLOOR} and 1, not {threshold}")
        self.threshold = threshold
        self.days = days
        # Candidates recur (a template's stories meet each other for a month): their shingle
        # sets are kept for the most recent ones rather than rebuilt at every meeting.
        self._recent: OrderedDict[str, tuple[np.ndarray, str]] = OrderedDict()

    def window(self, day: str) -> tuple[str, str]:
        """The [first, last] days an earlier item may have to be compared with one of `day`."""
        centre = dt.date.fromisoformat(day)
        span = dt.timedelta(days=self.days)
        return (centre - span).isoformat(), (centre + span).isoformat()

    def choose(
        self, print_: Fingerprint, candidates: Iterable[NearCandidate],
        labels: Mapping[str, Any] | None = None,
    ) -> tuple[str, float] | None:  # fmt: skip
        """(story, similarity): the earliest story with an item at least `threshold` similar
        whose dates do not clash with the item's, whose labels agree with the item's `labels`
        (when both are labelled) and whose likeness is not carried by boilerplate, or None."""
        best: dict[str, tuple[tuple[str, str, str], float]] = {}
        size = len(print_.shingles)
        for candidate in candidates:
            if not labels_agree(labels, candidate.labels):
                continue
            shingles, text = self._shingles_of(candidate)
            smaller, larger = sorted((size, len(shingles)))
            if smaller < self.threshold * larger:  # |A ∩ B| / |A ∪ B| ≤ smaller / larger
                continue
            similarity = jaccard(print_.shingles, shingles)
            if similarity < self.threshold or dates_clash(print_.dates, dates_mentioned(text)):
                continue
            if carried_by_boilerplate(print_.text, print_.title_chars, text, candidate.title):
                continue
            order, known = best.get(candidate.story, (candidate.order, 0.0))
            best[candidate.story] = (min(order, candidate.order), max(known, similarity))
        if not best:
            return None
        story = min(best, key=lambda s: best[s][0])
        return story, round(best[story][1], 4)

    def _shingles_of(self, candidate: NearCandidate) -> tuple[np.ndarray, str]:
        known = self._recent.get(candidate.hash)
        if known is not None:
            self._recent.move_to_end(candidate.hash)
            return known
        text = comparable_text(Item(candidate.title, candidate.body))
        known = self._recent[candidate.hash] = (shingle_set(text), text)
        if len(self._recent) > RECENT_CANDIDATES:
            self._recent.popitem(last=False)
        return known
