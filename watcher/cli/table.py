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

import bisect
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
# A Thai word may end before a character that is no mark, no following vowel (ะ า ำ ๅ) nor
# ฯ ๆ, and not after a leading vowel (เ แ โ ใ ไ).
_MAY_BREAK = re.compile("(?<![\u0e40-\u0e44])(?=[^\u0e2f\u0e30-\u0e3a\u0e45-\u0e4e])")
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
    excess = sum(widths) + 3 * len(widths) + 1 - width  # each cell has a space either side
    if excess <= 0:  # it fits: no need to know the longest words (Thai needs segmenting)
        return widths
    room = width - 3 * len(widths) - 1
    # At least the header and the widest unit that needs no segmenting; then, column by
    # column, the longest word, sought only as far as the room left could hold it.
    floors = [
        widths[i]
        if not c.wrap
        else min(widths[i], max(display_width(c.header), _widest_unsegmented(r[i] for r in rows)))
        for i, c in enumerate(columns)
    ]
    for i, column in enumerate(columns):
        if sum(floors) > room:
            return None
        if column.wrap and floors[i] < widths[i]:
            cap = room - sum(floors) + floors[i]
            floors[i] = min(widths[i], max(floors[i], _longest_word((r[i] for r in rows), cap)))
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


def _longest_word(texts: Iterable[str], cap: int) -> int:
    """The widest unbreakable unit in `texts`, or a width over `cap` once one is found. Chunks
    are cut into words widest first, and no narrower chunk can hold a wider word: a column of
    Thai snippets segments a few chunks, not every one (segmenting all of them was most of a
    cold search's table)."""
    chunks = {chunk for text in texts for chunk in text.split()}
    best = 0
    for width, chunk in sorted(((display_width(c), c) for c in chunks), reverse=True):
        if width <= best or best > cap:
            break
        best = max(best, max((display_width(word) for word in _words(chunk)), default=0))
    return best


def _widest_unsegmented(texts: Iterable[str]) -> int:
    """The widest stretch between spaces and Thai runs: each lies inside one unbreakable unit,
    so this is a floor for the longest word found without segmenting any Thai."""
    return max(
        (
            display_width(piece)
            for text in texts
            for stretch in _THAI_RUN.split(text)
            for piece in stretch.split()
        ),
        default=0,
    )


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
    list, then the fewest units (maximal matching). A stretch outside the list (a name, a
    transliteration) is one unit, however long. `run`: Thai letters only (_THAI_RUN)."""
    words = _word_list()
    encoded = run.encode()  # each of its letters (U+0E01-U+0E4E) three bytes in UTF-8
    spots = [0, *(m.start() for m in _MAY_BREAK.finditer(run, 1)), len(run)]
    last = len(spots) - 1
    # A way's cost: characters outside the list times `scale`, plus units (so fewer outside
    # comes first). Per spot, the cheapest way to reach it ending with a listed word, and
    # ending inside a stretch outside the list, and the spot each came from (-1 - k for a
    # spot k reached inside a stretch).
    scale = len(run) + 1
    never = scale * scale
    by_word, by_stretch = [never] * len(spots), [never] * len(spots)
    word_from, stretch_from = [0] * len(spots), [0] * len(spots)
    by_word[0] = 0
    for k in range(last):
        start, word, stretch = spots[k], by_word[k], by_stretch[k]
        best, origin = (stretch, -1 - k) if stretch < word else (word, k)
        for j in range(k + 1, last + 1):
            length = spots[j] - start
            if length > _MAX_THAI_WORD:
                break
            if length < _MIN_THAI_WORD or best + 1 >= by_word[j]:
                continue
            if encoded[3 * start : 3 * spots[j]] in words:
                by_word[j], word_from[j] = best + 1, origin
        step = (spots[k + 1] - start) * scale
        if word + step + 1 < by_stretch[k + 1]:  # a stretch begins
            by_stretch[k + 1], stretch_from[k + 1] = word + step + 1, k
        if stretch + step < by_stretch[k + 1]:  # it grows
            by_stretch[k + 1], stretch_from[k + 1] = stretch + step, -1 - k
    cuts, k = [], last
    in_stretch, inside = by_stretch[k] < by_word[k], False
    while k > 0:
        origin = stretch_from[k] if in_stretch else word_from[k]
        if not inside:  # a spot a stretch runs through is no cut
            cuts.append(spots[k])
        inside = in_stretch and origin < 0
        in_stretch, k = origin < 0, (-1 - origin if origin < 0 else origin)
    return cuts[:0:-1]


@functools.cache
def _word_list() -> frozenset[bytes]:
    """pythainlp's Thai word list as the file's UTF-8 lines: importing pythainlp would cost a
    listing its cold start, and decoding 62,000 words into strings about 15 ms more than the
    bytes (a ~20 ms read). Empty without pythainlp: Thai then wraps between clusters."""
    return frozenset(_read_word_file().splitlines())


def _read_word_file() -> bytes:
    spec = importlib.util.find_spec("pythainlp")
    if spec is None or spec.origin is None:
        return b""
    try:
        return (Path(spec.origin).parent / "corpus" / "words_th.txt").read_bytes()
    except OSError:  # no list: Thai wraps between clusters
        return b""


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
        # reach[i]: the cells of rest[:i]; a line from `start` ends before the first character
        # that would take it past `width`
        reach = list(itertools.accumulate(map(_char_width, rest), initial=0))
        start = 0
        while True:
            end = bisect.bisect_right(reach, reach[start] + width, lo=start) - 1
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
