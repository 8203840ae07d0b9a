"""The README stays true: its commands parse against the CLI, its config reference is current."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from scripts.update_readme import render
from tests.conftest import ROOT
from watcher.cli import cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    commands = []
    for block in blocks:
        for line in block.splitlines():
            for part in line.split("#")[0].split("&&"):
                part = part.strip()
                if part.startswith("watcher "):
                    commands.append(part)
    return commands


def test_readme_shows_the_two_setup_commands() -> None:
    assert 'pip install -e ".[dev]" && watcher demo --duration 30' in README
    assert "python -m pytest" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest" in ci and 'pip install -q -e ".[dev]"' in ci


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_parses(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every `watcher …` line names a real command whose options and arguments parse."""
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)[1:]
    for index, arg in enumerate(args):
        if arg.endswith(".jsonl") and not (ROOT / arg).exists():
            args[index] = str(tmp_path / arg)
            (tmp_path / arg).touch()
    group: click.Command = cli
    while args[:1] == ["--db"]:  # the global option before the command name
        del args[:2]
    if args == ["--version"]:
        return
    while isinstance(group, click.Group) and args and args[0] in group.commands:
        group = group.commands[args.pop(0)]
    assert not isinstance(group, click.Group), f"{command}: incomplete command"
    with group.make_context(group.name or "", list(args)):
        pass


def test_config_reference_is_current() -> None:
    assert render(README) == README, "run: python scripts/update_readme.py"
