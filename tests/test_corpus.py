"""The corpus format, normalization and content hash."""

from __future__ import annotations

import json
import lzma
from collections.abc import Callable

import pytest

from tests.conftest import CORPUS, SEEDS, needs_corpus, needs_seeds
from watcher.core.corpus import (
    Item,
    content_hash,
    format_corpus_text,
    normalize_text,
    parse_corpus_text,
    rejection_reason,
)
from watcher.core.thaidate import find_thai_date, format_thai_date, parse_thai_date

BODY = ["นายกรัฐมนตรีหารือกับเอกอัครราชทูตญี่ปุ่น ณ ทำเนียบรัฐบาล", "ทั้งสองฝ่ายเห็นพ้องกระชับความร่วมมือ"]


def test_parse_full_format(make_text: Callable[..., str]) -> None:
    item = parse_corpus_text(make_text("นายกฯ หารือทูตญี่ปุ่น", BODY, item_id=70669))
    assert item.title == "นายกฯ หารือทูตญี่ปุ่น"
    assert item.body == "\n".join(BODY)
    assert item.published == "2023-07-25"
    assert item.url == "https://www.thaigov.go.th/news/contents/details/70669"
    assert item.source_id == 70669


def test_bom_crlf_and_newer_slashed_date(make_text: Callable[..., str]) -> None:
    text = make_text("หัวข้อ", BODY, date_line="วันอังคารที่ 25 กรกฎาคม 2566\n25/07/2566")
    item = parse_corpus_text("\ufeff" + text.replace("\n", "\r\n"))
    assert item.title == "หัวข้อ"
    assert item.body == "\n".join(BODY)
    assert item.published == "2023-07-25"


def test_missing_prefix_and_source_line(make_text: Callable[..., str]) -> None:
    text = make_text(
        "หัวข้อไม่มีคำนำ", BODY, prefix=False, item_id=None, date_line=None, repeat_title=False
    )
    item = parse_corpus_text(text)
    assert (item.title, item.body, item.url, item.source_id) == (
        "หัวข้อไม่มีคำนำ",
        "\n".join(BODY),
        None,
        None,
    )


def test_inner_source_lines_stay_in_body(make_text: Callable[..., str]) -> None:
    body = [*BODY, "ที่มา : กระทรวงการคลัง"]
    item = parse_corpus_text(make_text("หัวข้อ", body, item_id=5))
    assert item.body.endswith("ที่มา : กระทรวงการคลัง")
    assert item.source_id == 5


@pytest.mark.parametrize("prefix", [True, False])
def test_round_trip_is_lossless(make_text: Callable[..., str], prefix: bool) -> None:
    item = parse_corpus_text(make_text("หัวข้อ", BODY, prefix=prefix), category="ด้านเศรษฐกิจ")
    again = parse_corpus_text(format_corpus_text(item), category="ด้านเศรษฐกิจ")
    assert again == item


def test_cosmetic_differences_share_a_hash(make_text: Callable[..., str]) -> None:
    plain = parse_corpus_text(make_text("หัวข้อ ข่าว", BODY, item_id=1))
    noisy_text = make_text(
        "หัวข้อ\u200b  ข่าว",
        [p.replace(" ", "\u00a0 ") for p in BODY],
        item_id=99,
        date_line="25/07/2566",
    )
    noisy = parse_corpus_text("\ufeff" + noisy_text)
    assert noisy.url != plain.url
    assert content_hash(noisy) == content_hash(plain)
    assert len(content_hash(plain)) == 16


def test_nikhahit_sara_aa_folds_to_sara_am() -> None:
    composed = Item(title="น้ำ", body="ทำ")
    decomposed = Item(title="น้\u0e4d\u0e32", body="ท\u0e4d\u0e32")
    assert normalize_text(decomposed) == normalize_text(composed)


def test_different_news_differ() -> None:
    assert content_hash(Item("ก", "ข")) != content_hash(Item("ก", "ค"))


def test_empty_items_are_rejected_with_a_reason() -> None:
    epoch = "รัฐบาลไทย-\n\nวันพฤหัสบดีที่ 1 มกราคม 2513\n\nที่มา : https://www.thaigov.go.th/news/contents/details/3\n"
    assert rejection_reason(parse_corpus_text(epoch)) == "unpublished page (dated 1 มกราคม 2513)"
    assert rejection_reason(Item(title="", body="เนื้อหา")) == "empty title"
    assert rejection_reason(Item(title="หัวข้อ", body=" \u200b ")) == "empty body (a title-only post)"
    assert rejection_reason(Item(title="หัวข้อ", body="เนื้อหา")) is None


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("วันอังคารที่ 25 กรกฎาคม 2566", "2023-07-25"),
        ("25/07/2566", "2023-07-25"),
        ("วันจันทร์ที่ ๑๗ สิงหาคม ๒๕๖๓", "2020-08-17"),
        ("3 ก.พ. 2562", "2019-02-03"),
    ],
)
def test_thai_dates(text: str, iso: str) -> None:
    date = parse_thai_date(text)
    assert date is not None and date.isoformat() == iso
    assert parse_thai_date(format_thai_date(date)) == date


def test_date_in_prose_is_not_a_date_line() -> None:
    assert parse_thai_date("เมื่อวันที่ 25 กรกฎาคม 2566 นายกรัฐมนตรี") is None
    found = find_thai_date("เมื่อวันที่ 25 กรกฎาคม 2566 นายกรัฐมนตรี")
    assert found is not None and found.isoformat() == "2023-07-25"
    assert find_thai_date("31 กุมภาพันธ์ 2566") is None


@needs_seeds
def test_seeds_parse() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        item = parse_corpus_text(path.read_text(encoding="utf-8"))
        assert rejection_reason(item) is None, path
        assert parse_corpus_text(format_corpus_text(item)) == item


@pytest.mark.slow
@needs_corpus
def test_whole_corpus_round_trips() -> None:
    mismatches = 0
    with lzma.open(CORPUS, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            item = parse_corpus_text(record["text"], category=record["category"])
            if parse_corpus_text(format_corpus_text(item), category=record["category"]) != item:
                mismatches += 1
    assert mismatches == 0
