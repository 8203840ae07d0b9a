"""Where a body names ministries without their acting: attendance lists.

LABELING.md labels a ministry when it ACTS in the item. An attendance list (`โดยมี … เข้าร่วม`,
`attended by … were present`, [ministry_present] in roles.toml) names officials present at
someone else's event: deep in the body, the words around a ministry named there do not make it
act, nor does its place in an enumeration of parties (ranking.py). A list starts at an opener
and ends at a closing verb on the same line (none found: no list).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .wordtables import find_all

__all__ = ["Passing", "PassingReader"]

_SENTENCE_CHARS = 600


@dataclass(frozen=True)
class Passing:
    spans: list[tuple[int, int]]  # sorted, not overlapping

    def __bool__(self) -> bool:
        return bool(self.spans)

    def holds(self, start: int) -> bool:
        return any(a <= start < b for a, b in self.spans)


class PassingReader:
    def __init__(self, roles: dict[str, Any]) -> None:
        present = roles.get("ministry_present", {})
        self._present = _present_pattern(present)
        self._present_openers = tuple(present.get("list_openers", []))

    def spans(self, body: str, start: int) -> Passing:
        """The attendance lists that open at `start` or later."""
        return Passing(self.attendance(body, start))

    def attendance(self, body: str, start: int) -> list[tuple[int, int]]:
        """Each starts with an opener (โดยมี), so the pattern is tried only where one stands, as
        `finditer` from `start` would find them (leftmost first, never overlapping)."""
        spans: list[tuple[int, int]] = []
        if self._present is None:
            return spans
        end = -1
        for position in sorted(find_all(body, self._present_openers, start)):
            found = self._present.match(body, position) if position >= end else None
            if found is not None:
                spans.append(found.span())
                end = found.end()
        return spans


def _present_pattern(table: dict[str, Any]) -> re.Pattern[str] | None:
    openers, closers = table.get("list_openers", []), table.get("list_closers", [])
    if not openers or not closers:
        return None
    alternatives = "|".join(re.escape(word) for word in openers)
    ends = "|".join(re.escape(word) for word in closers)
    return re.compile(f"(?:{alternatives})[^\n]{{0,{_SENTENCE_CHARS}}}?(?:{ends})")
