"""Rows drawn as a boxed text table that measures Thai by the cells a terminal gives it.

A listing is the command people run most, and drawing its table with rich took a third of a
cold `watcher seen list` (importing rich, then laying out every segment): this draws the same
box in one pass. Thai vowels and tone marks sit above or below their consonant and take no cell
of their own, so widths are counted in display cells, and a line is broken at a space or else
between grapheme clusters, never between a consonant and its marks.
"""

from __future__ import annotations

import functools
import shutil
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from watcher.channels.render import is_cluster_boundary

__all__ = ["Column", "display_width", "render_table", "terminal_width"]

_ZERO_WIDTH = {"Mn", "Me", "Cf"}  # marks on the previous character, joiners, invisibles
_MIN_WIDTH = 6  # a column never shrinks below this (or its header) to fit the terminal
_CONTROLS = {code: " " for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if code != 0x0A}
_WORD_WIDTH = 14  # words up to this wide are kept whole while narrowing a column allows it


@dataclass(frozen=True)
class Column:
    header: str
    wrap: bool = True  # False: kept whole on one line (hashes, dates)
    max_width: int | None = None  # a capped column is the one people read: it narrows last


def display_width(text: str) -> int:
    """Terminal cells `text` takes: marks and joiners none, East Asian wide characters two."""
    return len(text) if text.isascii() else sum(map(_char_width, text))


@functools.cache
def _char_width(char: str) -> int:
    if unicodedata.category(char) in _ZERO_WIDTH:
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def terminal_width(default: int = 80) -> int:
    """The terminal's width, or $COLUMNS, or `default` when the output is not a terminal."""
    return shutil.get_terminal_size((default, 24)).columns


def render_table(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> str:
    """The table as text, at most `width` cells wide where its unwrapped columns allow.

    Control characters in a cell (a tab, an escape sequence in a subscriber's name) are shown
    as spaces: they would break the frame, or drive the terminal."""
    rows = [[cell.translate(_CONTROLS) for cell in row] for row in rows]
    widths = _fit(columns, rows, width)
    lines = [_rule("┏", "━", "┳", "┓", widths)]
    lines += _cells_lines([c.header for c in columns], widths, "┃")
    lines.append(_rule("┡", "━", "╇", "┩", widths))
    for row in rows:
        lines += _cells_lines(row, widths, "│")
    lines.append(_rule("└", "─", "┴", "┘", widths))
    return "\n".join(lines) + "\n"


def _fit(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[int]:
    """Each column's natural width, capped, then the widest wrapped ones narrowed to fit: first
    no narrower than their longest word (up to `_WORD_WIDTH`), so words stay whole, then, if
    the table still does not fit, down to their header. A capped column (a title) counts
    half, so it keeps about twice the width of a label list."""
    widths = []
    for index, column in enumerate(columns):
        natural = max([display_width(column.header), *(_longest_line(r[index]) for r in rows)])
        if column.max_width is not None and column.wrap:
            natural = min(natural, column.max_width)
        widths.append(max(natural, 1))
    headers = [
        widths[i] if not c.wrap else min(widths[i], max(_MIN_WIDTH, display_width(c.header)))
        for i, c in enumerate(columns)
    ]
    words = [
        max(headers[i], min(widths[i], _WORD_WIDTH, max(_longest_word(r[i]) for r in rows)))
        if rows
        else headers[i]
        for i in range(len(columns))
    ]
    excess = sum(widths) + 3 * len(widths) + 1 - width  # each cell has a space either side
    for floors in (words, headers):
        while excess > 0:
            shrinkable = [i for i in range(len(widths)) if widths[i] > floors[i]]
            if not shrinkable:
                break
            widest = max(shrinkable, key=lambda i: widths[i] / (2 if columns[i].max_width else 1))
            widths[widest] -= 1
            excess -= 1
    return widths


def _longest_word(text: str) -> int:
    return max((display_width(word) for word in text.split()), default=0)


def _longest_line(text: str) -> int:
    return max((display_width(line) for line in text.split("\n")), default=0)


def _rule(left: str, line: str, joint: str, right: str, widths: Sequence[int]) -> str:
    return left + joint.join(line * (w + 2) for w in widths) + right


def _cells_lines(cells: Sequence[str], widths: Sequence[int], edge: str) -> list[str]:
    wrapped = [_wrap(cell, width) for cell, width in zip(cells, widths, strict=True)]
    height = max(len(lines) for lines in wrapped)
    out = []
    for index in range(height):
        parts = []
        for lines, width in zip(wrapped, widths, strict=True):
            text = lines[index] if index < len(lines) else ""
            parts.append(" " + text + " " * (width - display_width(text)) + " ")
        out.append(edge + edge.join(parts) + edge)
    return out


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` cells, broken at the last space that fits, else between
    clusters; a line that cannot fit (one wide cluster) is kept rather than lost."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        rest = paragraph.strip()
        cells = [1] * len(rest) if rest.isascii() else list(map(_char_width, rest))
        start = 0
        while True:
            end, used = start, 0
            while end < len(rest) and used + cells[end] <= width:
                used += cells[end]
                end += 1
            if end == len(rest):
                lines.append(rest[start:])
                break
            cut = _cluster_cut(rest, start, end)
            space = rest.rfind(" ", start + 1, cut + 1)
            if space > start:
                cut = space
            lines.append(rest[start:cut].rstrip())
            start = cut
            while start < len(rest) and rest[start].isspace():
                start += 1
    return lines


def _cluster_cut(text: str, start: int, end: int) -> int:
    """The last cluster boundary in (start, end], or, when a single cluster is wider than the
    line, the end of that cluster: wrapping always moves on."""
    cut = end
    while cut > start and not is_cluster_boundary(text, cut):
        cut -= 1
    if cut > start:
        return cut
    cut = start + 1
    while cut < len(text) and not is_cluster_boundary(text, cut):
        cut += 1
    return cut
