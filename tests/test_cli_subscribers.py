"""`watcher subscribers add|list|remove`: terms resolve by code or name, bad input is one line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result

from watcher.cli import cli
from watcher.store import Store

Run = Callable[..., Result]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_add_by_names_list_and_remove(run_cli: Run) -> None:
    added = run_cli("subscribers", "add", "--telegram", "42", "--country", "ญี่ปุ่น",
                    "--country", "Korea", "--ministry", "อุตสาหกรรม")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "+ JP KR industry" in added.output and "instant" in added.output
    run_cli("subscribers", "add", "--email", "desk@example.org", "--bloc", "asean")
    listed = json.loads(run_cli("subscribers", "list", "--format", "json").output)
    assert [(r["channel"], r["address"], r["mode"]) for r in listed] == [
        ("telegram", "42", "instant"), ("email", "desk@example.org", "daily"),
    ]  # fmt: skip
    assert listed[0]["subscriptions"].endswith("JP KR industry")
    assert listed[1]["subscriptions"].endswith("ASEAN")
    assert "removed subscriber" in run_cli("subscribers", "remove", "--telegram", "42").output
    assert len(json.loads(run_cli("subscribers", "list", "--format", "json").output)) == 1


def test_bad_input_is_one_clear_line(run_cli: Run, db_path: Path) -> None:
    Store.open(db_path).close()  # `subscribers list` reads an existing database only
    cases = [
        (("--telegram", "42", "--country", "Atlantis"), "unknown country 'Atlantis'"),
        (("--telegram", "42", "--ministry", "JP"), "'JP' is a country, not a ministry"),
        (("--telegram", "chat", "--all"), "is not a Telegram chat id"),
        (("--email", "a@b.c\r\nBcc: x@y.z", "--all"), "is not an e-mail address"),
        (("--telegram", "1", "--email", "a@b.org", "--all"), "exactly one of"),
        (("--telegram", "42",), "at least one --country"),
    ]  # fmt: skip
    for args, message in cases:
        result = invoke("subscribers", "add", *args)
        assert result.exit_code == 2, args
        assert message in result.output, (args, result.output)
    assert json.loads(run_cli("subscribers", "list", "--format", "json").output) == []
    missing = invoke("subscribers", "remove", "99")
    assert missing.exit_code == 1 and "no subscriber 99" in missing.output
