"""An RSS 2.0 or Atom feed (feedparser): `kind = "feed"`, for official feeds such as PRD's.

Each cycle fetches the feed conditionally; each entry whose link is not known yet is read
through the source's parser for the full text (default `article`), oldest first. When the
entry's page cannot be read, the entry is stored from its own title and summary, and the cycle
says so (`from summary`). Entry dates (RFC 822 or ISO 8601, B.E. years, no zone = Bangkok) and
categories are kept when the page has none. A first cycle stores the newest `baseline_items`
entries as history and gives up the older ones.

What a feed cannot do to the watcher: hold the event loop (parsed off it, within [limits]
parse_budget_seconds, its text extracted in linear time), declare XML entities (refused before
parsing, so nothing is ever expanded: no billion laughs, no XXE), be HTML or cut short (a
ParseError, nothing stored, the feed read again next cycle), list 10,000 entries (only the
newest `max_entries` are considered), repeat one link in many entries (read once, the newest
entry's facts), link to javascript:, file:, data: or another host or port (recorded, never
followed).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import time
import zoneinfo
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

import feedparser
import lxml.html
from lxml import etree

from watcher.core.config import SourceConfig, setting
from watcher.core.corpus import Item, source_id_from_url
from watcher.core.errors import FetchError, ParseError
from watcher.sources.base import Found, SourceKind, is_source_level
from watcher.sources.pages import parse_off_loop
from watcher.sources.registry import register
from watcher.sources.validate import check_int, check_schedule, check_selectors, check_url

__all__ = ["FeedEntry", "FeedOptions", "FeedSource", "parse_feed"]

BANGKOK = zoneinfo.ZoneInfo("Asia/Bangkok")
_ENTITY = re.compile(rb"<!ENTITY", re.I)


@dataclass(frozen=True)
class FeedOptions:
    DEFAULT_PARSER: ClassVar[str] = "article"
    max_entries: int = setting(100, "newest entries considered per cycle")
    baseline_items: int = setting(20, "newest entries a first cycle stores (never alerted)")

    def check(self, source: SourceConfig) -> None:
        if urlsplit(source.url).scheme not in ("http", "https"):
            raise ValueError("url: a feed url must be http(s)")
        check_url(source.url)
        if self.max_entries < 1:
            raise ValueError("max_entries: must be at least 1")
        check_int(self, "max_entries", 1, 10_000)
        check_int(self, "baseline_items", 0, 100_000)
        check_selectors(source.selectors)
        check_schedule(source)


@dataclass(frozen=True)
class FeedEntry:
    link: str | None
    title: str
    summary: str
    published: dt.date | None
    category: str | None


def parse_feed(body: bytes, url: str, max_entries: int | None = None) -> list[FeedEntry]:
    """The entries of an RSS or Atom document, in feed order (the first `max_entries`);
    ParseError for anything else."""
    if _ENTITY.search(body[:65536]):
        raise ParseError(f"{url}: feed declares XML entities (refused; never expanded)")
    if max_entries is not None:
        body = _first_entries(body, max_entries)
    parsed: Any = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    if parsed.get("bozo") and not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        raise ParseError(f"{url}: not an RSS or Atom feed ({_one_line(problem)})")
    if parsed.get("bozo") and isinstance(parsed.get("bozo_exception"), Exception):
        problem = parsed["bozo_exception"]
        if "SAX" in type(problem).__name__ or "not well-formed" in str(problem):
            raise ParseError(f"{url}: feed is not well-formed XML ({_one_line(problem)})")
    if not parsed.get("version"):
        raise ParseError(f"{url}: not an RSS or Atom feed")
    entries = []
    for raw in parsed.entries:
        tags = [tag.get("term") for tag in raw.get("tags", []) if tag.get("term")]
        entries.append(
            FeedEntry(
                link=(raw.get("link") or "").strip() or None,
                title=" ".join((raw.get("title") or "").split()),
                summary=_text(raw.get("summary") or ""),
                published=_entry_date(raw),
                category=tags[0] if tags else None,
            )
        )
    return entries


def _first_entries(body: bytes, keep: int) -> bytes:
    """The document with only its first `keep` entries (items), when lxml reads it strictly.

    feedparser costs about a millisecond an entry (pure-Python handlers): a 45,000-entry feed
    is most of a minute, for the 100 entries considered. lxml drops the rest first, in C; a
    document it cannot read strictly goes to feedparser whole, as before.
    """
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError):
        return body
    entries = list(root.iter("{*}item", "{*}entry", "item", "entry"))
    if len(entries) <= keep:
        return body
    for entry in entries[keep:]:
        parent = entry.getparent()
        if parent is not None:
            parent.remove(entry)
    document: bytes = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    return document


@register("feed")
class FeedSource(SourceKind):
    Options = FeedOptions
    options: FeedOptions

    async def discover(self) -> AsyncGenerator[Found, None]:
        memory = self.context.memory
        url = self.config.url
        page = await self.context.fetcher.get(
            url, self.context.scope, validators=await memory.validators(url)
        )
        if page.not_modified:
            return
        if page.status != 200:
            raise ParseError(f"{url}: feed answers {page.status}")
        parsed = await parse_off_loop(
            parse_feed, page.body, url, self.options.max_entries,
            budget=self.context.limits.parse_budget_seconds, what=url, stop=self.context.stop,
        )  # fmt: skip
        entries = _one_per_link(parsed[: self.options.max_entries])
        fresh = [e for e in entries if not (e.link and await memory.known(e.link))]
        for entry in fresh:
            if not entry.link or urlsplit(entry.link).scheme not in ("http", "https"):
                key = entry.link or f"entry without a link: {entry.title[:60] or '(no title)'}"
                await memory.record_skip(key, "entry link is not http(s)", give_up=True)
                self.stats.skipped.append(f"{key}: not an http(s) link (never followed)")
        fresh = [e for e in fresh if e.link and urlsplit(e.link).scheme in ("http", "https")]
        history = self.context.first_cycle
        if history:
            kept = set(await self.baseline([e.link for e in fresh if e.link]))
            fresh = [e for e in fresh if e.link in kept]
        failures = len(self.stats.skipped)
        for entry in sorted(reversed(fresh), key=lambda e: e.published or dt.date.min):
            found = await self._read(entry, history)
            if found is not None:
                yield found
        if len(self.stats.skipped) == failures:
            await memory.save_validators(url, page.etag, page.last_modified)

    async def _read(self, entry: FeedEntry, history: bool) -> Found | None:
        assert entry.link
        try:
            page, item = await self.read_item(entry.link)
            if page.status != 200:
                raise FetchError(f"{entry.link}: entry page answers {page.status}")
        except Exception as error:
            if is_source_level(error) or not isinstance(error, FetchError | ParseError):
                raise
            item = self._from_summary(entry)
            if item is None:
                await self.skip_failed(entry.link, error)
                return None
            self.stats.from_summary += 1
        if item is None:
            return None  # the page is the site's empty-item page: nothing published there
        await self.read_succeeded(entry.link)
        item = _with_entry_facts(item, entry)
        return Found(item, item.source_id, history=history)

    def _from_summary(self, entry: FeedEntry) -> Item | None:
        if not entry.title or not entry.summary:
            return None
        assert entry.link
        return Item(
            title=entry.title, body=entry.summary, url=entry.link,
            source_id=source_id_from_url(entry.link), category=entry.category,
            published=entry.published.isoformat() if entry.published else None,
        )  # fmt: skip


def _one_per_link(entries: list[FeedEntry]) -> list[FeedEntry]:
    """The first (newest) entry of each link: fifty entries with one link are one page read."""
    seen: set[str] = set()
    kept = []
    for entry in entries:
        if entry.link is None or entry.link not in seen:
            kept.append(entry)
            if entry.link is not None:
                seen.add(entry.link)
    return kept


def _with_entry_facts(item: Item, entry: FeedEntry) -> Item:
    from dataclasses import replace

    return replace(
        item,
        published=item.published or (entry.published.isoformat() if entry.published else None),
        category=item.category or entry.category,
    )


def _entry_date(raw: Any) -> dt.date | None:
    for key in ("published", "updated", "created"):
        text = (raw.get(key) or "").strip()
        if text:
            moment = _parse_moment(text)
            if moment is not None:
                return moment
    parsed = raw.get("published_parsed") or raw.get("updated_parsed")
    if parsed:
        return dt.date.fromtimestamp(time.mktime(parsed))
    return None


def _parse_moment(text: str) -> dt.date | None:
    """An RFC 822 or ISO 8601 date, B.E. years (2568) turned C.E., no zone read as Bangkok."""
    moment: dt.datetime | None = None
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        fixed = re.sub(r"^(\d{4})", lambda m: str(int(m.group(1)) - 543)
                       if int(m.group(1)) > 2400 else m.group(1), text)  # fmt: skip
        try:
            moment = dt.datetime.fromisoformat(fixed.replace("Z", "+00:00"))
        except ValueError:
            return None
    if moment.year > 2400:
        try:
            moment = moment.replace(year=moment.year - 543)
        except ValueError:  # 29 February of a B.E. year that is no C.E. leap year
            moment = moment.replace(year=moment.year - 543, day=28)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BANGKOK)
    return moment.astimezone(BANGKOK).date()


_HIDDEN = frozenset({"script", "style", "template"})


def _text(html: str) -> str:
    """The text of an entry's HTML summary, each string on a line of its own (a <br> too).

    lxml's tree walked once, without rewriting it: the text BeautifulSoup's get_text("\\n")
    gives, at a twentieth of its cost per entry (a 45,000-entry feed), and linear: replacing each
    <br> in the tree cost the siblings' count per <br> (51 s for 50,000).
    """
    if "<" not in html:
        return "\n".join(" ".join(line.split()) for line in html.splitlines() if line.strip())
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):  # nothing but markup, or no document at all
        return ""
    pieces: list[str] = []
    hidden = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        quiet = not isinstance(element.tag, str)  # a comment or a processing instruction
        if event == "start":
            if element.tag in _HIDDEN:
                hidden += 1
            if element.text and not quiet and not hidden:
                pieces.append(element.text)
        else:
            if element.tag in _HIDDEN:
                hidden -= 1
            if element.tail and element is not root and not hidden:
                pieces.append(element.tail)
    text = "\n".join(pieces)
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def _one_line(problem: object) -> str:
    return " ".join(str(problem).split())[:200] or type(problem).__name__
