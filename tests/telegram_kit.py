"""What the Telegram tests share: synthetic labelled items, a paced bot on the fake server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from tests.botapi import TOKEN, FakeBotApi
from watcher.channels.telegram.render import TelegramRenderer
from watcher.channels.telegram.send import ChatPacer, TelegramChannel, make_bot
from watcher.core.corpus import Item
from watcher.match.subscriptions import Subscription
from watcher.store import Store

NAMES = {
    ("country", "JP"): ("ญี่ปุ่น", "Japan"),
    ("country", "KR"): ("เกาหลีใต้", "South Korea"),
    ("bloc", "ASEAN"): ("อาเซียน", "ASEAN"),
    ("ministry", "industry"): ("กระทรวงอุตสาหกรรม", "Ministry of Industry"),
    ("ministry", "mfa"): ("กระทรวงการต่างประเทศ", "Ministry of Foreign Affairs"),
}


class FakeGazetteer:
    """The slice of the classifier's Gazetteer the bot and renderer use."""

    def _name(self, kind: str, code: str, lang: str) -> str:
        th, en = NAMES.get((kind, code), (code, code))
        return th if lang == "th" else en

    def country_name(self, code: str, lang: str = "th") -> str:
        return self._name("country", code.upper(), lang)

    def bloc_name(self, code: str, lang: str = "th") -> str:
        return self._name("bloc", code.upper(), lang)

    def ministry_name(self, ministry_id: str, lang: str = "th") -> str:
        return self._name("ministry", ministry_id.lower(), lang)

    def resolve_term(self, text: str) -> tuple[str, str] | None:
        folded = text.strip().casefold()
        for (kind, code), (th, en) in NAMES.items():
            if folded in (code.casefold(), th, en.casefold()):
                return kind, code
        return None

    def closest(self, text: str) -> list[str]:
        folded = text.strip().casefold()
        return [code for _, code in NAMES if code.casefold()[:2] == folded[:2]][:3]


def labels(*countries: str, ministries: tuple[str, ...] = ("mfa",)) -> dict[str, Any]:
    return {
        "countries": list(countries),
        "primary": list(countries[:1]),
        "blocs": [],
        "ministries": list(ministries),
        "lead_ministry": ministries[0] if ministries else None,
        "evidence": [
            {"kind": "country", "code": c, "alias": NAMES[("country", c)][0], "field": "title"}
            for c in countries
        ],
    }


def thai_item(number: int, *, title: str | None = None, body: str | None = None) -> Item:
    return Item(
        title=title or f"นายกรัฐมนตรีหารือความร่วมมือด้านการค้าและการลงทุน ครั้งที่ {number}",
        body=body
        or (
            f"วันนี้ ({number}) ที่ทำเนียบรัฐบาล นายกรัฐมนตรีได้หารือกับเอกอัครราชทูต "
            "เรื่องความร่วมมือด้านเศรษฐกิจ การค้า และการลงทุน ทั้งสองฝ่ายเห็นพ้องกันว่า "
        )
        * 3,
        url=f"https://www.thaigov.go.th/news/contents/details/{90000 + number}",
        source_id=90000 + number,
        category="ข่าวทำเนียบรัฐบาล",
        published="2026-11-19",
    )


def store_item(
    store: Store,
    number: int,
    *countries: str,
    at: dt.datetime,
    alert: bool = True,
    **fields: Any,
) -> str:
    outcome = store.add_item(
        thai_item(number, **fields),
        origin="poll",
        seen_at=at,
        labels=labels(*countries),
        alert=alert,
    )
    return outcome.hash


def subscribe(store: Store, chat_id: int, *countries: str, at: dt.datetime, **kw: Any) -> int:
    subscriber = store.add_subscriber("telegram", str(chat_id), at=at, **kw)
    store.add_subscription(subscriber.id, Subscription(countries=tuple(countries)))
    return subscriber.id


def fast_channel(
    server: FakeBotApi, *, per_second: float = 1000.0, per_chat: float = 0.0
) -> TelegramChannel:
    """A channel on the fake server whose pacer does not slow the tests down."""
    bot = make_bot(TOKEN, server.base_url, ChatPacer(per_second, per_chat))
    return TelegramChannel(bot, TelegramRenderer(FakeGazetteer()))


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server
