"""Find names written as a list: `อินเดีย 2 ราย, สหรัฐอาหรับเอมิเรตส์ 1 ราย, รัสเซีย 1 ราย`,
`ตลาดสำคัญ ... จีน สหรัฐอเมริกา ญี่ปุ่น เกาหลี ไต้หวัน`; ministries enumerated together.

A country in such a list is one market, origin or example among others (LABELING.md: countries
listed as markets or examples are not primary), so the words around it say nothing about it.
Two neighbours belong to one list when only spaces, punctuation, figures and the joining words of
roles.toml [country_lists] stand between them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar

__all__ = ["BRACKETED", "enumerated", "listed_spans"]

_FILLER = re.compile(r"[\s\d.,;:()/%\-–—·•]+")
BRACKETED = re.compile(r"\([^()]{0,24}\)")
_JOINER = re.compile(r"^(?:และ|and\b)")  # `กระทรวง ก และกระทรวง ข`, `Ministry A, and Ministry B`
_M = TypeVar("_M", bound="_Span")


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


def enumerated(
    mentions: Sequence[_M], text: str, skip: Callable[[_M], bool], source: Callable[[_M], bool]
) -> tuple[set[str], set[int]]:
    """Codes of ministries enumerated together (`กระทรวง ก กระทรวง ข และ กรม ค`): the parties of an
    agreement or a task take part together. Not when the first is named as a source
    (`ตามระเบียบสำนักนายกรัฐมนตรีและกระทรวงการคลัง`, `ข้อมูลจากกรม ก กรม ข`): the ones after it
    are sources too, and their starts are returned with the codes. `skip`: mentions in a stretch
    that names ministries without their acting (passing.py), which take no part in a list."""
    listed: set[str] = set()
    sources: set[int] = set()
    previous: _M | None = None
    sourced = False  # the list so far started with a source
    for mention in mentions:
        if skip(mention):
            continue
        if previous is None or not _enumerated(text, previous.end, mention.start):
            sourced = False
        else:  # a new line starts a new phrase
            newline = "\n" in text[previous.end : mention.start]
            sourced = not newline and (sourced or source(previous))
            if previous.code != mention.code:
                if sourced:
                    sources.add(mention.start)
                else:
                    listed.update((previous.code, mention.code))
        previous = mention
    return listed, sources


def _enumerated(text: str, end: int, start: int) -> bool:
    gap = BRACKETED.sub("", text[end:start]).strip(" ,\xa0\n\t")
    return _JOINER.sub("", gap, count=1).strip(" ,") == "" and len(gap) <= 5
