"""`kind = "feed"` against RSS and Atom served by the local site, and the article parser."""

from __future__ import annotations

import pytest

from tests.feeds import atom_feed, rss_feed
from tests.site import LocalSite, local_site
from tests.test_sources import cycles, news_item
from watcher.core.config import SelectorSettings, SourceConfig
from watcher.core.errors import ParseError
from watcher.demo.site import render_item_page
from watcher.sources.article_page import parse_article_page
from watcher.sources.feed import parse_feed
from watcher.sources.settings import source_from_table
from watcher.store import ItemFilter, Store

__all__ = ["local_site"]

FEED = "/rss/news.xml"


def feed_source(site: LocalSite, **keys: object) -> SourceConfig:
    return source_from_table({"name": "prd", "kind": "feed", "url": site.base_url + FEED, **keys})


def test_a_feed_defaults_to_the_article_parser_and_declares_its_keys() -> None:
    source = source_from_table({"name": "f", "kind": "feed", "url": "https://x.org/rss"})
    assert source.parser == "article" and source.options.max_entries == 100


def test_first_cycle_is_a_baseline_then_each_new_entry_arrives_once_with_full_text(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(n) for n in range(3)], start_id=100)
    local_site.serve(FEED, rss_feed(local_site, [100, 101, 102]), "application/rss+xml")

    def grow(index: int) -> None:
        if index == 1:
            local_site.clear_faults()
            local_site.publish(103, news_item(3))
            local_site.serve(FEED, rss_feed(local_site, [101, 102, 103]), "application/rss+xml")

    rounds = cycles(store, [feed_source(local_site)], 3, between=grow)
    first, second, idle = (r[0] for r in rounds)
    assert [i.source_id for i in first.items] == [100, 101, 102]
    assert all(i.history for i in first.items) and first.error is None
    assert [i.source_id for i in second.items] == [103] and not second.items[0].history
    assert idle.items == () and idle.fetch.not_modified == 1  # conditional GET on the feed
    [stored] = [i for i in store.list_items(ItemFilter()) if i.source_id == 103]
    full = store.get_item(stored.hash)
    assert full is not None and full.title == news_item(3).title  # the page, not the feed
    assert "ย่อหน้าที่สองของข่าว 3" in full.body
    assert full.category == "ข่าวรัฐบาล"  # the feed's category (the article parser reads none)


def test_an_entry_whose_page_cannot_be_read_is_stored_from_its_summary_and_flagged(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(0)], start_id=100)
    local_site.serve(FEED, rss_feed(local_site, [100]), "application/rss+xml")
    local_site.fail("/news/contents/details/100", 404)
    [[report]] = cycles(store, [feed_source(local_site)])
    assert report.counts == {"new": 1} and report.error is None
    assert "1 feed entries stored from their summary" in (report.detail or "")
    [item] = store.list_items(ItemFilter())
    full = store.get_item(item.hash)
    assert full is not None and full.title == "ข่าวที่ 100 จากฟีด"
    assert full.body == "สรุปข่าวที่ 100 จากฟีด" and full.published == "2023-07-25"


def test_atom_entries_keep_their_dates_and_categories(local_site: LocalSite, store: Store) -> None:
    items = [news_item(n) for n in range(2)]
    local_site.add_items(
        [type(i)(title=i.title, body=i.body) for i in items], start_id=200
    )  # pages without a category or date
    local_site.serve(FEED, atom_feed(local_site, [200, 201]), "application/atom+xml")
    [[report]] = cycles(store, [feed_source(local_site)])
    assert [i.source_id for i in report.items] == [201, 200]  # oldest first, by entry date
    stored = {i.source_id: i for i in store.list_items(ItemFilter())}
    assert stored[201].published == "2024-03-01" and stored[200].published == "2024-03-02"
    assert stored[200].category == "ด้านต่างประเทศ"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue, 25 Jul 2566 10:00:00 +0700", "2023-07-25"),  # a B.E. year
        ("Tue, 25 Jul 2023 23:30:00 GMT", "2023-07-26"),  # a Bangkok day
        ("2023-07-25T08:00:00", "2023-07-25"),  # no zone: Bangkok
        ("2566-07-25T08:00:00+07:00", "2023-07-25"),
    ],
)
def test_entry_dates_in_be_or_without_a_zone(text: str, expected: str) -> None:
    xml = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>a</title><link>https://x.org/1</link><pubDate>{text}</pubDate></item>"
        "</channel></rss>"
    ).replace("pubDate", "pubDate" if "," in text else "dc:date")
    if "," not in text:
        xml = xml.replace(
            'version="2.0"', 'version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        )
    [entry] = parse_feed(xml.encode(), "https://x.org/rss")
    assert entry.published is not None and entry.published.isoformat() == expected


BAD_FEEDS = {
    "html": b"<!DOCTYPE html><html><head><title>news</title></head><body><p>hi</p></body></html>",
    "truncated": b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><ti',
    "billion laughs": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<rss version="2.0"><channel><title>&lol2;</title></channel></rss>'
    ),
    "xxe": (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>&x;</title></channel></rss>'
    ),
}


