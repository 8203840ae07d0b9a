"""Pages shaped like thaigov.go.th's (THAIGOV.md), rendered from Items.

The demo's replay site and the tests' local site (tests/site.py) both serve these, so what the
watcher reads offline is what it reads live: the <title> prefix, `span.headtitle-2` category with
the site's full class list, `div.news-2 h3.news-1` title, the banner date, and a
`div.border-normal.clearfix` body whose text opens with the date line, พิมพ์, the title again,
then the paragraphs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from watcher.core.corpus import HEADER_PREFIX, Item
from watcher.core.thaidate import EPOCH, format_thai_date

__all__ = ["ITEM_PATH", "LISTING_PATH", "render_empty_page", "render_item_page", "render_listing"]

ITEM_PATH = "/news/contents/details/{id}"
LISTING_PATH = "/news/contents/listing"
CATEGORY_CLASSES = "Circular headtitle-2 font_level6 color2 col-xs-9 remove-xs"

_PAGE = """<!DOCTYPE html>
<html lang="th">
<head>
<meta charset="{charset}">
<title>{prefix}{title}</title>
<link rel="stylesheet" href="/assets/css/style.css">
</head>
<body>
<div class="container">
<div class="row"><div class="col-xs-12 headtitle">
<span class="{category_classes}">{category}</span>
</div></div>
<div class="row">
<div class="col-xs-12 col-sm-12 col-md-12 border-normal clearfix">
<div class="col-xs-12 col-md-8 remove-xs">
<div class="Circular font_level4 color4">{date}</div></div>
<div class="col-xs-12 col-md-4 text-right">
<a class="print" href="javascript:window.print()">พิมพ์</a></div>
<div class="col-xs-12 news-2"><h3 class="Circular news-1">{title}</h3></div>
<div class="col-xs-12 Circular font_level4 color1 remove-xs" style="padding-top:15px">
{paragraphs}
</div>
</div>
</div>
</div>
</body>
</html>
"""


def render_item_page(item: Item, *, charset: str = "utf-8") -> str:
    published = dt.date.fromisoformat(item.published) if item.published else None
    return _render(item.title, item.category or "", published, item.body.split("\n"), charset)


def render_empty_page(*, charset: str = "utf-8") -> str:
    """What the site answers (200) for a missing or unpublished id."""
    return _render("", "", EPOCH, [], charset)


def _render(
    title: str, category: str, published: dt.date | None, lines: Sequence[str], charset: str
) -> str:
    paragraphs = "\n".join(f"<p>{escape(line)}</p>" for line in lines if line.strip())
    return _PAGE.format(
        charset=charset,
        prefix=HEADER_PREFIX,
        title=escape(title),
        category=escape(category),
        category_classes=CATEGORY_CLASSES,
        date=format_thai_date(published) if published else "",
        paragraphs=paragraphs,
    )


def render_listing(
    links: Sequence[tuple[str, str]], *, next_url: str | None = None, charset: str = "utf-8"
) -> str:
    """A category listing: (href, title) newest first, and a link to the next page."""
    rows = "\n".join(
        f'<p><a href="{escape(href)}">{escape(title)}</a></p>' for href, title in links
    )
    more = f'<a rel="next" href="{escape(next_url)}">ถัดไป</a>' if next_url else ""
    return (
        f'<!DOCTYPE html>\n<html lang="th"><head><meta charset="{charset}">'
        f"<title>{HEADER_PREFIX}ข่าว</title></head><body>"
        f'<div class="col-xs-12 col-sm-9 col-md-10 news-2">\n{rows}\n</div>'
        f'<div class="pagination">{more}</div></body></html>\n'
    )
