"""Decide whether an item's bloc mentions show the bloc acting or only a region, a market or a name.

LABELING.md counts a bloc "as an actor or forum". The words around each mention say which:

- **forum**: a meeting, a chair, a framework or a member shortly before it
  (`การประชุมสุดยอดอาเซียน`, `ในกรอบ ADMM-Plus`) or right after it (`APEC chairmanship`,
  `ASEAN Summit`, `อาเซียน ครั้งที่ 40`): one such mention is enough ([bloc_forum] in
  roles.toml);
- **adjective**: the bloc names a region, a market or a programme (`ตลาดอาเซียน`,
  `ภูมิภาคอาเซียน`, `ฮับอาเซียน`, `ศูนย์กลาง...ของอาเซียน`, `ASEAN Digital Hub`, `The ASEAN
  Young Farm Leaders Training Program`), or is one more place in a list of countries (`ตลาดสำคัญ
  เช่น สหรัฐฯ จีน สหภาพยุโรป ญี่ปุ่น`): it does not count ([bloc_adjective]);
- anything else is a plain mention: the bloc counts when named in the title or at least
  `bloc_min_mentions` times.

A forum reading wins over an adjective one (`กลไกการแก้ปัญหาในระดับภูมิภาคอาเซียน`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

__all__ = ["BlocReader"]

_LIST_GAP = re.compile(r"[\s,]*(?:และ|and)?[\s,]*")
_NEAR = 6  # the most characters between two places of one list


class _Span(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def field(self) -> str: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


class BlocReader:
    def __init__(self, roles: dict[str, Any], min_mentions: float) -> None:
        forum = roles.get("bloc_forum", {})
        self._forum_before = _alternation(forum.get("before", []))
        after_words = forum.get("after", [])
        self._forum_after = (
            re.compile(rf"(?:['’]s)?[ \xa0\-–]*(?:{_words(after_words)})") if after_words else None
        )
        self._before_reach = int(forum.get("before_chars", 30))
        self._after_reach = int(forum.get("after_chars", 25))
        self._not_forum = _alternation(forum.get("not_before", []))
        adjective = roles.get("bloc_adjective", {})
        self._adjective_before = _suffix_pattern(adjective.get("before", []))
        self._hub = _alternation(adjective.get("hub_words", []))
        self._hub_reach = int(adjective.get("hub_chars", 40))
        names = "|".join(re.escape(w) for w in adjective.get("name_ends", []))
        self._name_end = (
            re.compile(rf"(?:[ \-–]+[A-Z][\w'’-]*){{0,6}} +(?:{names})\b") if names else None
        )
        self._min_mentions = min_mentions

    def acts(
        self, bloc: Sequence[_Span], countries: Sequence[_Span], title: str, body: str
    ) -> bool:
        """`bloc`: the bloc's mentions, title first; `countries`: the item's country mentions."""
        plain = 0
        for mention in bloc:
            text = title if mention.field == "title" else body
            if self._forum(mention, text):
                return True
            if self._adjective(mention, text, countries):
                continue
            if mention.field == "title":
                return True
            plain += 1
        return plain >= self._min_mentions

    def _forum(self, mention: _Span, text: str) -> bool:
        before = text[max(0, mention.start - self._before_reach) : mention.start]
        if self._not_forum:
            before = self._not_forum.sub(" ", before)
        after = text[mention.end : mention.end + self._after_reach]
        return bool(
            (self._forum_before and self._forum_before.search(before))
            or (self._forum_after and self._forum_after.match(after))
        )

    def _adjective(self, mention: _Span, text: str, countries: Sequence[_Span]) -> bool:
        before = text[max(0, mention.start - self._hub_reach) : mention.start]
        if self._adjective_before and self._adjective_before.search(before):
            return True
        if self._hub and self._hub.search(before) and before.rstrip().endswith(("ของ", "ใน", "of")):
            return True
        if self._name_end and self._name_end.match(text, mention.end):
            return True
        return _in_country_list(mention, text, countries)


def _in_country_list(mention: _Span, text: str, countries: Sequence[_Span]) -> bool:
    """`สหรัฐฯ จีน สหภาพยุโรป ญี่ปุ่น`: the bloc is one more place in a list of countries (a
    country on each side, or two on one side); `ล้านช้างแม่โขง ไทย-จีน` is no list."""
    same = [c for c in countries if c.field == mention.field]
    left = _neighbour(mention, same, text, -1)
    right = _neighbour(mention, same, text, 1)
    if left is not None and right is not None:
        return True
    if left is not None:
        return _neighbour(left, same, text, -1) is not None
    if right is not None:
        return _neighbour(right, same, text, 1) is not None
    return False


def _neighbour(span: _Span, countries: Sequence[_Span], text: str, side: int) -> _Span | None:
    """The country right before (side -1) or after (side 1) the span, only a list gap between."""
    for country in countries:
        if side < 0 and country.end <= span.start and span.start - country.end <= _NEAR:
            gap = text[country.end : span.start]
        elif side > 0 and span.end <= country.start and country.start - span.end <= _NEAR:
            gap = text[span.end : country.start]
        else:
            continue
        if _LIST_GAP.fullmatch(gap):
            return country
    return None


def _words(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _alternation(words: list[str]) -> re.Pattern[str] | None:
    return re.compile(_words(words)) if words else None


def _suffix_pattern(words: list[str]) -> re.Pattern[str] | None:
    """One of the words right before the mention (spaces allowed between)."""
    if not words:
        return None
    return re.compile(rf"(?:{_words(words)})[ \xa0]*$")
