"""Where a body names ministries without their acting: attendance lists, lists of examples,
the rumours a fake-news report debunks.

LABELING.md labels a ministry when it ACTS in the item. Three kinds of stretch name offices that
do not (roles.toml [ministry_present], [ministry_examples], [ministry_rumours]):

- an **attendance list** (`โดยมี … เข้าร่วม`, `attended by … were present`) names officials
  present at someone else's event: deep in the body, the words around a ministry named there do
  not make it act, nor does its place in an enumeration of parties (ranking.py). A list starts at
  an opener and ends at a closing verb on the same line (none found: no list);
- a **list of examples** (`รัฐวิสาหกิจหลายแห่ง … เช่น บริษัท ปตท. การไฟฟ้าส่วนภูมิภาค …`, `อาทิ
  โครงการ … ของ รฟม.`, `such as …`) names state enterprises to illustrate what the item says of a
  group: an enterprise named there counts neither towards its ministry's mention count nor as a
  party of an enumeration (the words around it still count). A list runs from an opener to the
  end of its clause or the next opener; one that names who takes part (`ร่วมกับภาคีเครือข่าย อาทิ`,
  `หน่วยงานพันธมิตร เช่น`) is not a list of examples;
- a **rumour's headline** in a fake-news report (`อันดับที่ 3 : เรื่อง ปปง. เปิดช่องทาง…`): an office
  named there is what the rumour claims, not an actor; it counts neither towards the mention count
  nor as a party, and the words around it do not make it act. The office that checked the facts
  is named after the headline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from .wordtables import find_all, merge_spans

__all__ = ["Passing", "PassingReader"]

_SENTENCE_CHARS = 600
_HEADLINE = r'(?:“[^”\n]*”|"[^"\n]*"|[^\n]*)'  # quoted, or to the line's end
_CLAUSE_END = r"\n|(?<=[A-Za-z])\.\s"  # a line's end, an English sentence's (not `ปตท. `)


class _Named(Protocol):
    @property
    def role(self) -> str: ...

    @property
    def field(self) -> str: ...

    @property
    def start(self) -> int: ...


_M = TypeVar("_M", bound=_Named)


@dataclass(frozen=True)
class Passing:
    spans: list[tuple[int, int]]  # attendance lists, sorted, not overlapping
    examples: list[tuple[int, int]] = field(default_factory=list)  # lists of examples
    example_roles: frozenset[str] = frozenset()  # the gazetteer roles an example list holds
    rumours: list[tuple[int, int]] = field(default_factory=list)  # fake news' headlines

    def __bool__(self) -> bool:
        return bool(self.spans or self.examples or self.rumours)

    def holds(self, start: int, role: str) -> bool:
        return self.attending(start) or self.example(start, role)

    def attending(self, start: int) -> bool:
        """In an attendance list or a rumour's headline: the words around say nothing."""
        return _within(self.spans, start) or _within(self.rumours, start)

    def rumour(self, start: int) -> bool:
        return _within(self.rumours, start)

    def example(self, start: int, role: str) -> bool:
        return role in self.example_roles and _within(self.examples, start)

    def counted(self, mentions: list[_M]) -> list[_M]:
        """The mentions that count towards a ministry's mention count: not the examples, not
        the rumours."""
        if not self.examples and not self.rumours:
            return mentions
        return [
            m for m in mentions if not self.example(m.start, m.role) and not self.rumour(m.start)
        ]


_NOTHING = Passing([])


