"""Every template a person reads, rendered through its renderer, checked on the visible text.

A template that reads a phrase the engine resolves to something else (a dict method, an
object's repr) still renders without error; only the text a person sees shows the fault, so
each case asserts on that text, and a last test checks that no template file was left out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import pytest

from tests.botapi import visible_text
from tests.telegram_kit import FakeGazetteer, store_item
from watcher.channels.atom.feed import summary
from watcher.channels.digest import build_digest
from watcher.channels.email.render import EmailRenderer
from watcher.channels.render import excerpt
from watcher.channels.telegram.render import TelegramRenderer, default_templates_dir
from watcher.match.subscriptions import Subscriber, Subscription
from watcher.store import ItemFilter, SourceState, Store

TZ = ZoneInfo("Asia/Bangkok")
DAY = dt.date(2026, 11, 19)
TEMPLATES = Path(default_templates_dir()).parent
# What a broken template shows: a Python repr, an undefined marker, a leftover tag.
LEAKS = re.compile(r"built-in method|object at 0x|<bound method|Undefined|\{\{|\{%|\bNone\b")
RENDERED: set[str] = set()


@pytest.fixture(autouse=True)
def record_templates(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original = jinja2.Environment.get_template

    def recording(self: jinja2.Environment, name: str, *args: object, **kw: object) -> object:
        RENDERED.add(name)
        return original(self, name, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(jinja2.Environment, "get_template", recording)
    yield


def shown(text: str, html: bool) -> str:
    visible = visible_text(text, "HTML") if html else text
    assert not LEAKS.search(visible), visible
    return visible


def subscriber(store: Store, now: dt.datetime, lang: str) -> Subscriber:
    added = store.add_subscriber("telegram", "500", mode="daily", lang=lang, at=now)
    store.add_subscription(added.id, Subscription(countries=("JP",)))
    found = store.get_subscriber(added.id)
    assert found is not None
    return found


@pytest.mark.parametrize("lang", ["th", "en"])
def test_digest_header_shows_the_count_and_the_word(
    store: Store, now: dt.datetime, lang: str
) -> None:
    for number in range(3):
        store_item(store, number, "JP", at=now, alert=False)
    digest = build_digest(store, subscriber(store, now, lang), DAY, TZ)
    [message] = TelegramRenderer(FakeGazetteer()).digest(digest)
    word = {"th": "3 ข่าว", "en": "3 items"}[lang]
    for text, html in ((message.html, True), (message.plain, False)):
        lines = shown(text, html).splitlines()
        assert lines[1] == word
        assert lines[0].startswith("📰 " + {"th": "สรุปข่าวประจำวัน", "en": "Daily digest"}[lang])
        assert any(line.startswith("1. นายกรัฐมนตรี") for line in lines)
        assert any("JP" in line and "🇯🇵" in line for line in lines)  # the section heading


def test_alert_shows_title_link_date_and_why(store: Store, now: dt.datetime) -> None:
    store_item(store, 1, "JP", at=now)
    [item] = store.iter_items(ItemFilter())
    message = TelegramRenderer(FakeGazetteer()).alert(item, subscriber(store, now, "en"))
    for text, html in ((message.html, True), (message.plain, False)):
        visible = shown(text, html)
        assert "🇯🇵" in visible and "นายกรัฐมนตรีหารือความร่วมมือ" in visible
        assert "19 Nov 2026" in visible
        assert "«ญี่ปุ่น»" in visible
    assert 'href="https://www.thaigov.go.th/news/contents/details/90001"' in message.html


def test_item_list_help_health_and_stats(store: Store, now: dt.datetime) -> None:
    renderer = TelegramRenderer(FakeGazetteer())
    store_item(store, 1, "JP", at=now)
    [part] = renderer.item_list("The 1 newest items", list(store.iter_items(ItemFilter())), "en")
    assert shown(part.html, True).splitlines()[0] == "The 1 newest items"
    assert shown(part.plain, False).splitlines()[1].startswith("1. นายกรัฐมนตรี")
    assert "/subscribe" in shown(renderer.help_text("en"), False)
    assert "/subscribe" in shown(renderer.help_text("th"), False)
    health = renderer.text("health.txt", source="thaigov", problem="no new item for 30 hours")
    assert shown(health, False) == "⚠️ thaigov-watcher: source thaigov: no new item for 30 hours"
    stats = renderer.text(
        "stats.txt",
        items=12,
        subscribers=3,
        paused=1,
        outbox="2 pending, 9 sent",
        sources=[SourceState("thaigov", cycles=4, consecutive_failures=0, last_new_at="x")],
    )
    visible = shown(stats, False)
    assert "Items: 12" in visible and "Subscribers: 3 (1 paused)" in visible
    assert "Source thaigov: 4 cycles, 0 failing in a row, last new item x" in visible


def test_email_digest_text_and_html(store: Store, now: dt.datetime) -> None:
    store_item(store, 1, "JP", at=now, alert=False)
    digest = build_digest(store, subscriber(store, now, "en"), DAY, TZ)
    rendered = EmailRenderer(subject="thaigov-watcher: {count} items on {date}").digest(
        digest, unsubscribe="mailto:u@example.org"
    )
    assert rendered.subject == "thaigov-watcher: 1 items on 2026-11-19"
    for text, html in ((rendered.text, False), (rendered.html, True)):
        visible = shown(text, html)
        assert "นายกรัฐมนตรีหารือความร่วมมือ" in visible and "JP" in visible


def test_feed_summary_shows_the_opening_labels_and_why(store: Store, now: dt.datetime) -> None:
    store_item(store, 1, "JP", at=now, alert=False)
    [item] = store.iter_items(ItemFilter())
    lines = shown(summary(item, FakeGazetteer()), False).splitlines()
    assert lines[0].startswith("วันนี้ (1) ที่ทำเนียบรัฐบาล นายกรัฐมนตรี") and lines[1] == ""
    assert lines[2].startswith("Labels: JP ") and lines[3].startswith("Why: «ญี่ปุ่น» → JP (")
    bare = dataclasses.replace(item, countries=(), blocs=(), ministries=(), evidence=())
    assert shown(summary(bare, FakeGazetteer()), False) == excerpt(item.body, 400)


def test_run_start_summary(store: Store) -> None:
    from watcher.core.config import Config, Environment, SourceConfig
    from watcher.daemon.run_summary import render_start_summary

    store.add_subscriber("email", "desk@example.org", mode="daily", at=dt.datetime.now(dt.UTC))
    news = SourceConfig(
        "news", "sequence", "http://1/{id}", interval_seconds=3600, jitter_seconds=0
    )
    config = Config(sources=(news, SourceConfig("off", "feed", "http://1/f", enabled=False)))
    env = Environment(Path("w.toml"), store.path, smtp_host="mail.example.org")
    text = shown(
        render_start_summary(config, env, store, dt.datetime(2026, 11, 19, 2, tzinfo=TZ)), False
    )
    lines = text.splitlines()
    assert lines[0] == f"watcher run: 1 source, database {store.path}"
    assert lines[1].startswith("  news: sequence, parser thaigov, every 1 h; first poll now (")
    assert "off" not in lines[1] and lines[2] == "channels:"
    assert (
        lines[3]
        == "  telegram: off (TELEGRAM_BOT_TOKEN not set: alerts stay queued); 0 subscribers"
    )
    assert lines[4] == "  email: on (SMTP_HOST mail.example.org); 1 subscriber"
    assert lines[5].startswith("  apprise: off (") and len(lines) == 6


def test_the_unsubscribe_page_names_the_address_and_posts_to_the_link() -> None:
    """What a GET of the one-click link shows: whose e-mail stops, and a button that POSTs."""
    from watcher.channels.email.unsubscribe import unsubscribe_page

    page = unsubscribe_page("desk<b>@example.org", "/unsubscribe?token=abc")
    visible = " ".join(shown(page, html=True).split())
    assert "Stop every thaigov-watcher e-mail to desk<b>@example.org?" in visible
    assert "ยกเลิก / Unsubscribe" in visible
    assert '<form method="post" action="/unsubscribe?token=abc">' in page
    assert "desk&lt;b&gt;@example.org" in page  # escaped, never markup


def test_every_template_file_was_rendered() -> None:
    """Runs last in this module: a new template needs a case above."""
    files = {p.name for p in TEMPLATES.rglob("*") if p.is_file() and p.suffix != ".toml"}
    assert files - RENDERED == set()
