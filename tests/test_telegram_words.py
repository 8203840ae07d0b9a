"""Word subscriptions made in the chat, end to end: /subscribe through python-telegram-bot,
items stored through the pipeline, alerts drained through the outbox to the Bot API stand-in."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from tests.botapi import TOKEN, FakeBotApi
from tests.telegram_kit import FakeGazetteer, bot_api, thai_item
from watcher.channels.telegram.service import TelegramService
from watcher.classify import Classifier, default_gazetteer_dir
from watcher.core.config import Config, Environment, TelegramSettings
from watcher.ingest.pipeline import Pipeline
from watcher.query import search as query
from watcher.store import ItemFilter, Store

__all__ = ["bot_api"]

THAI_EV, LATIN_EV = 100, 200
ITEMS = {
    1: ("รัฐบาลหนุนการลงทุนรถยนต์ไฟฟ้าในไทย", "มาตรการส่งเสริมรถยนต์ไฟฟ้าและสถานีชาร์จ"),
    2: ("Thailand opens EV charging corridor", "The EV-charging network reaches Chiang Mai."),
    3: ("Social Development ministry meets", "Policy level talks on human development."),
    4: ("ประชุมคณะรัฐมนตรี", "ที่ประชุมอนุมัติงบประมาณด้านการศึกษา"),
}


def test_a_chat_gets_the_items_its_words_find_and_no_others(
    store: Store, bot_api: FakeBotApi, tmp_path: Path
) -> None:
    env = Environment(tmp_path / "w.toml", tmp_path / "db", TOKEN, bot_api.base_url)
    config = Config(telegram=TelegramSettings(per_chat_interval=0.0))
    service = TelegramService(store, config, env, terms=FakeGazetteer())
    pipeline = Pipeline(store, Classifier.from_dir(default_gazetteer_dir()), workers=0)
    history = dataclasses.replace(
        thai_item(9, title="ประวัติรถยนต์ไฟฟ้า"), url="https://www.thaigov.go.th/news/9"
    )

    async def run() -> None:
        await service.start()
        try:
            bot_api.user_says(THAI_EV, '/subscribe "รถยนต์ไฟฟ้า"')
            bot_api.user_says(LATIN_EV, "/subscribe EV")
            assert await bot_api.until(
                lambda: bool(bot_api.messages(THAI_EV) and bot_api.messages(LATIN_EV))
            )
            pipeline.process(history, origin="import", alert=False)  # history never alerts
            for number, (title, body) in ITEMS.items():
                pipeline.process(thai_item(number, title=title, body=body * 3), origin="poll",
                                 alert=True)  # fmt: skip
            await service.drain()
            assert await bot_api.until_messages(2, chat_id=THAI_EV)
            assert await bot_api.until_messages(2, chat_id=LATIN_EV)
            await service.drain()  # nothing more is owed
        finally:
            await service.stop()

    asyncio.run(run())
    thai_reply, *thai_alerts = bot_api.texts(THAI_EV)
    latin_reply, *latin_alerts = bot_api.texts(LATIN_EV)
    assert thai_reply == "รับข่าวแล้ว #1: คำ: รถยนต์ไฟฟ้า (instant)"
    assert latin_reply == "รับข่าวแล้ว #1: คำ: EV (instant)"
    assert [ITEMS[1][0] in text for text in thai_alerts] == [True]
    found = query.search(store, "รถยนต์ไฟฟ้า", ItemFilter(limit=50))
    new = [hit.item.title for hit in found if "ประวัติ" not in hit.item.title]
    assert new == [ITEMS[1][0]]  # what `watcher search` finds among the new items
    assert [ITEMS[2][0] in text for text in latin_alerts] == [True]
    assert not any("Social Development" in text for text in latin_alerts)
    assert store.outbox_counts() == {"sent": 2}
