"""RSS 2.0 and Atom documents for the local site's items, shaped like PRD's news feeds."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from tests.site import LocalSite

__all__ = ["atom_feed", "rss_feed"]


def rss_feed(
    site: LocalSite, ids: Sequence[int], *, dates: Sequence[str] | None = None,
    links: Sequence[str | None] | None = None, category: str = "ข่าวรัฐบาล",
) -> str:  # fmt: skip
    """Newest first, as feeds list them; `dates` are RFC 822 strings, `links` override."""
    entries = []
    for index, source_id in enumerate(sorted(ids, reverse=True)):
        link = links[index] if links is not None else site.item_url(source_id)
        date = dates[index] if dates is not None else "Tue, 25 Jul 2023 10:00:00 +0700"
        link_xml = f"<link>{escape(link)}</link>" if link else ""
        entries.append(
            f"<item><title>ข่าวที่ {source_id} จากฟีด</title>{link_xml}"
            f"<description>&lt;p&gt;สรุปข่าวที่ {source_id} จากฟีด&lt;/p&gt;</description>"
            f"<category>{escape(category)}</category><pubDate>{date}</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>ข่าวรัฐบาล</title><link>https://www.prd.go.th/</link>"
        "<description>news</description>" + "".join(entries) + "</channel></rss>"
    )


def atom_feed(site: LocalSite, ids: Sequence[int]) -> str:
    entries = "".join(
        f"<entry><title>ข่าวที่ {i}</title><link href='{site.item_url(i)}'/>"
        f"<id>urn:item:{i}</id><updated>2024-03-0{1 + n % 9}T10:00:00+07:00</updated>"
        f"<summary>สรุป {i}</summary><category term='ด้านต่างประเทศ'/></entry>"
        for n, i in enumerate(sorted(ids, reverse=True))
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>news</title><id>urn:feed</id><updated>2024-03-09T10:00:00+07:00</updated>"
        + entries + "</feed>"
    )  # fmt: skip
