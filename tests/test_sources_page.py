"""The thaigov page parser: live pages and imported corpus items must hash alike."""

from __future__ import annotations

import dataclasses

import pytest

from watcher.core.config import SelectorSettings
from watcher.core.corpus import Item, format_corpus_text, parse_corpus_text
from watcher.core.errors import ParseError
from watcher.demo.run import load_sample
from watcher.demo.site import CATEGORY_CLASSES, render_empty_page, render_item_page
from watcher.sources.thaigov_page import parse_item_page

URL = "https://www.thaigov.go.th/news/contents/details/77001"
SELECTORS = SelectorSettings()


def page(title: str, body_html: str, *, category: str = "ด้านสังคม") -> str:
    return (
        f"<html><head><title>รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-{title}</title></head><body>"
        f'<span class="{CATEGORY_CLASSES}">{category}</span>'
        f'<div class="border-normal clearfix">{body_html}</div></body></html>'
    )


def test_every_sample_item_round_trips_through_a_page_with_its_hash() -> None:
    """An item imported from the corpus and the same item fetched live dedupe."""
    items = load_sample(300)
    assert len(items) >= 250
    for item in items:
        parsed = parse_item_page(render_item_page(item), URL, SELECTORS)
        assert parsed is not None
        assert (parsed.hash, parsed.published) == (item.hash, item.published)
        assert parsed.title == " ".join(item.title.split())
        assert parsed.category == item.category


def test_page_fields_category_title_date_and_paragraphs() -> None:
    html = page(
        "ครม. อนุมัติโครงการ",
        "<div>25/07/2566</div><a>พิมพ์</a>"
        '<div class="news-2"><h3 class="news-1">ครม. อนุมัติโครงการ</h3></div>'
        "<p>ย่อหน้า<strong>แรก</strong> ต่อ</p><p>ย่อหน้าที่สอง<br>บรรทัดใหม่</p>",
    )
    item = parse_item_page(html, URL, SELECTORS)
    assert item == Item(
        title="ครม. อนุมัติโครงการ",
        body="ย่อหน้าแรก ต่อ\nย่อหน้าที่สอง\nบรรทัดใหม่",
        url=URL,
        source_id=77001,
        category="ด้านสังคม",
        published="2023-07-25",
    )


def test_live_page_and_corpus_text_of_the_same_news_hash_alike() -> None:
    item = Item("ข่าวทดสอบการเทียบ", "ย่อหน้าเดียว\nอีกย่อหน้า", published="2024-01-02")
    imported = parse_corpus_text(format_corpus_text(item))
    live = parse_item_page(render_item_page(item), URL, SELECTORS)
    assert live is not None and live.hash == imported.hash


def test_the_empty_item_page_is_no_item() -> None:
    assert parse_item_page(render_empty_page(), URL, SELECTORS) is None


def test_an_epoch_dated_page_with_a_title_is_no_item() -> None:
    html = page(
        "x",
        "<div>วันพฤหัสบดีที่ 1 มกราคม 2513</div>"
        '<div class="news-2"><h3 class="news-1">x</h3></div><p>y</p>',
    )
    assert parse_item_page(html, URL, SELECTORS) is None


def test_a_selector_that_matches_nothing_is_a_parse_error_naming_it() -> None:
    html = page("ข่าว", "<p>เนื้อหา</p>")  # no h3.news-1: the site changed its markup
    with pytest.raises(ParseError, match=r"title selector 'div.news-2 h3.news-1' matched nothing"):
        parse_item_page(html, URL, SELECTORS)


def test_selectors_come_from_config() -> None:
    html = (
        "<html><head><title>ข่าวใหม่</title></head><body><article><h1>หัวข้อ</h1>"
        "<section><p>25 กรกฎาคม 2566</p><p>เนื้อหาใหม่</p></section></article></body></html>"
    )
    selectors = dataclasses.replace(
        SELECTORS, page_title_prefix="ข่าว", title="article h1", body="article section", category=""
    )
    item = parse_item_page(html, URL, selectors)
    assert item is not None
    assert (item.title, item.body, item.published) == ("หัวข้อ", "เนื้อหาใหม่", "2023-07-25")


def test_a_page_cut_before_its_end_is_refused() -> None:
    html = render_item_page(Item("ข่าว", "เนื้อหา", published="2023-07-25"))
    with pytest.raises(ParseError, match="cut short"):
        parse_item_page(html[: len(html) // 2], URL, SELECTORS)
