"""Near-duplicates: a republication is a variant of its story, never a second alert."""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace
from typing import Any

from watcher.core.corpus import Item
from watcher.ingest.neardup import NearDuplicates
from watcher.ingest.pipeline import Pipeline
from watcher.match.subscriptions import Subscription
from watcher.store import ItemFilter, Store

PARAGRAPHS = [
    f"ย่อหน้าที่ {n} นายกรัฐมนตรีหารือความร่วมมือด้านการค้าและการลงทุนกับญี่ปุ่น"
    f" เพื่อส่งเสริมอุตสาหกรรมยานยนต์ไฟฟ้าและพลังงานสะอาดในภูมิภาค เรื่องที่ {n * 7}"
    for n in range(1, 5)
]


def story(extra: str = "", date: str = "5 เมษายน 2566", url: str = "a") -> Item:
    body = "\n".join([f"เมื่อวันที่ {date} ณ ทำเนียบรัฐบาล", *PARAGRAPHS, extra]).strip()
    return Item(
        title="นายกรัฐมนตรีหารือกับญี่ปุ่นเรื่องยานยนต์ไฟฟ้า",
        body=body,
        url=f"https://www.thaigov.go.th/news/contents/details/{url}",
        published="2023-04-05",
    )


def pipeline(store: Store) -> Pipeline:
    clock = lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # noqa: E731
    return Pipeline(store, None, clock, NearDuplicates(0.85, 30))


