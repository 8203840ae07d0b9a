"""Find names written as a list: `อินเดีย 2 ราย, สหรัฐอาหรับเอมิเรตส์ 1 ราย, รัสเซีย 1 ราย`,
`ตลาดสำคัญ ... จีน สหรัฐอเมริกา ญี่ปุ่น เกาหลี ไต้หวัน`.

A country in such a list is one market, origin or example among others (LABELING.md: countries
listed as markets or examples are not primary), so the words around it say nothing about it.
Two neighbours belong to one list when only spaces, punctuation, figures and the joining words of
roles.toml [country_lists] stand between them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Protocol

__all__ = ["listed_spans"]

_FILLER = re.compile(r"[\s\d.,;:()/%\-–—·•]+")


class _Span(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


def listed_spans(
    spans: Sequence[_Span],
    text: str,
    joiners: Iterable[str],
    members: int,
    reach: int,
    counterparts: Sequence[int] = (),
) -> set[int]:
    """Starts of the spans that belong to a run naming at least `members` different codes
    (`ลาว นครหลวงเวียงจันทน์ สปป. ลาว` is one country, not a list).

    A run with one of `counterparts` (positions of counterpart words: Ambassadors, คณะผู้แทน)
    within `reach` characters before its first name lists the counterparts themselves
    (`Ambassadors of Saudi Arabia, Malaysia, Kuwait ...`): it is not discounted."""
    ordered = sorted(spans, key=lambda s: s.start)
    words = sorted(joiners, key=len, reverse=True)
    runs: list[list[_Span]] = []
    for span in ordered:
        if runs and _joined(text, runs[-1][-1].end, span.start, words, reach):
            runs[-1].append(span)
        else:
            runs.append([span])
    found: set[int] = set()
    for run in runs:
        first = run[0].start
        if len({s.code for s in run}) < members or any(
            first - reach <= p < first for p in counterparts
        ):
            continue
        found.update(s.start for s in run)
    return found


def _joined(text: str, end: int, start: int, words: list[str], reach: int) -> bool:
    if start < end or start - end > reach:
        return False
    gap = _FILLER.sub(" ", text[end:start])
    for word in words:
        gap = gap.replace(word, " ")
    return not gap.strip()
