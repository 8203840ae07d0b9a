"""Cabinet round-ups: the item kind, stored with the item, and the lead-ministry filters.

A round-up ("สรุปข่าวการประชุมคณะรัฐมนตรี", "The cabinet met on ...") lists the resolutions of
ten to twenty ministries. `--ministry industry` still finds it; `--lead-ministry industry` and
`/subscribe industry lead` want only the items the industry ministry leads.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.telegram_kit import FakeGazetteer
from watcher.channels.telegram.commands import BotCommands
from watcher.channels.telegram.render import TelegramRenderer
from watcher.classify import Classifier, default_gazetteer_dir
from watcher.core.config import TelegramSettings
from watcher.match.subscriptions import Subscription
from watcher.store import ItemFilter, Store
from watcher.store.schema import MIGRATIONS

CABINET_TITLE = "สรุปข่าวการประชุมคณะรัฐมนตรี 2 มกราคม 2567"
CABINET_BODY = [
    "วันนี้ (2 มกราคม 2567) เวลา 09.00 น. ณ ทำเนียบรัฐบาล ที่ประชุมคณะรัฐมนตรีมีมติ",
    "1. เรื่อง มาตรการส่งเสริมอุตสาหกรรม ตามที่กระทรวงอุตสาหกรรมเสนอ",
    "2. เรื่อง การส่งออกข้าว ตามที่กระทรวงพาณิชย์เสนอ",
    "3. เรื่อง ความร่วมมือกับญี่ปุ่น ตามที่กระทรวงการต่างประเทศเสนอ",
]
INDUSTRY_TITLE = "รมว.อุตสาหกรรม หารือนักลงทุนญี่ปุ่น"
INDUSTRY_BODY = ["รัฐมนตรีว่าการกระทรวงอุตสาหกรรม หารือกับคณะนักลงทุนญี่ปุ่น ณ กระทรวงอุตสาหกรรม"]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.from_dir(default_gazetteer_dir())


@pytest.mark.parametrize(
    "title",
    [
        CABINET_TITLE,
        "  สรุปข่าวการประชุม ครม. 5 มีนาคม 2567",
        "The cabinet met on August 23, 2022",
        "THE CABINET MET ON MAY 2, 2023",
    ],
)
def test_round_ups_are_their_own_kind_led_by_the_cabinet(
    classifier: Classifier, title: str
) -> None:
    labels = classifier.classify(title, "\n".join(CABINET_BODY))
    assert labels.kind == "cabinet_summary"
    assert labels.lead_ministry == "opm"
    assert {"industry", "commerce", "foreign", "opm"} <= set(labels.ministries)
    assert labels.to_json()["kind"] == "cabinet_summary"


def test_news_about_the_cabinet_is_still_news(classifier: Classifier) -> None:
    labels = classifier.classify("นายกฯ แถลงผลการประชุมคณะรัฐมนตรี", "นายกรัฐมนตรีแถลงข่าว")
    assert labels.kind == "news"
    assert classifier.classify("", "").kind == "news"


@pytest.mark.parametrize(
    "title",
    [
        "",
        "   ",
        "\u3000 The  cabinet\n met",
        "\xa0สรุปข่าวการประชุม  ครม",
        "tHE CABINET met",
        "Them",
        "ß",
    ],
)
def test_the_first_letter_shortcut_agrees_with_the_whole_title(
    classifier: Classifier, title: str
) -> None:
    whole = " ".join(title.split()).casefold().startswith(classifier._cabinet_prefixes)
    assert classifier.is_cabinet_summary(title) == whole


def test_the_category_alone_marks_a_round_up(classifier: Classifier) -> None:
    labels = classifier.classify(
        "ครม. 2 ม.ค. 67", "กระทรวงอุตสาหกรรมเสนอ", "Cabinet Meeting Synopsis"
    )
    assert labels.kind == "cabinet_summary"


def test_lead_only_subscription_matches_the_lead_ministry_only() -> None:
    lead = Subscription(ministries=("industry",), lead_only=True)
    assert lead.matches((), (), ("industry", "opm"), "industry")
    assert not lead.matches((), (), ("commerce", "industry", "opm"), "opm")
    assert not lead.matches((), (), ("industry",))  # no lead given: nothing leads
    assert Subscription(ministries=("industry",)).matches((), (), ("industry", "opm"), "opm")
    assert lead.describe() == "industry lead"


def _stored(store: Store, classifier: Classifier, title: str, body: list[str], at: dt.datetime):
    from watcher.core.corpus import Item

    item = Item(title=title, body="\n".join(body), url=f"https://example.test/{len(title)}")
    labels = classifier.classify(item.title, item.body).to_json()
    return store.add_item(item, origin="poll", seen_at=at, labels=labels, alert=True).hash


def test_store_keeps_the_kind_and_filters_on_the_lead(
    store: Store, classifier: Classifier, now: dt.datetime
) -> None:
    cabinet = _stored(store, classifier, CABINET_TITLE, CABINET_BODY, now)
    news = _stored(store, classifier, INDUSTRY_TITLE, INDUSTRY_BODY, now)
    stored = store.get_item(cabinet)
    assert stored is not None and stored.kind == "cabinet_summary"
    assert stored.to_json()["kind"] == "cabinet_summary"
    listed = {i.hash for i in store.list_items(ItemFilter(ministries=("industry",)))}
    assert listed == {cabinet, news}
    led = [i.hash for i in store.list_items(ItemFilter(lead_ministries=("industry",)))]
    assert led == [news]


def test_lead_subscribers_get_no_round_up_alerts(
    store: Store, classifier: Classifier, now: dt.datetime
) -> None:
    everyone = store.add_subscriber("telegram", "1", at=now)
    store.add_subscription(everyone.id, Subscription(ministries=("industry",)))
    leader = store.add_subscriber("telegram", "2", at=now)
    store.add_subscription(leader.id, Subscription(ministries=("industry",), lead_only=True))
    (_, stored_leader) = store.subscribers("telegram")
    assert stored_leader.subscriptions[0].lead_only
    _stored(store, classifier, CABINET_TITLE, CABINET_BODY, now)
    _stored(store, classifier, INDUSTRY_TITLE, INDUSTRY_BODY, now)
    queued = store.db.execute(
        "SELECT subscriber_id, count(*) FROM outbox GROUP BY subscriber_id ORDER BY 1"
    ).fetchall()
    assert queued == [(everyone.id, 2), (leader.id, 1)]


def test_migration_adds_kind_to_an_existing_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    kind_at = next(i for i, m in enumerate(MIGRATIONS) if any("ADD COLUMN kind" in s for s in m))
    for migration in MIGRATIONS[:kind_at]:
        for statement in migration:
            conn.execute(statement)
    for digest, title in (("a1", "  สรุปข่าวการประชุมคณะรัฐมนตรี 9 ม.ค. 67"), ("b2", "ข่าวทั่วไป")):
        conn.execute(
            "INSERT INTO items (hash, title, body, first_seen, last_seen, origin)"
            " VALUES (?, ?, 'เนื้อหา', '2024-01-09T00:00:00+00:00',"
            " '2024-01-09T00:00:00+00:00', 'import')",
            [digest, title],
        )
    conn.execute(f"PRAGMA user_version = {kind_at}")
    conn.commit()
    conn.close()
    store = Store.open(path)
    try:
        kinds = {h: store.get_item(h).kind for h in ("a1", "b2")}  # type: ignore[union-attr]
        assert kinds == {"a1": "cabinet_summary", "b2": "news"}
    finally:
        store.close()


def test_seen_list_lead_ministry_option(
    run_cli: Callable[..., Result], make_text: Callable[..., str], tmp_path: Path
) -> None:
    lines = [
        json.dumps(
            {"id": None, "category": "ด้านเศรษฐกิจ", "text": make_text(t, b, item_id=i)},
            ensure_ascii=False,
        )
        for i, t, b in ((201, CABINET_TITLE, CABINET_BODY), (202, INDUSTRY_TITLE, INDUSTRY_BODY))
    ]
    source = tmp_path / "two.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_cli("import", str(source)).exit_code == 0
    every = json.loads(run_cli("seen", "list", "--ministry", "industry", "--format", "json").output)
    assert sorted(i["kind"] for i in every) == ["cabinet_summary", "news"]
    led = run_cli("seen", "list", "--lead-ministry", "Industry", "--format", "json")
    assert [i["url"][-3:] for i in json.loads(led.output)] == ["202"]


@pytest.fixture
def commands(store: Store, now: dt.datetime) -> BotCommands:
    settings = TelegramSettings(admin_chat_ids=[1], max_subscriptions=3)
    return BotCommands(
        store, FakeGazetteer(), TelegramRenderer(FakeGazetteer()), settings, lambda: now
    )


def _say(commands: BotCommands, chat: int, text: str) -> str:
    return "\n".join(m.plain for m in commands.answer(text.split()[0].lstrip("/"), chat, text))


def test_subscribe_industry_lead(commands: BotCommands, store: Store) -> None:
    reply = _say(commands, 7, "/subscribe industry lead")
    assert reply.startswith("รับข่าวแล้ว #1")
    assert "กระทรวงอุตสาหกรรม (เฉพาะข่าวที่เป็นหน่วยงานหลัก)" in reply
    (subscriber,) = store.subscribers("telegram")
    (subscription,) = subscriber.subscriptions
    assert subscription.ministries == ("industry",) and subscription.lead_only
    assert "1. กระทรวงอุตสาหกรรม (เฉพาะข่าวที่เป็นหน่วยงานหลัก)" in _say(commands, 7, "/list")
    _say(commands, 7, "/subscribe industry")  # the same ministry without `lead`: a second one
    assert len(store.subscribers("telegram")[0].subscriptions) == 2


def test_lead_without_a_ministry_is_an_unknown_term(commands: BotCommands, store: Store) -> None:
    reply = _say(commands, 7, "/subscribe JP lead")
    assert "lead" in reply
    assert store.subscribers("telegram") == []


def test_evidence_json_is_every_field_in_declared_order() -> None:
    """Evidence.to_json is written out by hand for speed; a new field must not be left out."""
    from watcher.classify.labels import Evidence

    evidence = Evidence("country", "JP", "ญี่ปุ่น", "title", 4)
    assert evidence.to_json() == evidence._asdict()
    assert list(evidence.to_json()) == list(Evidence._fields)