def test_a_republication_is_a_variant_never_alerted_nor_listed(store: Store) -> None:
    subscriber = store.add_subscriber("telegram", "1", at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    store.add_subscription(subscriber.id, Subscription(everything=True))
    run = pipeline(store)
    first = run.process(story(url="1"), origin="poll", alert=True)
    again = run.process(story("ทั้งสองฝ่ายจะประชุมกันอีก", url="2"), origin="poll", alert=True)
    assert (first.status, again.status) == ("new", "variant")
    assert again.queued == 0
    assert [i.hash for i in store.list_items(ItemFilter())] == [first.hash]
    variants = store.list_items(ItemFilter(variants=True))
    assert {i.near_duplicate_of for i in variants} == {None, first.hash}
    [variant] = store.variants(first.hash)
    assert variant["hash"] == again.hash and variant["similarity"] >= 0.85


def test_items_that_differ_only_by_their_date_are_two_stories(store: Store) -> None:
    run = pipeline(store)
    assert run.process(story(url="1"), origin="poll", alert=False).status == "new"
    later = story(date="6 เมษายน 2566", url="2")
    assert run.process(later, origin="poll", alert=False).status == "new"


def test_short_notices_are_never_compared(store: Store) -> None:
    run = pipeline(store)
    short = Item(title="ประกาศ", body="ขอเชิญประชุมวันจันทร์", url="u1", published="2023-04-05")
    other = Item(title="ประกาศ", body="ขอเชิญประชุมวันอังคาร", url="u2", published="2023-04-05")
    assert [run.process(i, origin="poll", alert=False).status for i in (short, other)] == [
        "new",
        "new",
    ]


def test_a_revision_at_the_same_url_stays_a_revision(store: Store) -> None:
    run = pipeline(store)
    run.process(story(url="1"), origin="poll", alert=False)
    assert (
        run.process(story("แก้ไขเพิ่มเติม", url="1"), origin="poll", alert=False).status == "revision"
    )


def test_the_index_survives_a_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "w.db"
    store = Store.open(path)
    first = pipeline(store).process(story(url="1"), origin="poll", alert=False)
    store.close()
    store = Store.open(path)
    again = pipeline(store).process(story("ย่อหน้าใหม่", url="2"), origin="poll", alert=False)
    assert again.status == "variant"
    assert store.get_item(again.hash).near_duplicate_of == first.hash  # type: ignore[union-attr]
    store.close()


class CountryLabels:
    """A classifier that knows two countries by name: enough to give two versions labels."""

    def classify(self, title: str, body: str, category: str | None = None) -> Any:
        text = title + body
        countries = [code for code, name in (("JP", "ญี่ปุ่น"), ("KR", "เกาหลีใต้")) if name in text]
        labels = {"countries": countries, "primary": countries, "blocs": [], "evidence": [],
                  "ministries": ["industry"], "lead_ministry": "industry"}  # fmt: skip
        return SimpleNamespace(to_json=lambda: labels)


def test_the_same_release_about_another_country_is_another_story_and_reaches_its_subscriber(
    store: Store,
) -> None:
    korean = store.add_subscriber("telegram", "2", at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    store.add_subscription(korean.id, Subscription(countries=("KR",)))
    clock = lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # noqa: E731
    run = Pipeline(store, CountryLabels(), clock, NearDuplicates(0.85, 30))
    japan = run.process(story(url="1"), origin="poll", alert=True)
    item = story(url="2")
    title, body = (text.replace("ญี่ปุ่น", "เกาหลีใต้") for text in (item.title, item.body))
    korea = Item(title, body, item.url, published=item.published)
    again = run.process(korea, origin="poll", alert=True)
    assert (japan.status, again.status) == ("new", "new") and again.queued == 1
    assert [i.hash for i in store.list_items(ItemFilter(countries=("KR",)))] == [again.hash]
    republished = run.process(story("ทั้งสองฝ่ายจะประชุมกันอีก", url="3"), origin="poll", alert=True)
    assert republished.status == "variant"  # the same labels: still one story


_WORDING = (
    "ศูนย์บริการ ข้อมูล ภาครัฐ ประชาชน สายด่วน เว็บไซต์ สำนักงาน โฆษก ติดต่อ สอบถาม เพิ่มเติม"
    " ระหว่าง วันทำการ เวลา ราชการ ช่องทาง ออนไลน์ เอกสาร ประกอบ คำขอ ยื่น แบบฟอร์ม ภายใน"
    " กำหนด ผู้สนใจ ดาวน์โหลด ได้ที่ หน่วยงาน ระดับ จังหวัด อำเภอ ตำบล"
)  # fmt: skip
_WORDS = _WORDING.split()
_PICK = random.Random(27)
FOOTER = " ".join(
    _PICK.choice(_WORDS) + str(n % 7) for n in range(600)
)  # about 4,000 characters of varied words under every item of a ministry's releases


def test_two_short_items_sharing_a_long_footer_are_two_stories(store: Store) -> None:
    run = pipeline(store)
    first = Item("กระทรวงพาณิชย์เปิดตลาดนัดสินค้าเกษตร",
                 "เมื่อวันที่ 5 เมษายน 2566 กระทรวงพาณิชย์เปิดตลาดนัดสินค้าเกษตรปลอดภัย ณ"
                 " ลานหน้ากระทรวง ให้เกษตรกรนำผลผลิตมาจำหน่ายโดยตรงแก่ผู้บริโภคทุกวันศุกร์\n"
                 + FOOTER, "u1", published="2023-04-05")  # fmt: skip
    other = Item("กรมควบคุมโรคเตือนภัยไข้เลือดออกช่วงฤดูฝน",
                 "กรมควบคุมโรคแนะนำประชาชนกำจัดแหล่งเพาะพันธุ์ยุงลาย ปิดภาชนะใส่น้ำให้มิดชิด"
                 " และไปพบแพทย์ทันทีเมื่อมีไข้สูงลอยติดต่อกันเกินสองวันในช่วงฤดูฝนนี้\n"
                 + FOOTER, "u2", published="2023-04-06")  # fmt: skip
    from watcher.ingest.neardup import comparable_text, jaccard, shingle_set

    texts = [shingle_set(comparable_text(i)) for i in (first, other)]
    assert jaccard(*texts) >= 0.85  # alike by their footer alone
    statuses = [run.process(i, origin="poll", alert=False).status for i in (first, other)]
    assert statuses == ["new", "new"]
