"""Any news page (HTML) → Item, by main-text extraction (trafilatura): `parser = "article"`.

For official pages that are not laid out like thaigov's (a ministry's news, a feed entry's
page), and as the fallback when the thaigov selectors stop matching after a redesign. The text
goes through the same `clean_body_lines` as every page, so the banner (dates, พิมพ์, the title
repeated) is dropped the same way and Thai comes out whole (trafilatura does not split words).
"""

from __future__ import annotations

import datetime as dt

import trafilatura
from trafilatura.settings import Document

from watcher.core.config import SelectorSettings
from watcher.core.corpus import Item, clean_body_lines, source_id_from_url
from watcher.core.errors import ParseError
from watcher.core.thaidate import EPOCH, find_thai_date

__all__ = ["parse_article_page"]

_HEAD_LINES = 6  # how far down the page's opening lines a repeated title is looked for


def parse_article_page(html: str, url: str, selectors: SelectorSettings) -> Item | None:
    """The article on a page; ParseError when no main text can be found."""
    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True,
        favor_recall=True, deduplicate=False,
    )  # fmt: skip
    if not isinstance(document, Document) or not (document.text or "").strip():
        raise ParseError(f"{url}: no article text found on the page")
    title = (document.title or "").strip()
    prefix = selectors.page_title_prefix
    if prefix and title.startswith(prefix):
        title = title[len(prefix) :].strip()
    text = document.text or ""
    lines = [" ".join(line.split()) for line in text.split("\n") if line.strip()]
    if not title and lines:
        title, lines = lines[0], lines[1:]
    head_date, lines = _drop_head(lines, title)
    body_lines, published = clean_body_lines(lines, title)
    published = published or head_date
    published = (
        published or _metadata_date(document.date) or find_thai_date("\n".join(body_lines)[:400])
    )
    if published == EPOCH:
        return None
    if not title:
        raise ParseError(f"{url}: article without a title")
    categories = getattr(document, "categories", None) or []
    return Item(
        title=title,
        body="\n".join(body_lines),
        url=url,
        source_id=source_id_from_url(url),
        category=(categories[0] if categories else None),
        published=published.isoformat() if published else None,
    )


def _drop_head(lines: list[str], title: str) -> tuple[dt.date | None, list[str]]:
    """Lines before the title's repetition near the top (a category, a banner) are not body."""
    folded = " ".join(title.split())
    for index, line in enumerate(lines[:_HEAD_LINES]):
        if line == folded:
            return find_thai_date("\n".join(lines[:index])), lines[index + 1 :]
    return None, lines


def _metadata_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
    return day.replace(year=day.year - 543) if day.year > 2400 else day
