"""Undated items sort after dated ones everywhere: "newest first" opens with today's news."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from watcher.channels.telegram.commands import BotCommands
from watcher.channels.telegram.render import TelegramRenderer
from watcher.core.config import TelegramSettings
from watcher.query.codes import default_gazetteer
from watcher.store import Store

Run = Callable[..., Result]
TITLES = {"old": "ข่าวเก่าประชุมญี่ปุ่น", "new": "ข่าวใหม่ประชุมญี่ปุ่น", "undated": "ข่าวไม่ลงวันที่ประชุมญี่ปุ่น"}


@pytest.fixture
def mixed(run_cli: Run, tmp_path: Path, make_text: Callable[..., str]) -> Run:
    """A 2019 item, a 2023 item and an undated one imported last (so first_seen is newest)."""
    folder = tmp_path / "in"
    folder.mkdir()
    dates = {"old": "วันอังคารที่ 23 กรกฎาคม 2562", "new": "วันอังคารที่ 25 กรกฎาคม 2566"}
    for number, (key, title) in enumerate(TITLES.items(), 1):
        text = make_text(title, [f"นายกรัฐมนตรีประชุมกับญี่ปุ่น {key}"], item_id=number,
                         date_line=dates.get(key))  # fmt: skip
        (folder / f"{number}.txt").write_text(text, encoding="utf-8")
        assert run_cli("import", str(folder / f"{number}.txt")).exit_code == 0
    return run_cli


def titles(output: str) -> list[str]:
    rows = [json.loads(line) for line in output.splitlines()] if output.startswith("{") else None
    return [row["title"] for row in (rows if rows is not None else json.loads(output))]


def test_listing_and_search_put_undated_items_last(mixed: Run) -> None:
    newest = [TITLES["new"], TITLES["old"], TITLES["undated"]]
    assert titles(mixed("seen", "list", "--format", "json").output) == newest
    assert titles(mixed("search", "ประชุม", "--newest", "--format", "json").output) == newest
    oldest = [TITLES["old"], TITLES["new"], TITLES["undated"]]
    assert titles(mixed("export", "--format", "jsonl", "-").stdout) == oldest
    (first,) = json.loads(mixed("seen", "list", "--format", "json", "--limit", "1").output)
    assert first["title"] == TITLES["new"]


def test_the_bots_latest_opens_with_dated_news(mixed: Run, db_path: Path) -> None:
    store = Store.open(db_path)
    try:
        gazetteer = default_gazetteer()
        settings = TelegramSettings(admin_chat_ids=[1], max_subscriptions=3)
        clock = lambda: dt.datetime(2026, 11, 19, tzinfo=dt.UTC)  # noqa: E731
        commands = BotCommands(store, gazetteer, TelegramRenderer(gazetteer), settings, clock)
        (reply,) = commands.answer("latest", 1, "/latest all")
    finally:
        store.close()
    text = reply.plain
    assert text.index(TITLES["new"]) < text.index(TITLES["old"]) < text.index(TITLES["undated"])
