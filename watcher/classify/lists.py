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
_GAP_REACH = 64  # past this, two names hold more than two bracketed abbreviations between them


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
    mentions: Sequence[_M],
    text: str,
    skip: Callable[[_M], bool] | None,
    source: Callable[[_M], bool],
) -> tuple[set[str], set[int]]:
    """Codes of ministries enumerated together (`กระทรวง ก กระทรวง ข และ กรม ค`): the parties of an
    agreement or a task take part together. Not when the first is named as a source
    (`ตามระเบียบสำนักนายกรัฐมนตรีและกระทรวงการคลัง`, `ข้อมูลจากกรม ก กรม ข`): the ones after it
    are sources too, and their starts are returned with the codes. `skip`: mentions in a stretch
    that names ministries without their acting (passing.py), which take no part in a list."""
    listed: set[str] = set()
    sources: set[int] = set()
    kept = [m for m in mentions if not skip(m)] if skip is not None else mentions
    run = 0  # where the run of the previous mention's code starts in `kept`
    for index in range(1, len(kept)):
        previous, mention = kept[index - 1], kept[index]
        if previous.code == mention.code:
            continue
        if _enumerated(text, previous.end, mention.start):
            if "\n" not in text[previous.end : mention.start] and _sourced(
                kept, run, index - 1, text, sources, source
            ):
                sources.add(mention.start)
            else:
                listed.update((previous.code, mention.code))
        run = index
    return listed, sources


def _sourced(
    kept: Sequence[_M],
    run: int,
    last: int,
    text: str,
    sources: set[int],
    source: Callable[[_M], bool],
) -> bool:
    """The list reaching kept[last] started with a source: it is one, or a mention of the same
    code (kept[run:last]) enumerated right before it on the same line is (`ข้อมูลจาก
    กรมควบคุมโรค กระทรวงสาธารณสุข และ…`). A new line starts a new phrase."""
    mention = kept[last]
    if mention.start in sources or source(mention):
        return True
    for index in range(last - 1, run - 1, -1):
        before, after = kept[index], kept[index + 1]
        if "\n" in text[before.end : after.start] or not _enumerated(text, before.end, after.start):
            return False
        if before.start in sources or source(before):
            return True
    return False


def _enumerated(text: str, end: int, start: int) -> bool:
    if start - end > _GAP_REACH:
        return False
    gap = BRACKETED.sub("", text[end:start]).strip(" ,\xa0\n\t")
    return _JOINER.sub("", gap, count=1).strip(" ,") == "" and len(gap) <= 5