@pytest.mark.parametrize("name", BAD_FEEDS)
def test_a_bad_feed_is_one_line_in_the_state_and_stores_nothing(
    local_site: LocalSite, store: Store, name: str
) -> None:
    local_site.serve(FEED, BAD_FEEDS[name], "application/rss+xml")
    [[report]] = cycles(store, [feed_source(local_site)])
    assert report.state == "failing" and not report.items and store.count_items() == 0
    assert report.error is not None and "\n" not in report.error
    assert store.http_validators(local_site.base_url + FEED) == (None, None)  # read again
    if name in ("billion laughs", "xxe"):
        assert "entities" in report.error


def test_bad_links_and_entries_without_links_are_recorded_never_followed(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(0)], start_id=100)
    links = [
        local_site.item_url(100), "javascript:alert(1)", "file:///etc/passwd",
        "data:text/html,hi", "http://elsewhere.invalid/news/1", None,
    ]  # fmt: skip
    feed = rss_feed(local_site, list(range(100, 106)), links=links)
    local_site.serve(FEED, feed, "application/rss+xml")
    [[report]] = cycles(store, [feed_source(local_site)])
    assert report.counts == {"new": 2}  # the page, and the other host's entry from its summary
    reasons = {skip.key: skip.reason for skip in store.source_skips("prd")}
    assert reasons["javascript:alert(1)"] == "entry link is not http(s)"
    assert any(k.startswith("file:") for k in reasons) and "data:text/html,hi" in reasons
    assert any(key.startswith("entry without a link") for key in reasons)
    assert local_site.count("/etc/passwd") == 0


def test_a_feed_of_10000_entries_considers_only_the_newest(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(n) for n in range(30)], start_id=1)
    feed = rss_feed(local_site, list(range(1, 10_001)))
    local_site.serve(FEED, feed, "application/rss+xml")
    [[report]] = cycles(store, [feed_source(local_site, max_entries=50)])
    assert len(report.items) == 20  # the baseline of the newest 50 considered
    item_reads = sum(n for p, n in local_site.requests.items() if "/details/" in p)
    assert item_reads == 20


# -- the article parser ------------------------------------------------------------------------


def test_the_article_parser_reads_thai_whole_from_a_page_of_any_layout() -> None:
    item = news_item(5)
    html = (
        "<html><head><title>กระทรวงอุตสาหกรรม - ข่าว</title></head><body><nav>หน้าแรก | ข่าว</nav>"
        f"<article><h1>{item.title}</h1><p>วันที่ 25 กรกฎาคม 2566</p>"
        + "".join(f"<p>{line}</p>" for line in item.body.split("\n"))
        + "</article><footer>ติดต่อเรา</footer></body></html>"
    )
    parsed = parse_article_page(html, "https://www.industry.go.th/news/5", SelectorSettings())
    assert parsed is not None and parsed.published == "2023-07-25"
    assert item.body.split("\n")[0] in parsed.body and "ย่อหน้าที่สองของข่าว 5" in parsed.body
    assert "ติดต่อเรา" not in parsed.body


def test_the_article_parser_gives_the_same_text_as_the_thaigov_parser_on_a_thaigov_page() -> None:
    from watcher.sources.thaigov_page import parse_item_page

    page = render_item_page(news_item(9))
    ours = parse_item_page(page, "https://x/9", SelectorSettings())
    theirs = parse_article_page(page, "https://x/9", SelectorSettings())
    assert ours is not None and theirs is not None
    assert (theirs.title, theirs.body, theirs.published) == (ours.title, ours.body, ours.published)


def test_a_page_without_text_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no article text"):
        parse_article_page("<html><body></body></html>", "https://x/1", SelectorSettings())


def test_an_entry_on_the_same_host_but_another_port_is_never_fetched(
    local_site: LocalSite, store: Store
) -> None:
    local_site.add_items([news_item(0)], start_id=100)
    with LocalSite() as other:  # 127.0.0.1 too, another port: another server
        other.add_items([news_item(1)], start_id=101)
        links = [other.item_url(101), local_site.item_url(100)]  # newest first
        feed = rss_feed(local_site, [100, 101], links=links)
        local_site.serve(FEED, feed, "application/rss+xml")
        [[report]] = cycles(store, [feed_source(local_site)])
        assert other.count("/news/contents/details/101") == 0 and other.count("/robots.txt") == 0
    assert report.counts == {"new": 2} and "1 feed entries stored from their summary" in (
        report.detail or ""
    )
    bodies = {store.get_item(i.hash).body for i in store.list_items(ItemFilter())}  # type: ignore[union-attr]
    assert "สรุปข่าวที่ 101 จากฟีด" in bodies  # its summary: the page was never asked for


def test_fifty_entries_with_one_link_read_it_once(local_site: LocalSite, store: Store) -> None:
    local_site.add_items([news_item(0)], start_id=100)
    feed = rss_feed(local_site, list(range(100, 150)), links=[local_site.item_url(100)] * 50)
    local_site.serve(FEED, feed, "application/rss+xml")
    [[report]] = cycles(store, [feed_source(local_site)])
    assert local_site.count("/news/contents/details/100") == 1
    assert report.counts == {"new": 1} and report.error is None
