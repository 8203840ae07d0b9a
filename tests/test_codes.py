"""Filter codes: a typo is one line naming the closest codes everywhere; `watcher codes`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.conftest import ROOT
from watcher.channels.telegram.commands import BotCommands
from watcher.channels.telegram.render import TelegramRenderer
from watcher.cli import cli
from watcher.core.config import TelegramSettings
from watcher.query.codes import default_gazetteer
from watcher.store import Store

Run = Callable[..., Result]


@pytest.fixture
def run(run_cli: Run, db_path: Path, make_text: Callable[..., str], tmp_path: Path) -> Run:
    """The CLI on a database holding one item about Japan and industry."""
    source = tmp_path / "one.txt"
    text = make_text("ญี่ปุ่นลงทุนอุตสาหกรรม", ["นายกรัฐมนตรีหารือกับญี่ปุ่นและกระทรวงอุตสาหกรรม"])
    source.write_text(text, encoding="utf-8")
    assert run_cli("import", str(source)).exit_code == 0

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args))

    return invoke


TYPOS = [
    (["--country", "JPN"], "unknown country 'JPN'; closest: JP (Japan, ญี่ปุ่น)"),
    (["--ministry", "industri"], "unknown ministry 'industri'; closest: industry (Ministry of"),
    (["--bloc", "ASEN"], "unknown bloc 'ASEN'; closest: ASEAN (ASEAN, อาเซียน)"),
    (["--lead-ministry", "energi"], "unknown ministry 'energi'; closest: energy"),
    (["--country", "ASEAN"], "'ASEAN' is a bloc, not a country: use --bloc ASEAN"),
]
COMMANDS = [
    ["seen", "list"],
    ["search", "ญี่ปุ่น"],
    ["export", "--format", "jsonl", "-"],
    ["stats"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize(("option", "expected"), TYPOS, ids=lambda v: str(v)[:20])
def test_an_unknown_code_is_one_line_with_the_closest(
    run: Run, command: list[str], option: list[str], expected: str
) -> None:
    result = run(*command, *option)
    assert result.exit_code == 2, result.output
    (error,) = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert expected in error
    assert "Traceback" not in result.output


def test_codes_and_names_filter_alike(run: Run) -> None:
    by_code = run("seen", "list", "--format", "json", "--country", "jp", "--ministry", "industry")
    by_name = run(
        "seen", "list", "--format", "json", "--country", "Japan", "--ministry", "อุตสาหกรรม"
    )
    assert by_code.exit_code == by_name.exit_code == 0, by_code.output + by_name.output
    assert len(json.loads(by_code.output)) == 1
    assert by_code.output == by_name.output


def test_subscribers_add_names_the_closest_code(run: Run) -> None:
    result = run("subscribers", "add", "--telegram", "42", "--country", "Japn")
    assert result.exit_code == 2
    assert "unknown country 'Japn'; closest: JP (Japan, ญี่ปุ่น)" in result.output
    assert json.loads(run("subscribers", "list", "--format", "json").output) == []


def test_watcher_codes_lists_each_kind_and_filters_by_query(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WATCHER_CONFIG", str(ROOT / "config" / "watcher.toml"))
    runner = CliRunner()
    blocs = json.loads(runner.invoke(cli, ["codes", "blocs", "--format", "json"]).output)
    assert {"kind": "bloc", "code": "ASEAN", "en": "ASEAN", "th": "อาเซียน"} in blocs
    assert {row["kind"] for row in blocs} == {"bloc"}
    thai = runner.invoke(cli, ["codes", "countries", "ญี่ปุ่น", "--format", "csv"])
    assert thai.output.splitlines() == ["kind,code,en,th", "country,JP,Japan,ญี่ปุ่น"]
    anywhere = runner.invoke(cli, ["codes", "energy"])
    assert anywhere.exit_code == 0
    assert "Ministry of Energy" in anywhere.output and "กระทรวงพลังงาน" in anywhere.output
    everything = json.loads(runner.invoke(cli, ["codes", "--format", "json"]).output)
    assert {row["kind"] for row in everything} == {"country", "bloc", "ministry"}
    none = runner.invoke(cli, ["codes", "countries", "Japn"])
    assert none.exit_code == 1
    assert none.output.strip() == "Error: no code or name contains 'Japn'; closest: JP, JO, PN"


def test_the_bot_answers_an_unknown_code_with_the_closest(store: Store) -> None:
    gazetteer = default_gazetteer()
    settings = TelegramSettings(admin_chat_ids=[1], max_subscriptions=3)
    clock = lambda: dt.datetime(2026, 11, 19, tzinfo=dt.UTC)  # noqa: E731
    commands = BotCommands(store, gazetteer, TelegramRenderer(gazetteer), settings, clock)
    (reply,) = commands.answer("subscribe", 7, "/subscribe JPN industri")
    assert reply.plain == (
        "ไม่รู้จัก: JPN (JP / PN?), industri (industry?) — ใช้รหัสประเทศ (JP),"
        " กลุ่มประเทศ (ASEAN), กระทรวง (industry) หรือชื่อ; ถ้าต้องการติดตามเป็นคำ"
        ' ให้ใส่ในเครื่องหมายคำพูด: "JPN"'
    )
    assert store.subscribers("telegram") == []
