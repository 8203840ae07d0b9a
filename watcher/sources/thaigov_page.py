"""A thaigov.go.th news item page (HTML) → Item, with the selectors of config [selectors].

The body goes through `corpus.clean_body_lines`, the same banner-dropping the corpus reader uses,
so an item imported from the corpus and the same item fetched live have the same text and hash.
Three outcomes, kept apart on purpose: an Item; None for the site's empty-item page (200 with an
empty title, dated 1 มกราคม 2513), which is "no item here"; SelectorsStale when the page is not
laid out as the selectors expect (a selector matches nothing): a source health problem, never
"no news" (sources/pages.py then reads the item with the article extractor).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from bs4 import BeautifulSoup, NavigableString, PageElement, Tag

from watcher.core.config import SelectorSettings
from watcher.core.corpus import Item, clean_body_lines, source_id_from_url
from watcher.core.errors import ParseError, SelectorsStale
from watcher.core.thaidate import EPOCH, find_thai_date

__all__ = ["page_lines", "parse_item_page"]

_BLOCKS = (
    "p", "div", "li", "ul", "ol", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "section", "article", "header", "footer", "pre",
)  # fmt: skip
_DATE_SCAN_CHARS = 400
_END_SCAN_CHARS = 4096


def parse_item_page(html: str, url: str, selectors: SelectorSettings) -> Item | None:
    """The item on a page, None for the empty-item page; ParseError for a page of another shape."""
    end = selectors.page_end.lower()
    if end and end not in html[-_END_SCAN_CHARS:].lower():
        raise ParseError(f"{url}: page ends before {selectors.page_end} (cut short?)")
    soup = BeautifulSoup(html, "lxml")
    page_title = _page_title(soup, selectors.page_title_prefix)
    title_node = soup.select_one(selectors.title)
    body_node = soup.select_one(selectors.body)
    if page_title == "" and (title_node is None or not _text(title_node)):
        return None
    missing = [
        f"{name} selector {selector!r}"
        for name, selector, node in (
            ("title", selectors.title, title_node),
            ("body", selectors.body, body_node),
        )
        if node is None
    ]
    if missing or title_node is None or body_node is None:
        raise SelectorsStale(f"{url}: {' and '.join(missing)} matched nothing")
    title = _text(title_node) or (page_title or "")
    lines = page_lines(body_node)
    body_lines, published = clean_body_lines(lines, title)
    published = published or _banner_date(soup, selectors) or _scan_date(body_lines)
    if published == EPOCH:
        return None
    if not title:
        raise ParseError(f"{url}: item page with an empty title block")
    category_node = soup.select_one(selectors.category) if selectors.category else None
    return Item(
        title=title,
        body="\n".join(body_lines),
        url=url,
        source_id=source_id_from_url(url),
        category=(_text(category_node) or None) if category_node else None,
        published=published.isoformat() if published else None,
    )


def page_lines(node: Tag) -> list[str]:
    """The text of `node` one block (paragraph, line break) per line, blank lines dropped.

    One walk over the tree, which it leaves as it is: a line break wherever a <br> or a block's
    start or end is, and the strings get_text would take. Linear in the page: marking the
    breaks in the tree (insert_before, replace_with) costs the siblings' count for each mark,
    minutes on a body of 49,000 paragraphs.
    """
    wanted = node.interesting_string_types or Tag.MAIN_CONTENT_STRING_TYPES
    pieces: list[str] = []
    stack: list[tuple[Iterator[PageElement], bool]] = [(iter(node.contents), False)]
    while stack:
        children, block = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if block:
                pieces.append("\n")
        elif isinstance(child, Tag):
            if child.name == "br":
                pieces.append("\n")
                continue
            is_block = child.name in _BLOCKS
            if is_block:
                pieces.append("\n")
            stack.append((iter(child.contents), is_block))
        elif isinstance(child, NavigableString) and _interesting(type(child), wanted):
            pieces.append(str(child))
    text = "".join(pieces).replace("\xa0", " ")
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def _interesting(kind: type, wanted: type | Iterable[type]) -> bool:
    """The string types get_text takes (bs4's own rule: the exact type, no subclass)."""
    return kind is wanted if isinstance(wanted, type) else kind in wanted


def _text(node: Tag | None) -> str:
    return " ".join(node.get_text(" ").split()) if node is not None else ""


def _page_title(soup: BeautifulSoup, prefix: str) -> str | None:
    """The title in <title> after the site prefix; None when <title> is not the site's."""
    node = soup.find("title")
    if node is None:
        return None
    text = " ".join(node.get_text(" ").split())
    folded_prefix = " ".join(prefix.split())
    if not text.startswith(folded_prefix):
        return None
    return text[len(folded_prefix) :].strip()


def _banner_date(soup: BeautifulSoup, selectors: SelectorSettings) -> dt.date | None:
    if not selectors.date:
        return None
    node = soup.select_one(selectors.date)
    return find_thai_date(_text(node)) if node is not None else None


def _scan_date(lines: list[str]) -> dt.date | None:
    return find_thai_date("\n".join(lines)[:_DATE_SCAN_CHARS])