class PassingReader:
    def __init__(self, roles: dict[str, Any]) -> None:
        present = roles.get("ministry_present", {})
        self._present = _present_pattern(present)
        self._present_openers = tuple(present.get("list_openers", []))
        self._present_closers = tuple(present.get("list_closers", []))
        examples = roles.get("ministry_examples", {})
        self._example_openers = sorted(examples.get("openers", []), key=len, reverse=True)
        self._longest_opener = max(map(len, self._example_openers), default=0)
        ends = "|".join(re.escape(w) for w in examples.get("ends", []))
        self._example_end = re.compile(rf"{_CLAUSE_END}|{ends}" if ends else _CLAUSE_END)
        self._not_opening = tuple(examples.get("not_after", []))
        self._example_reach = int(examples.get("reach", 400))
        self._participants = tuple(examples.get("participants", []))
        self._participants_reach = int(examples.get("participants_reach", 60))
        self.example_roles = frozenset(examples.get("roles", []))
        rumours = roles.get("ministry_rumours", {})
        self._rumour_context = tuple(rumours.get("context", []))
        ranks = "|".join(re.escape(w) for w in rumours.get("rank_words", []))
        topic = "|".join(re.escape(w) for w in rumours.get("topic_words", []))
        self._rumour = (
            re.compile(
                rf"(?:(?:{ranks})\s*\d+\s*:?\s*|^[ \t]*\d+\.\s*)(?:{topic})[ \t]*{_HEADLINE}", re.M
            )
            if ranks and topic
            else None
        )

    def spans(self, body: str, lead_start: int, lead_chars: float, mentions: list[_M]) -> Passing:
        """Where the body's ministry `mentions` may stand without acting: the attendance lists
        that open after the lead, the rumours' headlines, and the lists of examples that open
        from the lead on (looked for only if a mention is of one of `example_roles`)."""
        if not mentions:
            return _NOTHING
        roles = self.example_roles
        near = [m.start for m in mentions if m.role in roles] if roles else []
        found = self.examples(body, lead_start, near) if near else []
        rumours = self.rumours(body)
        return Passing(self.attendance(body, lead_start + int(lead_chars)), found, roles, rumours)

    def rumours(self, body: str) -> list[tuple[int, int]]:
        """In a fake-news report (one of the context words in the body), each ranked or numbered
        headline (`อันดับที่ 3 : เรื่อง ปปง. เปิดช่องทาง…`, `2. เรื่อง …`): to its closing quote
        if quoted (the facts checked follow it), else to its line's end."""
        if self._rumour is None or not any(w in body for w in self._rumour_context):
            return []
        return [found.span() for found in self._rumour.finditer(body)]

    def attendance(self, body: str, start: int) -> list[tuple[int, int]]:
        """Each starts with an opener (โดยมี), so the pattern is tried only where one stands, as
        `finditer` from `start` would find them (leftmost first, never overlapping)."""
        spans: list[tuple[int, int]] = []
        if self._present is None:
            return spans
        end = -1
        for position in sorted(find_all(body, self._present_openers, start)):
            found = self._attendance_at(body, position) if position >= end else None
            if found is not None:
                spans.append(found)
                end = found[1]
        return spans

    def _attendance_at(self, body: str, position: int) -> tuple[int, int] | None:
        """What `_present.match(body, position)` spans, found with `str.find`: after the opener,
        the nearest closer starting on the same line within _SENTENCE_CHARS (the first listed
        of those starting there). The regex tried every closer at every character of the line."""
        for opener in self._present_openers:
            if not body.startswith(opener, position):
                continue
            after = position + len(opener)
            line_end = body.find("\n", after)
            limit = min(after + _SENTENCE_CHARS, len(body) if line_end < 0 else line_end)
            closing: tuple[int, int] | None = None
            for closer in self._present_closers:
                at = body.find(closer, after, limit + len(closer))
                if at >= 0 and (closing is None or at < closing[0]):
                    closing = (at, at + len(closer))
            if closing is not None:
                return position, closing[1]
        return None

    def examples(
        self, body: str, start: int, near: list[int] | None = None
    ) -> list[tuple[int, int]]:
        """From each opener (เช่น, อาทิ, such as) to the end of its clause or the next opener.

        With `near` (the starts of the mentions asked about), openers are looked for only where
        a list that reaches one of them can open: the spans found hold the same mentions."""
        if near is None:
            found = find_all(body, self._example_openers, start)
        else:
            reach = self._example_reach + self._longest_opener
            windows = merge_spans((max(start, p - reach), p) for p in sorted(near))
            found = set().union(
                *(find_all(body, self._example_openers, low, high) for low, high in windows)
            )
        openers: list[tuple[int, int]] = []  # (where, where its list starts)
        for position in sorted(found):
            if openers and position < openers[-1][1]:
                continue  # `เช่น` in `ตัวอย่างเช่น`
            opener = next(w for w in self._example_openers if body.startswith(w, position))
            after = position + len(opener)
            if self._not_opening and body.startswith(self._not_opening, after):
                continue  # `เช่นเดียวกัน`, `เช่นนี้`: no list follows
            openers.append((position, after))
        spans: list[tuple[int, int]] = []
        for index, (position, after) in enumerate(openers):
            if self._lists_participants(body, position):
                continue
            limit = min(len(body), after + self._example_reach)
            if index + 1 < len(openers):
                limit = min(limit, openers[index + 1][0])
            closing = self._example_end.search(body, after, limit)
            spans.append((position, closing.start() if closing else limit))
        return spans

    def _lists_participants(self, body: str, position: int) -> bool:
        """`ร่วมกับภาคีเครือข่าย อาทิ …`, `หน่วยงานพันธมิตร เช่น …`: the list names who takes part."""
        line_start = body.rfind("\n", 0, position) + 1
        before = body[max(line_start, position - self._participants_reach) : position]
        return any(word in before for word in self._participants)


def _within(spans: list[tuple[int, int]], start: int) -> bool:
    for low, high in spans:  # noqa: SIM110 (a loop: no generator made per call, on a hot path)
        if low <= start < high:
            return True
    return False


def _present_pattern(table: dict[str, Any]) -> re.Pattern[str] | None:
    openers, closers = table.get("list_openers", []), table.get("list_closers", [])
    if not openers or not closers:
        return None
    alternatives = "|".join(re.escape(word) for word in openers)
    ends = "|".join(re.escape(word) for word in closers)
    return re.compile(f"(?:{alternatives})[^\n]{{0,{_SENTENCE_CHARS}}}?(?:{ends})")
