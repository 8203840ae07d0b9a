"""Rows drawn as a boxed text table that measures Thai by the cells a terminal gives it.

A listing is the command people run most, and drawing its table with rich took a third of a
cold `watcher seen list` (importing rich, then laying out every segment): this draws the same
box in one pass. Thai vowels and tone marks sit above or below their consonant and take no cell
of their own, so widths are counted in display cells.

A word is never split when it need not be, piped or not: a line is broken at a space, or in
Thai (written without spaces) between two words of pythainlp's word list (read as a file, so
pythainlp itself is not imported), and a column is never narrower than its longest word. When
the terminal is too narrow for that, the table becomes one block per record (`field  value`
lines), and only a word wider than the whole line is cut, between grapheme clusters.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import re
import shutil
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from watcher.channels.render import is_cluster_boundary

__all__ = ["Column", "display_width", "render_table", "terminal_width"]

_ZERO_WIDTH = {"Mn", "Me", "Cf"}  # marks on the previous character, joiners, invisibles
_MIN_WIDTH = 6  # a column never shrinks below this (or its header) to fit the terminal
_CONTROLS = {code: " " for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if code != 0x0A}
_THAI_RUN = re.compile("[\u0e01-\u0e4e]+")
_MAX_THAI_WORD = 20  # characters: longer dictionary entries are compounds, left to wrap
_FOLLOWING = "\u0e30\u0e32\u0e33\u0e45\u0e2f\u0e46"  # ะ า ำ ๅ ฯ ๆ: never open a line
_LEADING = "\u0e40\u0e41\u0e42\u0e43\u0e44"  # เ แ โ ใ ไ: never end one
_MIN_THAI_WORD = 3  # the list's 2-letter syllables (โค, โร, นา) would cut names into pieces


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
    """The table as text, at most `width` cells wide where its unwrapped columns allow; one
    block per record when the columns cannot fit without splitting a word.

    Control characters in a cell (a tab, an escape sequence in a subscriber's name) are shown
    as spaces: they would break the frame, or drive the terminal."""
    rows = [[cell.translate(_CONTROLS) for cell in row] for row in rows]
    widths = _fit(columns, rows, width)
    if widths is None:
        return _render_blocks(columns, rows, width)
    lines = [_rule("┏", "━", "┳", "┓", widths)]
    lines += _cells_lines([c.header for c in columns], widths, "┃")
    lines.append(_rule("┡", "━", "╇", "┩", widths))
    for row in rows:
        lines += _cells_lines(row, widths, "│")
    lines.append(_rule("└", "─", "┴", "┘", widths))
    return "\n".join(lines) + "\n"


def _fit(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[int] | None:
    """Each column's natural width, capped, then the widest wrapped ones narrowed to fit, never
    below their longest word or their header: None when even that does not fit (the caller
    draws blocks instead). A capped column (a title) counts half, so it keeps about twice the
    width of a label list."""
    widths = []
    for index, column in enumerate(columns):
        natural = max([display_width(column.header), *(_longest_line(r[index]) for r in rows)])
        if column.max_width is not None and column.wrap:
            natural = min(natural, column.max_width)
        widths.append(max(natural, 1))
    floors = [
        widths[i]
        if not c.wrap
        else min(widths[i], max(display_width(c.header), _longest_word(r[i] for r in rows)))
        for i, c in enumerate(columns)
    ]
    excess = sum(widths) + 3 * len(widths) + 1 - width  # each cell has a space either side
    while excess > 0:
        shrinkable = [i for i in range(len(widths)) if widths[i] > floors[i]]
        if not shrinkable:
            return None
        widest = max(shrinkable, key=lambda i: widths[i] / (2 if columns[i].max_width else 1))
        widths[widest] -= 1
        excess -= 1
    return widths


def _render_blocks(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> str:
    """One block per record, `header  value` lines, for a terminal too narrow for the table."""
    label = max(display_width(c.header) for c in columns)
    room = max(width - label - 2, 10)
    blocks = []
    for row in rows:
        lines = []
        for column, cell in zip(columns, row, strict=True):
            wrapped = _wrap(cell, room) or [""]
            lines.append(column.header.ljust(label) + "  " + wrapped[0])
            lines += [" " * (label + 2) + more for more in wrapped[1:]]
        blocks.append("\n".join(line.rstrip() for line in lines))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _longest_word(texts: Iterable[str]) -> int:
    """The widest unbreakable unit in `texts`. Chunks are cut into words widest first, and no
    narrower chunk can hold a wider word: a column of Thai snippets segments a few chunks, not
    every one (segmenting all of them was most of a cold search's table)."""
    chunks = {chunk for text in texts for chunk in text.split()}
    best = 0
    for width, chunk in sorted(((display_width(c), c) for c in chunks), reverse=True):
        if width <= best:
            break
        best = max(best, max((display_width(word) for word in _words(chunk)), default=0))
    return best


def _words(text: str) -> list[str]:
    """The units a line may not be broken inside: space-separated words, Thai runs cut into
    dictionary words."""
    words = []
    for chunk in text.split():
        cuts = sorted(_thai_breaks(chunk) | {0, len(chunk)})
        words += [chunk[a:b] for a, b in itertools.pairwise(cuts)]
    return words


@functools.lru_cache(maxsize=4096)
def _thai_breaks(text: str) -> frozenset[int]:
    """Offsets in `text` between two Thai words, or between a Thai run and what is around it;
    none inside a grapheme cluster."""
    if text.isascii():
        return frozenset()
    breaks: set[int] = set()
    for run in _THAI_RUN.finditer(text):
        breaks |= {run.start(), run.end()}
        breaks |= {run.start() + cut for cut in _segment(run.group())}
    return frozenset(b for b in breaks if 0 < b < len(text) and is_cluster_boundary(text, b))


def _segment(run: str) -> list[int]:
    """Word ends in a Thai run: the segmentation with the fewest characters outside the word
    list, then the fewest words (maximal matching). A stretch outside the list (a name, a
    transliteration) stays one unit."""
    words = _thai_words()
    n = len(run)
    starts = [i for i in range(n) if i == 0 or _may_break(run, i)]
    ends = {*starts[1:], n}
    # best[end]: (characters outside the list, words, where the last word starts: -1 - start
    # when it is a stretch outside the list)
    best: dict[int, tuple[int, int, int]] = {0: (0, 0, 0)}
    for start in starts:
        if start not in best:
            continue
        unknown, count, last = best[start]
        for end in range(start + 1, min(n, start + _MAX_THAI_WORD) + 1):
            if end not in ends:
                continue
            if end - start >= _MIN_THAI_WORD and run[start:end] in words:
                candidate = (unknown, count + 1, start)
            elif last >= 0 or start == 0:  # two stretches outside the list in a row are one
                candidate = (unknown + end - start, count + 1, -1 - start)
            else:
                continue
            if end not in best or candidate[:2] < best[end][:2]:
                best[end] = candidate
    cuts, end = [], n
    while end > 0:
        cuts.append(end)
        start = best[end][2]
        end = start if start >= 0 else -1 - start
    return sorted(cuts)[:-1]


def _may_break(run: str, index: int) -> bool:
    """Not inside a cluster, not before a following vowel or ฯ ๆ, not after a leading vowel."""
    return (
        is_cluster_boundary(run, index)
        and run[index] not in _FOLLOWING
        and run[index - 1] not in _LEADING
    )


@functools.cache
def _thai_words() -> frozenset[str]:
    """pythainlp's Thai word list, read as a file: importing pythainlp would cost a listing its
    cold start (reading the file costs about 30 ms). Empty without pythainlp: Thai then wraps
    between clusters."""
    spec = importlib.util.find_spec("pythainlp")
    if spec is None or spec.origin is None:
        return frozenset()
    try:
        text = (Path(spec.origin).parent / "corpus" / "words_th.txt").read_text(encoding="utf-8")
    except OSError:
        return frozenset()
    return frozenset(text.split())  # lengths are bounded where words are looked up


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
    """Lines of at most `width` cells, broken at the last space or Thai word boundary that fits,
    else between clusters; a line that cannot fit (one wide cluster) is kept rather than lost."""
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
            space = rest.rfind(" ", start + 1, end + 1)
            word = _last_word_break(rest, max(space + 1, start), start, end)
            if max(space, word) > start:
                cut = max(space, word)
            lines.append(rest[start:cut].rstrip())
            start = cut
            while start < len(rest) and rest[start].isspace():
                start += 1
    return lines


def _last_word_break(text: str, chunk_start: int, start: int, end: int) -> int:
    """The last Thai word boundary in (start, end] of the space-free chunk that the line's end
    falls in, or -1: only the chunk being cut is segmented, not the whole cell."""
    chunk_end = text.find(" ", end)
    chunk = text[chunk_start : len(text) if chunk_end == -1 else chunk_end]
    found = (chunk_start + b for b in _thai_breaks(chunk))
    return max((b for b in found if start < b <= end), default=-1)


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
