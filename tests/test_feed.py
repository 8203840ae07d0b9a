"""`watcher feed`: an Atom document parsed back with feedparser, one entry per story."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import Result

from watcher.core.corpus import Item
from watcher.ingest.neardup import NearDuplicates
from watcher.ingest.pipeline import Pipeline
from watcher.store import ItemFilter, Store

RunCli = Callable[..., Result]
URL = "https://www.thaigov.go.th/news/contents/details/{}"
PARAGRAPHS = [
    f"ย่อหน้าที่ {n} นายกรัฐมนตรีหารือความร่วมมือด้านอุตสาหกรรมกับญี่ปุ่น"
    f" เพื่อส่งเสริมยานยนต์ไฟฟ้าและพลังงานสะอาดในภูมิภาค เรื่องที่ {n * 7}"
    for n in range(1, 5)
]
JP_EVIDENCE = [
    {"kind": "country", "code": "JP", "alias": "ญี่ปุ่น", "field": "title", "offset": 20},
    {"kind": "ministry", "code": "industry", "alias": "อุตสาหกรรม", "field": "body", "offset": 40},
]


def labels(countries: list[str], ministries: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "countries": countries, "primary": countries, "blocs": extra.get("blocs", []),
        "ministries": ministries, "lead_ministry": ministries[0] if ministries else None,
        "evidence": extra.get("evidence", []),
    }  # fmt: skip


@pytest.fixture
def stories(db_path: Path, now: dt.datetime) -> dict[str, str]:
    """A JP-industry story and its republication (a variant), a KR one, an undated one."""
    store = Store.open(db_path)
    run = Pipeline(store, None, lambda: now, NearDuplicates(0.85, 30))
    jp = Item("นายกฯ หารือญี่ปุ่นเรื่องยานยนต์ไฟฟ้า", "\n".join(PARAGRAPHS), URL.format(1),
              published="2024-06-03")  # fmt: skip
    first = run.process(jp, origin="poll", alert=False)
    variant = Item(jp.title, jp.body + "\nทั้งสองฝ่ายจะประชุมกันอีก", URL.format(2),
                   published="2024-06-03")  # fmt: skip
    again = run.process(variant, origin="poll", alert=False)
    assert (first.status, again.status) == ("new", "variant")
    store.set_labels(first.hash, labels(["JP"], ["industry"], blocs=["ASEAN"],
                                        evidence=JP_EVIDENCE), now)  # fmt: skip
    korea = Item("ไทย-เกาหลี การค้า", "ความร่วมมือกับเกาหลีใต้", URL.format(3),
                 published="2024-06-10")  # fmt: skip
    kr = store.add_item(korea, origin="import", seen_at=now, labels=labels(["KR"], ["commerce"]))
    notice = Item("ประกาศกระทรวงอุตสาหกรรม", "เนื้อหาประกาศ")
    undated = store.add_item(notice, origin="import", seen_at=now, labels=labels([], ["industry"]))
    store.close()
    return {"jp": first.hash, "variant": again.hash, "kr": kr.hash, "undated": undated.hash}


def parse(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    feed = feedparser.parse(result.stdout_bytes)
    assert not feed.bozo, feed.bozo_exception
    return feed


def test_feed_entries_carry_titles_links_categories_and_evidence(
    run_cli: RunCli, stories: dict[str, str]
) -> None:
    feed = parse(run_cli("feed", "--country", "JP", "--ministry", "industry"))
    assert feed.version == "atom10"
    assert feed.feed.title == "thaigov.go.th: country JP; ministry industry"
    [entry] = feed.entries  # the republication is folded into its story
    assert entry.id == f"tag:thaigov-watcher,2024:item:{stories['jp']}"
    assert entry.title == "นายกฯ หารือญี่ปุ่นเรื่องยานยนต์ไฟฟ้า"
    assert entry.link == URL.format(1)
    assert entry.published == entry.updated == "2024-06-03T00:00:00+07:00"
    assert [(t.term, t.scheme, t.label) for t in entry.tags] == [
        ("JP", "urn:thaigov-watcher:country", "Japan"),
        ("ASEAN", "urn:thaigov-watcher:bloc", "ASEAN"),
        ("industry", "urn:thaigov-watcher:ministry", "Ministry of Industry"),
    ]
    assert entry.summary.startswith("ย่อหน้าที่ 1 นายกรัฐมนตรีหารือ")
    assert "Labels: JP Japan, ASEAN, Ministry of Industry" in entry.summary
    assert "Why: «ญี่ปุ่น» → JP (title), «อุตสาหกรรม» → industry (body)" in entry.summary
    assert feed.feed.updated == "2024-06-03T00:00:00+07:00"


def test_entries_are_newest_first_with_stable_ids_and_first_seen_when_undated(
    run_cli: RunCli, stories: dict[str, str], now: dt.datetime
) -> None:
    first, second = run_cli("feed"), run_cli("feed")
    assert first.stdout_bytes == second.stdout_bytes  # same items, same bytes
    feed = parse(first)
    ids = [entry.id.rsplit(":", 1)[1] for entry in feed.entries]
    assert ids == [stories["kr"], stories["jp"], stories["undated"]]  # undated last, as everywhere
    undated = feed.entries[-1]
    assert undated.updated == now.isoformat() and "published" not in undated
    assert undated.get("links", []) == [] and undated.content[0].value.startswith("เนื้อหาประกาศ")


def test_a_query_keeps_the_items_the_search_finds(run_cli: RunCli, stories: dict[str, str]) -> None:
    feed = parse(run_cli("feed", "--query", "ยานยนต์ไฟฟ้า OR เกาหลีใต้"))
    assert [e.id.rsplit(":", 1)[1] for e in feed.entries] == [stories["kr"], stories["jp"]]
    refused = run_cli("feed", "--query", "-ญี่ปุ่น")
    assert refused.exit_code == 1
    assert refused.output == "Error: search '-ญี่ปุ่น': give at least one word or phrase to find\n"


def test_an_empty_result_is_still_a_valid_feed(run_cli: RunCli, stories: dict[str, str]) -> None:
    feed = parse(run_cli("feed", "--since", "2030-01-01"))
    assert feed.entries == [] and feed.feed.title == "thaigov.go.th: since 2030-01-01"


def test_limit_defaults_to_50_and_output_file(
    run_cli: RunCli, db_path: Path, now: dt.datetime, tmp_path: Path
) -> None:
    store = Store.open(db_path)
    for n in range(55):
        store.add_item(Item(f"ข่าวที่ {n}", f"เนื้อหาข่าวที่ {n}", URL.format(n)),
                       origin="import", seen_at=now, labels=labels(["JP"], []))  # fmt: skip
    store.close()
    assert len(parse(run_cli("feed")).entries) == 50
    assert len(parse(run_cli("feed", "--limit", "7")).entries) == 7
    out = tmp_path / "jp.atom"
    result = run_cli("feed", "--country", "JP", "-o", str(out))
    assert result.output == f"wrote {out} (50 entries)\n"
    assert len(feedparser.parse(out.read_bytes()).entries) == 50


def test_an_unwritable_output_is_one_line(
    run_cli: RunCli, stories: dict[str, str], tmp_path: Path
) -> None:
    result = run_cli("feed", "-o", str(tmp_path / "no" / "such" / "x.atom"))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "cannot write" in result.output


def test_unknown_codes_and_bad_dates_are_refused_like_seen_list(
    run_cli: RunCli, stories: dict[str, str]
) -> None:
    for bad in (["--country", "ZZ"], ["--ministry", "industri"], ["--since", "2024-13-01"]):
        fed, listed = run_cli("feed", *bad), run_cli("seen", "list", *bad)
        assert fed.exit_code == listed.exit_code == 2
        assert fed.output.splitlines()[-1] == listed.output.splitlines()[-1].replace(
            "seen list", "feed"
        )
        assert fed.output.splitlines()[-1].startswith("Error: Invalid value for")


def test_thai_names_and_buddhist_era_dates_filter_as_in_seen_list(
    run_cli: RunCli, stories: dict[str, str]
) -> None:
    feed = parse(run_cli("feed", "--country", "ญี่ปุ่น", "--since", "2567-06-01"))
    assert [entry.id.rsplit(":", 1)[1] for entry in feed.entries] == [stories["jp"]]
    assert feed.feed.title == "thaigov.go.th: country JP; since 2024-06-01"


HOSTILE_TITLE = "นายกฯ\x08 หารือ\x00ญี่ปุ่น\ufffe\x1f"


def test_characters_xml_cannot_carry_are_dropped_on_the_way_in(
    store: Store, now: dt.datetime
) -> None:
    item = Item(HOSTILE_TITLE, "เนื้อหา\x0b\x00ข่าว\uffff", URL.format(9), category="a\x01b")
    stored = store.add_item(item, origin="import", seen_at=now)
    [row] = store.list_items(ItemFilter())
    assert (row.title, row.body, row.category) == ("นายกฯ หารือญี่ปุ่น", "เนื้อหาข่าว", "ab")
    assert row.hash == stored.hash == item.hash  # the hash of the text as received


def test_a_stored_control_character_never_breaks_the_feed(
    run_cli: RunCli, stories: dict[str, str], db_path: Path
) -> None:
    with sqlite3.connect(db_path) as db:  # written before the store dropped them
        db.execute("UPDATE items SET title = ?, body = body || ? WHERE hash = ?",
                   [HOSTILE_TITLE, "\x00\ufffe", stories["jp"]])  # fmt: skip
    feed = parse(run_cli("feed", "--country", "JP"))
    assert [entry.title for entry in feed.entries] == ["นายกฯ หารือญี่ปุ่น"]
