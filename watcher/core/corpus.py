"""Items in the corpus text format, their normalization and their content hash.

One format serves imports, exports and live pages, so an item imported from the corpus and the
same item fetched from the site normalize to the same text and dedupe by the same hash.
The corpus format (THAIGOV.md)::

    รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-{title}
    (blank line)
    {body lines: date line(s), พิมพ์, title repeated, paragraphs}
    (blank line)
    ที่มา : https://www.thaigov.go.th/news/contents/details/{id}
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from watcher.core.thaidate import EPOCH, find_thai_date, format_thai_date, parse_thai_date

__all__ = [
    "HEADER_PREFIX",
    "Item",
    "clean_body_lines",
    "content_hash",
    "format_corpus_text",
    "normalize_text",
    "parse_corpus_text",
    "rejection_reason",
    "source_id_from_url",
]

HEADER_PREFIX = "รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-"
SHORT_PREFIX = "รัฐบาลไทย-"
PRINT_BUTTON = "พิมพ์"
SOURCE_LABEL = "ที่มา : "

_SOURCE_LINE = re.compile(r"^ที่มา\s*:\s*(https?://\S+)\s*$")
# At most 12 digits (the site's ids have six): a longer number is no id of the site's, and
# past 2^63 it cannot even be stored (OverflowError aborted a whole import, issue 27).
_SOURCE_ID = re.compile(r"/news/contents/(?:ministry_)?details/(\d{1,12})(?!\d)")
_INVISIBLE = re.compile("[\ufeff\u200b\u200c\u200d\u2060\u00ad]")
_DATE_SCAN_CHARS = 400


@dataclass(frozen=True)
class Item:
    """A news item as the site publishes it, independent of where it was read."""

    title: str
    body: str
    url: str | None = None
    source_id: int | None = None
    category: str | None = None
    published: str | None = None  # ISO C.E. date

    @functools.cached_property
    def normalized(self) -> str:
        """normalize_text of the item, kept: the hash and near-duplicate detection both read it."""
        return normalize_text(self)

    @functools.cached_property
    def hash(self) -> str:
        return content_hash(self)


def source_id_from_url(url: str | None) -> int | None:
    if not url:
        return None
    match = _SOURCE_ID.search(url)
    return int(match.group(1)) if match else None


def _fold(text: str) -> str:
    """Every run of whitespace (Unicode's, NBSP included) becomes one space; ends trimmed."""
    return " ".join(text.split())


def clean_body_lines(lines: Iterable[str], title: str) -> tuple[list[str], dt.date | None]:
    """Drop the banner that opens a page body (date lines, พิมพ์, the repeated title).

    Returns the remaining paragraph lines and the banner date, if any. Shared by the corpus
    reader and the live page parser so both yield the same body and therefore the same hash.
    """
    stripped = [line.strip() for line in lines]
    published: dt.date | None = None
    folded_title = _fold(title)
    start = 0
    while start < len(stripped):
        line = stripped[start]
        date = parse_thai_date(line) if line else None
        if not line or line == PRINT_BUTTON:
            start += 1
        elif date is not None:
            published = published or date
            start += 1
        elif folded_title and _fold(line) == folded_title:
            start += 1
        else:
            break
    body = stripped[start:]
    while body and not body[-1]:
        body.pop()
    return body, published


def parse_corpus_text(text: str, *, category: str | None = None, url: str | None = None) -> Item:
    """Read one corpus file's text; never fails (a non-item comes out empty: rejection_reason)."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if lines:
        source = _SOURCE_LINE.match(lines[-1].strip())
        if source:
            url = source.group(1)
            lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    title = ""
    if lines:
        first = lines.pop(0).strip()
        if first.startswith(HEADER_PREFIX):
            title = first[len(HEADER_PREFIX) :].strip()
        elif first.startswith(SHORT_PREFIX):
            title = first[len(SHORT_PREFIX) :].strip()
        else:
            title = first
    body_lines, published = clean_body_lines(lines, title)
    if not body_lines and len(title) > LONG_LINE_CHARS:
        title, body_lines = first_sentence(title), [title]  # a whole text on one line
    body = "\n".join(body_lines)
    if published is None:
        published = find_thai_date(body[:_DATE_SCAN_CHARS])
    return Item(
        title=title,
        body=body,
        url=url,
        source_id=source_id_from_url(url),
        category=category,
        published=published.isoformat() if published else None,
    )


LONG_LINE_CHARS = 300  # a "title" this long with no body is a text written on one line


def first_sentence(text: str, *, shortest: int = 30, longest: int = 200) -> str:
    """The opening sentence of a text on one line: Thai ends a sentence with a space."""
    cut = text.find(" ", shortest, longest)
    if cut == -1:
        cut = text.rfind(" ", 0, longest)
    return text[: cut if cut > 0 else longest].strip()


def format_corpus_text(item: Item) -> str:
    """Write an item in the corpus format; parse_corpus_text(format_corpus_text(i)) == i."""
    parts = [HEADER_PREFIX + item.title, ""]
    if item.published:
        parts.append(format_thai_date(dt.date.fromisoformat(item.published)))
    parts.append(item.body)
    if item.url:
        parts += ["", SOURCE_LABEL + item.url]
    return "\n".join(parts) + "\n"


def normalize_text(item: Item) -> str:
    """The text the content hash is taken over (steps documented in the README)."""
    text = f"{item.title}\n{item.body}"
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    text = text.replace("\u0e4d\u0e32", "\u0e33")  # NIKHAHIT + SARA AA is SARA AM
    return _fold(text)


def content_hash(item: Item) -> str:
    return hashlib.sha256(item.normalized.encode("utf-8")).hexdigest()[:16]


def _has_text(text: str) -> bool:
    head = text[:200]
    return bool(head.strip()) and bool(_INVISIBLE.sub("", head).strip() or text[200:].strip())


MAX_BODY_CHARS = 2_000_000  # ~200× the corpus' average item; a longer body is no news item


def rejection_reason(item: Item) -> str | None:
    """Why an item is not news (the site's empty-item page, no title, no body), or None.

    These are pages the site itself left empty (or one too large to be an item): an import
    counts them as skipped, by reason, not as unreadable input.
    """
    if item.published == EPOCH.isoformat():
        return "unpublished page (dated 1 มกราคม 2513)"
    if not _has_text(item.title):
        return "empty title"
    if not _has_text(item.body):
        return "empty body (a title-only post)"
    if len(item.body) > MAX_BODY_CHARS:
        return f"body over {MAX_BODY_CHARS:,} characters"
    return None
