"""Atom documents of stored items (feedgen): what `watcher feed` writes and `watcher serve`
serves, so a feed reader can follow one country or one ministry without a bot.

One entry per story: the items come from the listing query, which leaves near-duplicate
variants and revisions out, as `seen list` does. An entry's id is a tag: URI of the item's
content hash, the same in every run, so a reader shows an item once however often the feed is
generated. Labels are categories (the scheme says country, bloc or ministry), the evidence is in
the summary. The feed's own `updated` is its newest entry's: the same items give the same bytes,
which is what lets `watcher serve` answer a reader's If-None-Match with 304.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
from feedgen.feed import FeedEntry, FeedGenerator

from watcher.channels.render import excerpt
from watcher.channels.telegram.render import CodeNames, Names
from watcher.core.xmltext import xml_safe
from watcher.store import ItemFilter, StoredItem

__all__ = [
    "FEED_SCHEME",
    "TAG_AUTHORITY",
    "atom_feed",
    "describe_filter",
    "entry_id",
    "filter_query",
]

TAG_AUTHORITY = "tag:thaigov-watcher,2024"
FEED_SCHEME = "urn:thaigov-watcher:"  # + country | bloc | ministry
SITE = "https://www.thaigov.go.th/"
SITE_ZONE = ZoneInfo("Asia/Bangkok")  # a published date is the site's day
EMPTY_UPDATED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # an empty feed: stable bytes too
SUMMARY_CHARS = 400
EVIDENCE_SHOWN = 6
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parents[2] / "templates" / "feed"),
    autoescape=False,  # plain text: feedgen escapes it into the XML
    trim_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def entry_id(item: StoredItem) -> str:
    return f"{TAG_AUTHORITY}:item:{item.hash}"


def filter_query(where: ItemFilter) -> str:
    """The filter as URL query parameters (`country=JP&ministry=industry`): the feed's id."""
    pairs = [
        (name, value)
        for name, values in (
            ("country", where.countries),
            ("bloc", where.blocs),
            ("ministry", where.ministries),
            ("lead-ministry", where.lead_ministries),
            ("since", (where.since,) if where.since else ()),
            ("until", (where.until,) if where.until else ()),
        )
        for value in values
    ]
    return urlencode(pairs) or "all"


def describe_filter(where: ItemFilter) -> str:
    """The filter in words, for the feed's title ("country JP; ministry industry")."""
    parts = [
        f"{label} {' '.join(values)}"
        for label, values in (
            ("country", where.countries),
            ("bloc", where.blocs),
            ("ministry", where.ministries),
            ("lead ministry", where.lead_ministries),
        )
        if values
    ]
    if where.since:
        parts.append(f"since {where.since}")
    if where.until:
        parts.append(f"until {where.until}")
    return "; ".join(parts) or "all items"


def atom_feed(
    items: Iterable[StoredItem],
    where: ItemFilter,
    *,
    names: Names | None = None,
    self_url: str | None = None,
) -> bytes:
    """An Atom document (UTF-8) of `items` in the order given (newest first)."""
    shown = names or CodeNames()
    feed = FeedGenerator()
    feed.id(f"{TAG_AUTHORITY}:feed:{filter_query(where)}")
    feed.title(f"thaigov.go.th: {describe_filter(where)}")
    feed.subtitle("News of the Royal Thai Government, labelled by thaigov-watcher")
    feed.author({"name": "Royal Thai Government (thaigov.go.th)"})
    feed.link(href=SITE, rel="alternate")
    if self_url:
        feed.link(href=self_url, rel="self")
    feed.generator("thaigov-watcher")
    newest = EMPTY_UPDATED
    for item in items:
        updated = _add_entry(feed.add_entry(order="append"), item, shown)
        newest = max(newest, updated)
    feed.updated(newest)
    document: bytes = feed.atom_str(pretty=True, encoding="UTF-8")
    return document


def _add_entry(entry: FeedEntry, item: StoredItem, names: Names) -> dt.datetime:
    first_seen = dt.datetime.fromisoformat(item.first_seen)
    if first_seen.tzinfo is None:
        first_seen = first_seen.replace(tzinfo=dt.UTC)
    updated = first_seen
    if item.published:
        day = dt.date.fromisoformat(item.published)
        updated = dt.datetime.combine(day, dt.time(), tzinfo=SITE_ZONE)
        entry.published(updated)
    entry.id(entry_id(item))
    entry.title(xml_safe(item.title))
    entry.updated(updated)
    if item.url:
        entry.link(href=xml_safe(item.url), rel="alternate")
    for kind, codes in (("country", item.countries), ("bloc", item.blocs),
                        ("ministry", item.ministries)):  # fmt: skip
        for code in codes:
            label = xml_safe(_name(names, kind, code))
            entry.category(term=xml_safe(code), scheme=FEED_SCHEME + kind, label=label)
    text = xml_safe(summary(item, names))
    entry.summary(text, type="text")
    if not item.url:  # Atom: an entry without an alternate link carries its content
        entry.content(text, type="text")
    return updated


def summary(item: StoredItem, names: Names) -> str:
    """The entry's text: the opening of the body, the labels and the words that gave them."""
    labels = [f"{c} {names.country_name(c, 'en')}" for c in item.countries]
    labels += [names.bloc_name(b, "en") for b in item.blocs]
    labels += [names.ministry_name(m, "en") for m in item.ministries]
    why: list[str] = []
    seen: set[tuple[str, str]] = set()
    for evidence in item.evidence:
        kind, code = str(evidence.get("kind", "")), str(evidence.get("code", ""))
        if (kind, code) in seen or len(why) == EVIDENCE_SHOWN:
            continue
        seen.add((kind, code))
        why.append(f"«{evidence.get('alias', '')}» → {code} ({evidence.get('field', '')})")
    text = _TEMPLATES.get_template("summary.txt").render(
        excerpt=excerpt(item.body, SUMMARY_CHARS), labels=", ".join(labels), why=", ".join(why)
    )
    return text.strip()


def _name(names: Names, kind: str, code: str) -> str:
    if kind == "country":
        return names.country_name(code, "en")
    if kind == "bloc":
        return names.bloc_name(code, "en")
    return names.ministry_name(code, "en")
